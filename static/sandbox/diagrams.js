// The Diagrams area after a run: tabs (WAI-ARIA tabs pattern, automatic activation) for the live
// decision flowchart and the result's other charts, each drawn the first time its tab opens.
//
// The template holds one tab and one panel per chart, `data-diagram` naming the key of
// `result.trace.diagrams`; the flowchart's panel is drawn by flow.js, the others here. Each
// panel carries a text alternative built from `result.pulls` (pulls.js). Mermaid's SVG, made
// with securityLevel "strict", is the only markup inserted; it keeps the accTitle and accDescr
// Mermaid turns into <title>, <desc> and aria-labelledby/aria-describedby.

import { loadMermaid } from "./flow.js";
import { layersTable, timelineTable } from "./pulls.js";

function paragraph(text, className) {
  const element = document.createElement("p");
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

// The registry exchange in words: the pull the server drew (the first failed one, else the first).
function registryText(tracePulls) {
  const pull = tracePulls.find((p) => p.outcome === "failed") ?? tracePulls[0];
  if (!pull) return [paragraph("No pull reached a registry.")];
  const who = pull.username ? `as ${pull.username}` : "without credentials";
  const intro = paragraph(`${pull.image} on ${pull.node}, ${who}:`);
  const list = document.createElement("ol");
  list.className = "registry-exchanges";
  for (const exchange of pull.exchanges ?? []) {
    const item = document.createElement("li");
    const request = document.createElement("code");
    request.textContent = exchange.request ?? "";
    item.append(request, ` → ${exchange.response ?? ""}`);
    list.append(item);
  }
  const outcome =
    pull.outcome === "failed" ? `The pull failed: ${pull.error ?? "error"}` : "The pull succeeded.";
  return [intro, list, paragraph(outcome)];
}

export class DiagramTabs {
  constructor(section, mermaidSrc) {
    this.section = section;
    this.mermaidSrc = mermaidSrc;
    this.tablist = section.querySelector("[role=tablist]");
    this.tabs = [...this.tablist.querySelectorAll("[role=tab]")];
    this.generation = 0;
    this.texts = {}; // diagram key -> Mermaid text of the current run
    this.drawn = new Set(); // keys drawn (or being drawn) for the current run
    this.tablist.addEventListener("keydown", (event) => this.onKeydown(event));
    for (const tab of this.tabs) tab.addEventListener("click", () => this.select(tab));
    this.reset();
  }

  panelOf(tab) {
    return document.getElementById(tab.getAttribute("aria-controls"));
  }

  visibleTabs() {
    return this.tabs.filter((tab) => !tab.hidden);
  }

  // A new run: only the live flowchart, no tabs.
  reset() {
    this.generation += 1;
    this.texts = {};
    this.drawn.clear();
    this.tablist.hidden = true;
    this.section.dataset.tabs = "off";
    for (const tab of this.tabs) {
      const panel = this.panelOf(tab);
      const isFlow = tab.dataset.diagram === "flow";
      tab.hidden = !isFlow;
      if (!isFlow) {
        panel.querySelector(".diagram").replaceChildren();
        panel.querySelector(".diagram-text").replaceChildren();
      }
    }
    this.select(this.tabs[0], { focus: false });
    // Without a tablist the flowchart is not a tab panel.
    const flowPanel = this.panelOf(this.tabs[0]);
    flowPanel.removeAttribute("role");
    flowPanel.removeAttribute("aria-labelledby");
  }

  // The run finished: offer a tab for each chart the result holds.
  show(diagrams = {}, pulls = [], tracePulls = []) {
    this.texts = { ...diagrams };
    const alternatives = {
      layers: () => [layersTable(pulls, tracePulls)],
      pulls: () => [timelineTable(pulls, tracePulls)],
      registry: () => registryText(tracePulls),
    };
    let shown = 0;
    for (const tab of this.tabs) {
      const key = tab.dataset.diagram;
      const present = key === "flow" || typeof diagrams[key] === "string";
      tab.hidden = !present;
      if (!present) continue;
      shown += 1;
      if (key !== "flow") {
        this.panelOf(tab).querySelector(".diagram-text").replaceChildren(...alternatives[key]());
      }
    }
    if (shown < 2) return;
    this.tablist.hidden = false;
    this.section.dataset.tabs = "on";
    const flowPanel = this.panelOf(this.tabs[0]);
    flowPanel.setAttribute("role", "tabpanel");
    flowPanel.setAttribute("aria-labelledby", this.tabs[0].id);
  }

  select(tab, { focus = true } = {}) {
    for (const other of this.tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      this.panelOf(other).hidden = !selected;
    }
    if (focus) tab.focus();
    this.draw(tab.dataset.diagram);
  }

  onKeydown(event) {
    const tabs = this.visibleTabs();
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    const moves = {
      ArrowRight: (index + 1) % tabs.length,
      ArrowLeft: (index - 1 + tabs.length) % tabs.length,
      Home: 0,
      End: tabs.length - 1,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    this.select(tabs[moves[event.key]]);
  }

  // Draw a chart the first time its tab opens; flow.js draws the flowchart itself.
  async draw(key) {
    const text = this.texts[key];
    if (key === "flow" || typeof text !== "string" || this.drawn.has(key)) return;
    this.drawn.add(key);
    const generation = this.generation;
    const tab = this.tabs.find((t) => t.dataset.diagram === key);
    const container = this.panelOf(tab).querySelector(".diagram");
    container.dataset.state = "rendering";
    container.replaceChildren(paragraph("Drawing…", "placeholder"));
    try {
      const mermaid = await loadMermaid(this.mermaidSrc);
      // Rendering inside the (now visible) panel sizes the gantt chart to it, not to the page.
      const { svg } = await mermaid.render(`diagram-${key}-${generation}`, text, container);
      if (generation !== this.generation) return; // a newer run started meanwhile
      // Mermaid's own output, sanitized by securityLevel "strict" (see flow.js).
      container.innerHTML = svg;
      container.dataset.state = "ready";
    } catch (error) {
      if (generation !== this.generation) return;
      this.drawn.delete(key); // let a later visit try again
      container.replaceChildren(
        paragraph(`The diagram could not be drawn: ${error.message || error}`, "placeholder"),
      );
      container.dataset.state = "failed";
    }
  }
}
