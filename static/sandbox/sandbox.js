// The sandbox page: send the manifest, play the run back (diagram, narration, events, result),
// and, with `data-challenge`, check the run against that challenge's goals. Every step is kept
// (timeline.js): each view shows the run as of the timeline's current step, the flowchart for
// the one pod and container the picker names (picker.js); predict mode asks first (predict.js).
// Everything the server says is shown with textContent; only Mermaid's SVG is markup (flow.js).

import { Announcer, isDecision, sentence } from "./announcer.js";
import { BuildPanel } from "./build.js";
import { ChallengePanel } from "./challenge.js";
import { CreatedObjects } from "./created.js";
import { DiagramTabs } from "./diagrams.js";
import { ManifestDraft } from "./draft.js";
import { ManifestEditor } from "./editor.js";
import { EventsTable } from "./events.js";
import { FlowDiagram } from "./flow.js";
import { NarrationList } from "./narration.js";
import { PodPicker } from "./picker.js";
import { PredictPanel } from "./predict.js";
import { dockerPullDetails } from "./pulls.js";
import { clusterSettings } from "./settings.js";
import { SandboxSocket } from "./socket.js";
import { ConsolePanel } from "./console.js";
import { Timeline } from "./timeline.js";
import { RunViews } from "./views.js";

const root = document.getElementById("sandbox");
const $ = (id) => document.getElementById(id);
const ui = {
  form: $("run-form"),
  scenario: $("scenario"),
  scenarioDescription: $("scenario-description"),
  manifest: $("manifest"),
  speed: $("speed"),
  displayName: $("display-name"),
  finish: $("finish"),
  connection: $("connection-state"),
  problems: $("problems"),
  problemsMessage: $("problems-message"),
  problemsList: $("problems-list"),
  runStatus: $("run-status"),
  results: $("results"),
  hintsBlock: $("hints-block"),
  hints: $("hints"),
  getPods: $("get-pods"),
  dockerPullsBlock: $("docker-pulls-block"),
  dockerPulls: $("docker-pulls"),
  describe: $("describe"),
};
const challengeKey = root.dataset.challenge || null;
const challenge = challengeKey ? new ChallengePanel($("challenge")) : null;
// The textarea until CodeMirror has loaded, then CodeMirror in its place (editor.js).
const editor = new ManifestEditor(ui.manifest, {
  send: (message) => socket.send(message),
  scenario: () => ui.scenario.value || null,
  keysHint: $("manifest-keys"),
  lintStatus: $("manifest-lint"),
});
const draft = new ManifestDraft(editor, {
  challenge: challengeKey,
  resetButton: $("reset-manifest"),
  noticeText: $("draft-notice-text"),
  undoButton: $("draft-undo"),
});

const buildPanel = new BuildPanel($("build-panel"), { challenge: challengeKey });
const diagram = new FlowDiagram($("flow"), root.dataset.mermaidSrc);
const events = new EventsTable($("events"));
const diagramTabs = new DiagramTabs($("diagrams"), root.dataset.mermaidSrc);
const created = new CreatedObjects($("created-block"), $("created"));
// "idle" | "waiting" (run sent, not accepted yet) | "running" (the server streams it)
let playback = "idle";
let currentRun = null;
let hints = [];
let horizon = 0;
let runManifest = null; // the text the current run sent, whose problems the editor may mark

function setPlayback(state, label) {
  playback = state;
  root.dataset.playback = state;
  ui.finish.disabled = state !== "running";
  ui.runStatus.textContent = label ?? "";
}

const announcer = new Announcer($("narration-live"));
const predict = new PredictPanel($("predict"), $("predict-panel"), { send: (m) => socket.send(m), resume: () => timeline.resumeLive(), say: (t) => announcer.say(t), goals: (g) => challenge?.show(g) }); // prettier-ignore
const picker = new PodPicker($("pod"), $("container"), { onChange: () => views.schedule() });
const timeline = new Timeline(
  {
    back: $("step-back"),
    toggle: $("pause"),
    forward: $("step"),
    slider: $("timeline"),
    position: $("timeline-position"),
  },
  {
    show: (position, how) => {
      if (how === "step") announceStep(position);
      views.schedule();
    },
    passed: (frames) => {
      for (const { step } of frames) if (picker.includes(step)) announcer.hear(step);
    },
    server: (action) => socket.send({ type: "control", action }),
    speed: () => Number(ui.speed.value),
    // About one decision of the chosen pod a second at 1×; the steps between go by faster.
    dwell: (step) => (isDecision(step) && picker.includes(step) ? 1000 : 250),
    replay: () => announcer.reset(),
  },
);
const narration = new NarrationList($("narration"), {
  onJump: (position) => {
    picker.select(timeline.frame(position)?.step);
    timeline.jump(position);
  },
});
const views = new RunViews({
  timeline,
  picker,
  narration,
  events,
  diagram,
  flowPath: $("flow-path"),
  getPods: ui.getPods,
  getPodsNote: $("get-pods-note"),
  describe: ui.describe,
  describeNote: $("describe-note"),
});

