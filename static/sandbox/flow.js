// The pull decision flowchart: render the server's Mermaid text, then light nodes step by step.
//
// Mermaid 11 gives each flowchart node `<g class="node" id="<svg id>-flowchart-<node id>-<n>">`,
// each edge `<path class="flowchart-link" data-id="L_<from>_<to>_<n>">` and each edge label
// `<g class="label" data-id="L_…">`. After rendering we copy the node id into `data-flow` so
// lighting is a plain attribute lookup.
//
// `accepted` brings the chart unmarked: each node and edge a step reaches gets a class
// (`flow-visited`, `flow-taken`) that sandbox.css draws, and the current node a glow. The page
// lights one pod's and container's steps up to the timeline's current one (`showPath`); the
// chart the server marks in `result` shows every pod's path at once, so it is not drawn here.

import { MERMAID_CONFIG } from "./mermaid-config.js";

let mermaidPromise = null;

// One Mermaid for the page (diagrams.js renders its charts with it too).
export function loadMermaid(src) {
  if (!mermaidPromise) {
    mermaidPromise = import(src).then(({ default: mermaid }) => {
      mermaid.initialize({ ...MERMAID_CONFIG });
      return mermaid;
    });
    // A failed load (server restarting) should not stick: let the next render try again.
    mermaidPromise.catch(() => {
      mermaidPromise = null;
    });
  }
  return mermaidPromise;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class FlowDiagram {
  constructor(container, mermaidSrc) {
    this.container = container;
    this.mermaidSrc = mermaidSrc;
    this.renders = 0;
    this.previous = new Map(); // JSON [pod, container] -> the flow node it was last at
    this.shown = null; // the node showPath made current
    // The panel shrinks when the result's tabs appear (and a phone turns): keep the current
    // node in view rather than leave it below the fold it was scrolled to.
    new ResizeObserver(() => {
      if (this.shown?.isConnected) this.reveal(this.shown);
    }).observe(container);
  }

  // Render Mermaid text in place of the current diagram; resolves false if it could not.
  // `redraw` swaps a drawn chart for another of the same layout: the scroll position stays, and
  // on failure the old chart does too.
  async render(text, { redraw = false } = {}) {
    this.renders += 1;
    const ticket = this.renders;
    const svgId = `flow-svg-${ticket}`;
    const { scrollTop, scrollLeft } = this.container;
    this.previous.clear();
    this.shown = null;
    if (!redraw) this.container.dataset.state = "rendering";
    try {
      const mermaid = await loadMermaid(this.mermaidSrc);
      const { svg } = await mermaid.render(svgId, text);
      if (ticket !== this.renders) return false; // a newer run started meanwhile
      // The one place server-derived markup enters the page: Mermaid built it with
      // securityLevel "strict" (labels sanitized, no scripts, no click handlers).
      this.container.innerHTML = svg;
      this.tagNodes(svgId);
      if (redraw) this.container.scrollTo({ top: scrollTop, left: scrollLeft });
      this.container.dataset.state = "ready";
      return true;
    } catch (error) {
      if (ticket !== this.renders || redraw) return false;
      this.showText(`The diagram could not be drawn: ${error.message || error}`);
      this.container.dataset.state = "failed";
      return false;
    }
  }

  // Drop the current diagram (a new run is on its way) and cancel a render still in progress.
  reset(message) {
    this.renders += 1;
    this.previous.clear();
    this.container.dataset.state = "empty";
    this.showText(message);
  }

  tagNodes(svgId) {
    const pattern = new RegExp(`^${escapeRegExp(svgId)}-flowchart-(.+)-\\d+$`);
    for (const group of this.container.querySelectorAll("g.node")) {
      const match = pattern.exec(group.id);
      if (match) group.dataset.flow = match[1];
    }
  }

  showText(message) {
    const paragraph = document.createElement("p");
    paragraph.className = "placeholder";
    paragraph.textContent = message;
    this.container.replaceChildren(paragraph);
  }

  node(flow) {
    for (const group of this.container.querySelectorAll("g.node[data-flow]")) {
      if (group.dataset.flow === flow) return group;
    }
    return null;
  }

  edge(from, to) {
    const prefix = `L_${from}_${to}_`;
    for (const path of this.container.querySelectorAll("path.flowchart-link[data-id]")) {
      const id = path.dataset.id;
      if (id.startsWith(prefix) && /^\d+$/.test(id.slice(prefix.length))) return path;
    }
    return null;
  }

  // Mark `flow` visited, and the edge taken from where this container (or, for its first step,
  // its pod) was last: several pods and containers interleave in one run.
  mark(flow, pod, container) {
    const group = this.node(flow);
    group?.classList.add("flow-visited");
    const key = JSON.stringify([pod, container]);
    const previous = this.previous.get(key) ?? this.previous.get(JSON.stringify([pod, null]));
    if (previous && previous !== flow) this.markEdge(previous, flow);
    this.previous.set(key, flow);
    return group;
  }

  markEdge(from, to) {
    const path = this.edge(from, to);
    if (!path) return;
    path.classList.add("flow-taken");
    const label = this.container.querySelector(`g.label[data-id="${CSS.escape(path.dataset.id)}"]`);
    label?.closest("g.edgeLabel")?.classList.add("flow-taken");
  }

  // Scroll the diagram panel (never the page) so the current node is in view: the chart keeps
  // its natural size (mermaid-config.js), so it may be wider than the panel as well as taller.
  reveal(group) {
    const box = group.getBoundingClientRect();
    const view = this.container.getBoundingClientRect();
    const inside = (low, high, from, to) => low >= from && high <= to;
    if (inside(box.top, box.bottom, view.top, view.bottom)
        && inside(box.left, box.right, view.left, view.right)) return;
    const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.container.scrollTo({
      top: this.container.scrollTop + box.top - view.top - (view.height - box.height) / 2,
      left: this.container.scrollLeft + box.left - view.left - (view.width - box.width) / 2,
      behavior: reduced ? "auto" : "smooth",
    });
  }

  // Light exactly these steps, in order (one pod's, up to the timeline's current step), the
  // last as the current node. Returns the path in words: the labels of the nodes passed, each
  // once in the order first reached, and the current one's.
  showPath(steps) {
    const lit = ".flow-visited, .flow-taken, .flow-current";
    for (const marked of this.container.querySelectorAll(lit)) {
      marked.classList.remove("flow-visited", "flow-taken", "flow-current");
    }
    this.previous.clear();
    const visited = new Set();
    let current = null;
    for (const step of steps) {
      if (!step?.flow) continue;
      const group = this.mark(step.flow, step.pod ?? null, step.container ?? null);
      if (!group) continue;
      current = group;
      visited.add(group.textContent.trim());
    }
    if (current) {
      current.classList.add("flow-current");
      if (current !== this.shown) this.reveal(current);
    }
    this.shown = current;
    return { visited: [...visited], current: current?.textContent.trim() ?? null };
  }
}
