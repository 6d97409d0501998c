// Predict, then reveal (docs/protocol.md, "Predict mode"). With the Predict box ticked, a run is
// sent with `predict: true`; the server stops before each decision it asks about and sends a
// `question` frame. The learner picks a choice and presses Check; the server's `reveal` frame
// says right or wrong with the kubelet's rule, and Continue (a `resume`) lets playback go on.
// The `score` frame ends the run: "Predictions: 3 of 4 right", said once in the live region.
//
// Everything the server sends is shown with textContent.

const KIND_TEXT = {
  policy: "Pull policy",
  present: "Image on the node",
  credentials: "Credentials",
  pull: "Pull result",
};

function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

export class PredictPanel {
  // hooks: send(message), resume() the server's stream (timeline.js), say(text) for the live
  // region, goals(results) for a challenge.
  constructor(toggle, panel, hooks) {
    this.toggle = toggle;
    this.panel = panel;
    this.hooks = hooks;
    this.form = panel.querySelector("form");
    this.fieldset = panel.querySelector("fieldset");
    this.legend = panel.querySelector("legend");
    this.choices = panel.querySelector(".predict-choices");
    this.check = panel.querySelector("button[type=submit]");
    this.reveal = panel.querySelector(".predict-reveal");
    this.continueButton = panel.querySelector(".predict-continue");
    this.score = panel.querySelector(".predict-score");
    this.run = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.answer();
    });
    this.form.addEventListener("change", () => this.update());
    this.continueButton.addEventListener("click", () => this.proceed());
    this.toggle.addEventListener("change", () => {
      if (!this.toggle.checked && this.run === null) this.panel.hidden = true;
    });
    this.reset(null);
  }

  get enabled() {
    return this.toggle.checked;
  }

  // A run was accepted: forget the last one's questions.
  reset(run) {
    this.run = run;
    this.question = null;
    this.panel.hidden = true;
    this.panel.dataset.state = "idle";
    this.legend.textContent = "";
    this.choices.replaceChildren();
    this.reveal.replaceChildren();
    this.continueButton.hidden = true;
    this.score.textContent = "";
    this.update();
  }

  // The reveal was read: playback goes on to the next question or the end.
  proceed() {
    this.continueButton.hidden = true;
    this.panel.dataset.state = "playing";
    this.hooks.resume();
  }

  // Frames of predict mode; true when the frame was one of them.
  onMessage(message) {
    if (message.type === "accepted") {
      this.reset(message.run);
      return false;
    }
    if (!["question", "reveal", "score"].includes(message.type)) return false;
    if (message.run !== this.run) return true; // a frame of a replaced run
    if (message.type === "question") this.ask(message.question ?? {});
    else if (message.type === "reveal") this.showReveal(message);
    else this.showScore(message);
    return true;
  }

  ask(question) {
    const hadFocus = this.panel.contains(document.activeElement) || document.activeElement === document.body;
    this.question = question;
    this.panel.hidden = false;
    this.panel.dataset.state = "asking";
    const kind = KIND_TEXT[question.kind] ?? "Decision";
    this.legend.textContent = `Question ${question.number} of ${question.total} (${kind}): ${question.question ?? ""}`;
    const items = (question.choices ?? []).map((choice, index) => {
      const label = el("label", "predict-choice");
      const input = el("input");
      input.type = "radio";
      input.name = "prediction";
      input.value = String(choice.id);
      input.id = `prediction-${index}`;
      label.append(input, " ", choice.label ?? String(choice.id));
      return label;
    });
    this.choices.replaceChildren(...items);
    this.fieldset.disabled = false;
    this.reveal.replaceChildren();
    this.continueButton.hidden = true;
    this.update();
    this.hooks.say(`Predict: question ${question.number} of ${question.total}. ${question.question ?? ""}`);
    if (hadFocus) items[0]?.querySelector("input")?.focus();
  }

  selected() {
    return this.form.querySelector("input[name=prediction]:checked")?.value ?? null;
  }

  answer() {
    const choice = this.selected();
    if (!this.question || choice === null || this.panel.dataset.state !== "asking") return;
    this.panel.dataset.state = "checking";
    this.fieldset.disabled = true;
    this.update();
    this.hooks.send({ type: "predict", run: this.run, id: this.question.id, choice });
  }

  showReveal(message) {
    this.panel.dataset.state = message.right ? "right" : "wrong";
    const verdict = message.right ? "Right." : `Not this time: the answer is “${message.answer_label ?? message.answer}”.`;
    const head = el("p", "predict-verdict", verdict);
    const why = el("p", "predict-explanation", message.explanation ?? "");
    const sofar = message.score ?? {};
    const tally = el("p", "predict-tally", `So far: ${sofar.right ?? 0} of ${sofar.answered ?? 0} right.`);
    this.reveal.replaceChildren(head, why, tally);
    for (const input of this.form.querySelectorAll("input[name=prediction]")) {
      const label = input.closest("label");
      if (input.value === message.answer) label.dataset.mark = "answer";
      else if (input.value === message.choice) label.dataset.mark = "wrong";
    }
    this.continueButton.hidden = false;
    this.update();
    this.continueButton.focus(); // Check is disabled now; Continue is described by the reveal
  }

  showScore(message) {
    const { right = 0, total = 0 } = message.score ?? {};
    this.panel.hidden = false;
    this.panel.dataset.state = "done";
    this.fieldset.disabled = true;
    this.score.textContent = total ? `Predictions: ${right} of ${total} right` : "Predictions: this run asked no question";
    this.update();
    this.hooks.say(this.score.textContent);
    if (message.goals) this.hooks.goals(message.goals);
  }

  update() {
    this.check.disabled = this.panel.dataset.state !== "asking" || this.selected() === null;
  }
}