// A Step button was pressed: say where the timeline is now.
function announceStep(position) {
  const frame = timeline.frame(position);
  if (!frame) return;
  const who = frame.step.pod ? `${frame.step.pod.split("/").pop()}, ` : "";
  announcer.say(`Step ${frame.index + 1} of ${timeline.total}: ${who}${sentence(frame.step)}`);
}

// --- problems (error frames and warnings) ---------------------------------------------------

function problemItem(problem) {
  const item = document.createElement("li");
  item.className = `problem problem-${problem.severity === "warning" ? "warning" : "error"}`;
  // A problem of the build's Dockerfile points into the build panel, not the manifest.
  const inDockerfile = problem.path === "build.dockerfile";
  const position = problem.line ? `line ${problem.line}, column ${problem.column ?? 1}` : null;
  const where = position && inDockerfile ? `Dockerfile ${position}` : position;
  if (where) {
    const jump = document.createElement("button");
    jump.type = "button";
    jump.className = "problem-position";
    jump.textContent = where;
    jump.addEventListener("click", () =>
      inDockerfile
        ? buildPanel.moveCursorTo(problem.line, problem.column)
        : editor.moveCursorTo(problem.line, problem.column),
    );
    item.append(jump, ": ");
  }
  item.append(problem.message ?? "");
  if (problem.path) {
    const path = document.createElement("code");
    path.textContent = problem.path;
    item.append(" (", path, ")");
  }
  if (problem.hint) {
    const hint = document.createElement("p");
    hint.className = "problem-hint";
    hint.textContent = problem.hint;
    item.append(hint);
  }
  return item;
}

function showProblems(message, problems = []) {
  const onlyWarnings = problems.length > 0 && problems.every((p) => p.severity === "warning");
  ui.problemsMessage.textContent = message;
  ui.problemsList.replaceChildren(...problems.map(problemItem));
  ui.problems.dataset.kind = onlyWarnings ? "warning" : "error";
  ui.problems.hidden = false;
}

function clearProblems() {
  ui.problems.hidden = true;
  ui.problemsMessage.textContent = "";
  ui.problemsList.replaceChildren();
}

// --- server frames ---------------------------------------------------------------------------

function hintItem(hint) {
  const item = document.createElement("li");
  const where = [hint.pod && `Pod ${hint.pod}`, hint.container && `container ${hint.container}`];
  if (where.some(Boolean)) {
    const subject = document.createElement("span");
    subject.className = "hint-subject";
    subject.textContent = `${where.filter(Boolean).join(", ")}: `;
    item.append(subject);
  }
  item.append(hint.message ?? "");
  if (hint.rule) {
    const rule = document.createElement("code");
    rule.textContent = hint.rule;
    item.append(" (", rule, ")");
  }
  return item;
}

function onAccepted(message) {
  currentRun = message.run;
  hints = message.hints ?? [];
  horizon = Number(message.horizon) || 0;
  setPlayback("running", `${message.scenario ?? ""} · playing`);
  timeline.start(Number(message.steps) || 0);
  views.start(message.cluster);
  if (message.warnings?.length) showProblems("Warnings", message.warnings);
  editor.showProblems(message.warnings ?? [], runManifest);
  created.show(message.created ?? []);
  buildPanel.showBuild(message.build);
  const flow = message.diagrams?.flow;
  if (flow) {
    diagram.render(flow).then((drawn) => views.chartDrawn(drawn && message.run === currentRun));
  }
}

function onStep(message) {
  const step = message.step ?? {};
  picker.add(step);
  narration.add(timeline.frames.length, step);
  timeline.add(message.index ?? timeline.frames.length, step, message.events ?? []);
}

// The pod each key names at the end of the run, and its STATUS.
function finalStatuses(message) {
  const statuses = {};
  for (const pod of message.trace?.pods ?? []) statuses[`${pod.namespace}/${pod.name}`] = pod.status;
  for (const [key, changes] of Object.entries(message.timeline?.pods ?? {})) {
    statuses[key] = changes[changes.length - 1]?.[1] ?? statuses[key];
  }
  return statuses;
}

