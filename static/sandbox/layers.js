// A pull layer by layer as `docker pull` shows it: one progress bar per layer, in one of the
// phases Waiting, Downloading, Download complete, Extracting, Pull complete, or Already exists
// (a layer the node holds already). The phase at a simulated time comes from the layer's times
// in the run's `cluster.pulls` (docs/protocol.md): Waiting until its download starts,
// Downloading until it is fetched, Download complete while the layer below is still being
// unpacked (layers unpack in order), Extracting until it is unpacked, then Pull complete.
//
// Each bar is a `progressbar` named after its layer's short digest, image and node, with its
// bytes as value. Nothing here is a live region: a bar changes at every step, and a screen
// reader hears the step's narration instead (announcer.js).

import { humanBytes } from "./pulls.js";

export const PHASES = [
  "Waiting", "Downloading", "Download complete", "Extracting", "Pull complete", "Already exists",
];

// One layer `[digest, state, started, fetched, finished]` at `time`: its phase and bytes done.
// `below` is when the layer under it was unpacked (it cannot be unpacked before).
export function layerAt(entry, table, time, below = 0) {
  const [digest, state, started, fetched, finished] = entry;
  const [size, label] = table[digest] ?? [0, ""];
  const layer = { digest, size, label };
  if (state === "present") return { ...layer, phase: "Already exists", done: size };
  if (time < started) return { ...layer, phase: "Waiting", done: 0 };
  if (time < fetched) {
    const share = fetched > started ? (time - started) / (fetched - started) : 0;
    return { ...layer, phase: "Downloading", done: Math.round(size * share) };
  }
  if (time < Math.min(below, finished)) return { ...layer, phase: "Download complete", done: size };
  if (time < finished) return { ...layer, phase: "Extracting", done: size };
  return { ...layer, phase: "Pull complete", done: size };
}

// A pull of the run's plan at `time`.
export function pullAt(pull, table, time) {
  let state = "pulling";
  if (time < pull.started) state = "queued";
  else if (time >= pull.finished) state = pull.outcome === "pulled" ? "pulled" : "failed";
  let below = 0;
  const layers = (pull.layers ?? []).map((entry) => {
    const layer = layerAt(entry, table, time, below);
    if (entry[1] !== "present") below = entry[4];
    return layer;
  });
  return {
    image: pull.image,
    pod: pull.pod,
    node: pull.node,
    state,
    error: state === "failed" ? pull.error : null,
    bytes: pull.bytes ?? 0,
    layers,
    more_layers: pull.more_layers ?? 0,
  };
}

// A pull of a console frame's `cluster.pulls`: its layers as they ended.
export function finishedPull(pull) {
  return {
    image: pull.image,
    pod: pull.pod,
    node: pull.node,
    state: pull.outcome === "pulled" ? "pulled" : "failed",
    error: null,
    bytes: pull.bytes ?? 0,
    layers: (pull.layers ?? []).map((layer) => ({
      digest: layer.digest,
      size: layer.size,
      label: "",
      phase: PHASES.includes(layer.state) ? layer.state : "Pull complete",
      done: layer.size,
    })),
    more_layers: 0,
  };
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const STATE_TEXT = {
  queued: "waiting for the puller",
  pulling: "pulling",
  pulled: "pulled",
  failed: "failed",
};

function phaseText(layer) {
  if (layer.phase === "Downloading") {
    return `Downloading ${humanBytes(layer.done)}/${humanBytes(layer.size)}`;
  }
  return layer.phase;
}

function layerBar(layer, pull) {
  const item = el("li", "pull-layer");
  item.dataset.phase = layer.phase;
  const bar = el("div", "pull-bar");
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-label", `layer ${layer.digest} of ${pull.image} on ${pull.node}`);
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", String(Math.max(layer.size, 1)));
  bar.setAttribute("aria-valuenow", String(layer.done));
  bar.setAttribute("aria-valuetext", `${phaseText(layer)}, ${humanBytes(layer.size)}`);
  const fill = el("span", "pull-bar-fill");
  const share = layer.size > 0 ? layer.done / layer.size : layer.phase === "Waiting" ? 0 : 1;
  fill.style.width = `${Math.round(share * 100)}%`;
  bar.append(fill);
  item.title = layer.label || layer.digest;
  item.append(el("code", "pull-layer-id", `${layer.digest}:`), bar,
              el("span", "pull-layer-phase", phaseText(layer)));
  return item;
}

// One pull as a block: what, for whom, its state, and a bar per layer.
export function pullBlock(pull) {
  const block = el("section", `pull-progress pull-${pull.state}`);
  const size = pull.state === "pulled" ? `, ${humanBytes(pull.bytes)} downloaded` : "";
  block.append(el("p", "pull-title", `${pull.image} for ${pull.pod}: ${STATE_TEXT[pull.state]}${size}`));
  if (pull.error) block.append(el("p", "pull-error", pull.error));
  if (pull.layers.length) {
    const list = el("ol", "pull-layers");
    list.setAttribute("aria-label", `layers of ${pull.image} on ${pull.node}`);
    for (const layer of pull.layers) list.append(layerBar(layer, pull));
    if (pull.more_layers) list.append(el("li", "none", `… ${pull.more_layers} more layers`));
    block.append(list);
  }
  return block;
}
