// What a screen reader hears while a run plays: one short sentence per decision of the chosen
// pod, each decision once per playback, and at most one announcement a second (sentences that
// come sooner wait and go out together). The full narration stays in the What happened list,
// which is not a live region: a failing pod makes a hundred steps or more.

// Flow nodes (sandbox/engine/trace.py FLOW_NODES) where the kubelet or the scheduler decided
// something. "start", "parse" (valid), "backoff" (the check) and "timeline" only lead to one.
export const DECISIONS = new Set([
  "schedule",
  "unschedulable",
  "invalid",
  "policy",
  "present",
  "verify",
  "never_missing",
  "inspect_failed",
  "cached",
  "credentials",
  "backoff_wait",
  "pull",
  "pull_failed",
  "pulled",
  "run",
]);

const INTERVAL_MS = 1000;

export function isDecision(step) {
  return DECISIONS.has(step?.flow);
}

// The first sentence of a step's text, cut short: enough to hear what was decided.
function firstSentence(text = "") {
  const end = text.search(/\. |\? | \(/);
  const sentence = end < 0 ? text : text.slice(0, end + (text[end] === " " ? 0 : 1));
  const short = sentence.length > 120 ? `${sentence.slice(0, 119)}…` : sentence;
  return /[.?!…]$/.test(short) ? short : `${short}.`;
}

const SAY = {
  schedule: (step) => `Scheduled on ${step.node}.`,
  unschedulable: () => "No node fits: FailedScheduling.",
  invalid: () => "InvalidImageName: the image reference is not valid.",
  policy: (step) => `imagePullPolicy is ${step.outcome}.`,
  present: (step) => {
    if (step.outcome === "yes") return `The image is already on ${step.node}.`;
    if (step.outcome === "no") return `The image is not on ${step.node}.`;
    return "The runtime cannot tell whether the image is there.";
  },
  verify: (step) => `May it use the cached image? ${step.outcome === "yes" ? "Yes" : "No"}.`,
  never_missing: () => "ErrImageNeverPull: imagePullPolicy Never forbids the pull.",
  inspect_failed: () => "ImageInspectError.",
  cached: () => "Uses the cached image, nothing downloaded.",
  backoff_wait: () => "ImagePullBackOff: the kubelet waits before trying again.",
  pull_failed: () => "The pull failed; the kubelet backs off.",
  pulled: () => "Image pulled.",
  run: (step) => (step.outcome ? firstSentence(step.text) : "Container started."),
};

// One short sentence for a step, naming its container when it has one.
export function sentence(step) {
  const say = SAY[step.flow];
  const text = say ? say(step) : firstSentence(step.text);
  return step.container ? `${step.container}: ${text}` : text;
}

export class Announcer {
  constructor(region) {
    this.region = region;
    this.timer = null;
    this.last = -Infinity; // when the region last changed (performance.now())
    this.reset();
  }

  // A new run, or a replay from the start: every decision may be heard again.
  reset() {
    this.heard = new Set();
    this.queue = [];
    clearTimeout(this.timer);
    this.timer = null;
  }

  // A step the playback passed: say it if it is a decision not heard yet in this playback.
  hear(step) {
    if (!isDecision(step)) return;
    const key = JSON.stringify([step.pod, step.container, step.flow, step.outcome]);
    if (this.heard.has(key)) return;
    this.heard.add(key);
    this.queue.push(sentence(step));
    this.schedule();
  }

  // What the learner asked for (a step button): said even if heard, in place of what waits.
  say(text) {
    this.queue = [text];
    this.schedule();
  }

  schedule() {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.last + INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush() {
    this.timer = null;
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    // Each decision is heard once, so even a burst (Finish) merges into a few sentences.
    this.region.textContent = queue.join(" ");
    this.last = performance.now();
  }
}