function onResult(message) {
  setPlayback("idle", "finished");
  challenge?.show(message.goals);
  timeline.addEvents(message.events ?? []);
  timeline.finish();
  picker.finish(finalStatuses(message));
  views.finish(message, horizon);
  ui.hints.replaceChildren(...hints.map(hintItem));
  ui.hintsBlock.hidden = hints.length === 0;
  const pulls = message.pulls ?? [];
  ui.dockerPulls.replaceChildren(...dockerPullDetails(pulls));
  ui.dockerPullsBlock.hidden = pulls.length === 0;
  diagramTabs.show(message.trace?.diagrams ?? {}, pulls, message.trace?.pulls ?? []);
  buildPanel.showPulls(message.trace?.pulls ?? []);
  ui.results.hidden = false;
}

function onError(message) {
  if (message.code === "invalid_manifest" || playback === "waiting") {
    setPlayback("idle", "");
    timeline.reset();
    challenge?.notChecked("Nothing ran, so no goal was checked. Fix the problems above and run again.");
  }
  if (message.code === "invalid_manifest") {
    editor.showProblems(message.problems ?? [], runManifest);
  }
  showProblems(message.message ?? "The server reported an error.", message.problems ?? []);
}

function onMessage(message) {
  if (predict.onMessage(message)) return undefined;
  if (message.type === "console") return consolePanel.show(message);
  if (message.type === "lint") return editor.onLint(message);
  if (message.type === "error") return onError(message);
  if (message.type === "accepted") {
    if (playback !== "waiting") return undefined; // an answer to a run we no longer wait for
    return onAccepted(message);
  }
  if (message.run !== currentRun) return undefined; // a frame of a replaced run
  if (message.type === "step") return onStep(message);
  if (message.type === "result") return onResult(message);
  return undefined;
}

const CONNECTION_TEXT = {
  connecting: () => "connecting…",
  open: () => "connected",
  closed: (seconds) => `disconnected, retrying in ${seconds} s`,
};

function onState(state, seconds) {
  if (state === "open") {
    consolePanel.open();
    editor.relint();
  }
  ui.connection.textContent = CONNECTION_TEXT[state](seconds);
  ui.connection.parentElement.dataset.state = state;
  if (state === "closed" && playback !== "idle") {
    setPlayback("idle", "interrupted");
    timeline.finish(); // what arrived can still be stepped through
    challenge?.notChecked("The connection dropped before the run finished; run it again.");
  }
}

const socket = new SandboxSocket(root.dataset.wsPath, { onMessage, onState });
const consolePanel = new ConsolePanel($("console"), {
  send: (message) => socket.send(message),
  editor,
  scenario: () => ui.scenario.value,
  challenge: challengeKey,
  onGoals: (goals) => challenge?.show(goals),
});

// --- controls --------------------------------------------------------------------------------

function startRun() {
  clearProblems();
  narration.reset();
  picker.reset();
  announcer.reset();
  timeline.reset();
  views.reset();
  diagram.reset("Waiting for the server…");
  diagramTabs.reset();
  created.show([]);
  buildPanel.reset();
  ui.results.hidden = true;
  currentRun = null;
  setPlayback("waiting", "starting…");
  challenge?.checking();
  runManifest = editor.value;
  socket.send({
    type: "run",
    manifest: runManifest,
    scenario: ui.scenario.value || null,
    speed: Number(ui.speed.value),
    challenge: challengeKey,
    display_name: ui.displayName.value.trim() || null,
    build: buildPanel.request(),
    settings: clusterSettings.request(),
    predict: predict.enabled,
  });
}

function showScenarioDescription() {
  const option = ui.scenario.selectedOptions[0];
  ui.scenarioDescription.textContent = option?.dataset.description ?? "";
}

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  startRun();
});

ui.form.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    ui.form.requestSubmit();
  }
});

ui.scenario.addEventListener("change", () => {
  consolePanel.open();
  showScenarioDescription();
  const url = new URL(window.location.href);
  url.searchParams.set("scenario", ui.scenario.value);
  window.history.replaceState(null, "", url);
});

// A replay here reads the Speed select at each step; the server's stream is told.
ui.speed.addEventListener("change", () => {
  if (playback === "running") {
    socket.send({ type: "control", action: "speed", speed: Number(ui.speed.value) });
  }
});

ui.finish.addEventListener("click", () => {
  socket.send({ type: "control", action: "finish" });
  setPlayback("running", "finishing");
  timeline.followLive();
});

draft.restore();
editor.enhance(root.dataset.codemirrorSrc);
showScenarioDescription();
setPlayback("idle", "");
socket.connect();

// The optional display name stays in this browser (localStorage) across visits.
const NAME_KEY = "lunchbox:display-name";
try {
  ui.displayName.value = localStorage.getItem(NAME_KEY) ?? ui.displayName.value;
} catch {
  // storage may be disabled; the name is then asked again next time
}
ui.displayName.addEventListener("change", () => {
  try {
    localStorage.setItem(NAME_KEY, ui.displayName.value.trim());
  } catch {
    // ignore: see above
  }
});
