// Every view of a run as of the timeline's current position (timeline.js): the narration's
// current line, the Events table (the events up to that step), the flowchart (the chosen pod's
// and container's steps up to it, picker.js), the Cluster view (runcluster.js, from the
// `accepted` frame's `cluster`), and once the result is in, `kubectl get pods` and
// `kubectl describe` as of that step (kubectl.js). Redrawn at most once per animation frame.

import { clusterView } from "./cluster.js";
import { formatSeconds } from "./dom.js";
import { describeAt, getPodsAt } from "./kubectl.js";
import { clusterAt } from "./runcluster.js";

export class RunViews {
  constructor(parts) {
    Object.assign(this, parts); // timeline, picker, narration, events, diagram, and elements
    const region = document.getElementById("cluster-view");
    this.cluster = region ? clusterView(region) : null;
    this.requested = 0;
    this.reset();
  }

  // A new run: nothing drawn, nothing in the table.
  reset() {
    this.events.reset();
    this.eventsAt = -1; // the position the events table holds the events up to
    this.chartReady = false;
    this.result = null; // the result's texts and timeline, once the run is over
    this.horizon = 0;
    this.flowPath.textContent = "";
    this.plan = null; // the run's cluster: its start and changes
  }

  // The run was accepted: `plan` is its `cluster` (docs/protocol.md).
  start(plan) {
    this.plan = plan ?? null;
  }

  chartDrawn(drawn) {
    this.chartReady = drawn;
    this.schedule();
  }

  finish(message, horizon) {
    this.result = {
      getPods: message.get_pods ?? "",
      describe: message.describe ?? "",
      timeline: message.timeline ?? null,
    };
    this.horizon = horizon;
    this.eventsAt = Infinity; // refill the table: the last frame may have gained events
    this.schedule();
  }

  schedule() {
    if (this.requested) return;
    this.requested = requestAnimationFrame(() => {
      this.requested = 0;
      this.show(this.timeline.position);
    });
  }

  show(position) {
    this.narration.show(position);
    this.showEvents(position);
    this.showFlow(position);
    this.showKubectl(position);
    this.showCluster(position);
  }

  showCluster(position) {
    const frame = this.timeline.frame(position);
    if (!this.cluster || !this.plan || !frame) return;
    const time = frame.step.time ?? 0;
    this.cluster.showRun(
      clusterAt(this.plan, frame.index, time),
      `The run at step ${frame.index + 1} of ${this.timeline.total}, at ${formatSeconds(time)}: ` +
        "each node with the images it holds, layer by layer (a layer two images share is " +
        "stored once), the pods on it, its pulls layer by layer, and the registry's tags.",
    );
  }

  atEnd(position) {
    return this.result !== null && position === this.timeline.last;
  }

  showEvents(position) {
    if (position < this.eventsAt) {
      this.events.reset();
      this.eventsAt = -1;
    }
    for (let p = this.eventsAt + 1; p <= position; p += 1) {
      for (const event of this.timeline.frame(p).events) this.events.add(event);
    }
    this.eventsAt = position;
    const frame = this.timeline.frame(position);
    // `kubectl describe` in the result is printed at the horizon: the table ends there too.
    if (frame) this.events.advance(this.atEnd(position) ? this.horizon : (frame.step.time ?? 0));
  }

  showFlow(position) {
    if (!this.chartReady) return;
    const { picker } = this;
    const walked = [];
    for (let p = 0; p <= position; p += 1) {
      const { step } = this.timeline.frame(p);
      if (picker.includes(step)) walked.push(step);
    }
    const { visited, current } = this.diagram.showPath(walked);
    if (!picker.pod) {
      this.flowPath.textContent = "";
      return;
    }
    const node = walked.find((step) => step.node)?.node;
    const whose = `${picker.pod}${picker.container ? `, container ${picker.container}` : ""}`;
    this.flowPath.textContent = visited.length
      ? `Lit for ${whose}${node ? ` on ${node}` : ""}: ${visited.join(", ")}. Now at: ${current}.`
      : `Nothing lit yet for ${whose}.`;
  }

  showKubectl(position) {
    const { result } = this;
    if (result === null) return;
    const frame = this.timeline.frame(position);
    if (!frame || this.atEnd(position) || !result.timeline) {
      this.getPods.textContent = result.getPods;
      this.describe.textContent = result.describe;
      this.getPodsNote.textContent = "At the end of the run.";
      this.describeNote.textContent = "At the end of the run.";
      return;
    }
    const time = frame.step.time ?? 0;
    const step = `step ${frame.index + 1} of ${this.timeline.total}`;
    this.getPods.textContent = getPodsAt(result.getPods, result.timeline, frame.index, time);
    this.getPodsNote.textContent = `As of ${step}, at ${formatSeconds(time)}.`;
    this.describe.textContent = describeAt(result.describe, (pod) => this.events.describeRows(pod));
    this.describeNote.textContent =
      `describe as of ${step}: events up to here; the rest is as the run ended.`;
  }
}
