// Live sandboxes inside a lesson: each ```sandbox block becomes a small working sandbox on the
// page (an editable manifest, Run, the decision flow lit for one pod, `kubectl get pods` and the
// events), talking to the same websocket as the sandbox page (docs/protocol.md).
//
// The block the server renders works without JavaScript (code + "Open in the sandbox" link).
// Here the code becomes a textarea; whatever the learner types is what "Open in the sandbox"
// carries over (lessons.js reads `data-manifest` when the link is followed). One socket serves
// the page, and one block runs at a time: a new run replaces the one playing, as on the sandbox
// page.

import { SandboxSocket } from "../sandbox/socket.js";
import { FlowDiagram } from "../sandbox/flow.js";

const SPEED = 4; // simulated seconds per second: quick, but the lit path can still be followed
const MAX_EVENT_ROWS = 40;

let socket = null;
let active = null; // the block whose run the frames belong to

function podName(manifest, index) {
  const match = /^\s*name:\s*["']?([A-Za-z0-9][A-Za-z0-9.-]*)/m.exec(manifest);
  return match ? match[1] : `example ${index + 1}`;
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function age(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s < 120 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}`;
}

class LiveSandbox {
  constructor(box, index, mermaidSrc) {
    this.box = box;
    const manifest = box.dataset.manifest || "";
    const name = podName(manifest, index);
    const id = `live-sandbox-${index + 1}`;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", `Try it: ${name}`);
    const label = element("label", { for: `${id}-manifest`, class: "live-sandbox-label" },
      `Manifest (${name})`);
    this.editor = element("textarea", {
      id: `${id}-manifest`, class: "live-sandbox-editor", spellcheck: "false",
      autocapitalize: "off", rows: String(Math.min(18, manifest.split("\n").length + 1)),
    });
    this.editor.value = manifest;
    this.editor.addEventListener("input", () => {
      box.dataset.manifest = this.editor.value;
    });
    this.run = element("button", { type: "button", class: "button primary live-sandbox-run" },
      "Run here");
    this.run.addEventListener("click", () => this.start());
    this.status = element("p", { class: "live-sandbox-status", role: "status" });
    this.output = element("div", { class: "live-sandbox-output", hidden: "" });
    const flowBox = element("div", { class: "live-sandbox-flow", role: "img",
      "aria-label": `Decision flow for ${name}` });
    this.flow = new FlowDiagram(flowBox, mermaidSrc);
    this.pods = element("pre", { class: "live-sandbox-pods", "aria-label": "kubectl get pods" });
    this.events = element("table", { class: "live-sandbox-events" });
    this.events.append(element("caption", {}, "Events"));
    const head = element("tr");
    for (const title of ["TYPE", "REASON", "AGE", "MESSAGE"]) head.append(element("th", { scope: "col" }, title));
    this.events.append(element("thead"));
    this.events.tHead.append(head);
    this.events.append(element("tbody"));
    const podsHeading = element("h4", {}, "kubectl get pods");
    this.output.append(flowBox, podsHeading, this.pods, this.events);
    const code = box.querySelector("pre");
    const controls = element("p", { class: "live-sandbox-controls" });
    controls.append(this.run);
    code.replaceWith(label, this.editor, controls);
    controls.after(this.status, this.output);
    this.reset();
  }

  reset() {
    this.steps = [];
    this.eventRows = 0;
    this.events.tBodies[0].replaceChildren();
    this.pods.textContent = "";
    this.pod = null;
  }

  start() {
    if (!socket) {
      socket = new SandboxSocket("/ws/sandbox/", { onMessage: receive, onState: () => {} });
      socket.connect();
    }
    if (active && active !== this) active.stop("Stopped: another example started.");
    active = this;
    this.reset();
    this.output.hidden = true;
    this.run.disabled = true;
    this.box.setAttribute("aria-busy", "true");
    this.status.textContent = "Running…";
    const message = { type: "run", manifest: this.editor.value, speed: SPEED,
      scenario: this.box.dataset.scenario || null };
    if (!socket.send(message)) this.status.textContent = "Connecting to the server…";
  }

  stop(text) {
    this.run.disabled = false;
    this.box.removeAttribute("aria-busy");
    if (text) this.status.textContent = text;
  }

  accepted(frame) {
    this.output.hidden = false;
    if (frame.diagrams?.flow) this.flow.render(frame.diagrams.flow).then(() => this.light());
  }

  step(frame) {
    const step = frame.step;
    if (step) {
      this.steps.push(step);
      if (!this.pod && step.pod && step.container) this.pod = step.pod;
      this.light();
    }
    this.addEvents(frame.events || []);
  }

  light() {
    if (!this.pod) return;
    this.flow.showPath(this.steps.filter((s) => s.pod === this.pod));
  }

  addEvents(events) {
    const body = this.events.tBodies[0];
    for (const event of events) {
      if (event.recorded?.action === "dropped") continue;
      if (this.eventRows >= MAX_EVENT_ROWS) return;
      this.eventRows += 1;
      const row = element("tr");
      row.append(element("td", {}, event.type || ""), element("td", {}, event.reason || ""),
        element("td", {}, age(event.time || 0)), element("td", {}, event.message || ""));
      body.append(row);
    }
  }

  result(frame) {
    this.addEvents(frame.events || []);
    this.pods.textContent = frame.get_pods || "";
    this.light();
    const statuses = (frame.get_pods || "").split("\n").slice(1).filter(Boolean)
      .map((line) => line.split(/\s+/).slice(0, 3));
    const said = statuses.map(([pod, , status]) => `${pod} is ${status}`).join(", ");
    this.stop(said ? `Done: ${said}.` : "Done.");
  }

  error(frame) {
    const problems = (frame.problems || []).map((p) =>
      (p.line ? `Line ${p.line}, column ${p.column || 1}: ` : "") + p.message);
    this.stop(null);
    this.status.textContent = problems.length ? problems.join(" ") : (frame.message || "The run failed.");
  }
}

function receive(frame) {
  if (!active) return;
  if (frame.type === "accepted") active.accepted(frame);
  else if (frame.type === "step") active.step(frame);
  else if (frame.type === "result") active.result(frame);
  else if (frame.type === "error") active.error(frame);
}

export function wireLiveSandboxes(root) {
  const src = root.dataset.mermaidSrc;
  [...root.querySelectorAll(".live-sandbox[data-manifest]")].forEach(
    (box, index) => new LiveSandbox(box, index, src));
}
