// A challenge on the sandbox page: each goal's result after a run, and hints one at a time.
//
// The server renders the goals in plain words and the hints hidden; the goal results of
// `result.goals` (docs/protocol.md) replace the list after each run, shown with textContent.

const STATE_TEXT = { passed: "Met", failed: "Not met", checking: "checking…", unchecked: "not checked yet" };

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

function goalItem(result) {
  const state = result.passed ? "passed" : "failed";
  const item = document.createElement("li");
  item.className = "goal";
  item.dataset.state = state;
  item.append(span("goal-state", STATE_TEXT[state]), " ", span("goal-text", result.goal ?? ""));
  const detail = document.createElement("p");
  detail.className = "goal-detail";
  detail.append(
    span("goal-label", "Expected: "),
    span("goal-expected", result.expected ?? ""),
    document.createElement("br"),
    span("goal-label", "Seen: "),
    span("goal-seen", result.seen ?? ""),
  );
  item.append(detail);
  return item;
}

export class ChallengePanel {
  constructor(section) {
    this.section = section;
    this.goals = section.querySelector("#goals");
    this.status = section.querySelector("#challenge-status");
    this.hints = [...section.querySelectorAll(".challenge-hint")];
    this.hintButton = section.querySelector("#show-hint");
    this.hintCount = section.querySelector("#hint-count");
    this.hintButton?.addEventListener("click", () => this.showHint());
  }

  setGoalStates(state) {
    for (const item of this.goals.querySelectorAll(".goal")) {
      item.dataset.state = state;
      item.querySelector(".goal-detail")?.remove();
      const label = item.querySelector(".goal-state");
      if (label) label.textContent = STATE_TEXT[state];
    }
  }

  // A run was sent: earlier results no longer describe the editor's text.
  checking() {
    this.section.dataset.state = "checking";
    this.setGoalStates("checking");
    this.status.textContent = "Checking the goals…";
  }

  // The run failed before anything ran (invalid manifest, lost connection).
  notChecked(reason) {
    if (this.section.dataset.state !== "checking") return;
    this.section.dataset.state = "unchecked";
    this.setGoalStates("unchecked");
    this.status.textContent = reason;
  }

  show(results) {
    if (!Array.isArray(results)) return;
    this.goals.replaceChildren(...results.map(goalItem));
    const met = results.filter((result) => result.passed).length;
    const complete = results.length > 0 && met === results.length;
    this.section.dataset.state = complete ? "complete" : "incomplete";
    this.status.textContent = complete
      ? "Challenge complete: every goal is met."
      : `${met} of ${results.length} goals met. Change the manifest and run it again.`;
  }

  showHint() {
    const next = this.hints.find((hint) => hint.hidden);
    if (!next) return;
    next.hidden = false;
    const shown = this.hints.filter((hint) => !hint.hidden).length;
    this.hintCount.textContent = `Hint ${shown} of ${this.hints.length}`;
    if (shown < this.hints.length) {
      this.hintButton.textContent = "Show the next hint";
      return;
    }
    // No hint left: the button goes, and focus moves to the hint it revealed, not to <body>.
    this.hintButton.hidden = true;
    next.focus();
  }
}
