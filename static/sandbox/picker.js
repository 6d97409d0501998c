// Whose decision flow the chart lights: a Pod select (each pod with the node it ran on) and a
// Container select, filled from the steps as they arrive. One pod and container at a time, never
// a chart merged from all of them. Once the run is over, unless the learner chose, the pod shown
// is the first whose outcome no other pod shares (else the first pod): the one that stands out.

// Flow nodes that say how a container ended up, with the final STATUS the outcome of a pod.
const ENDINGS = new Set([
  "unschedulable",
  "invalid",
  "never_missing",
  "inspect_failed",
  "cached",
  "pulled",
  "pull_failed",
  "backoff_wait",
]);

function option(value, text) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = text;
  return element;
}

export class PodPicker {
  constructor(podSelect, containerSelect, { onChange }) {
    this.podSelect = podSelect;
    this.containerSelect = containerSelect;
    this.onChange = onChange;
    podSelect.addEventListener("change", () => {
      this.chosen = true;
      this.showContainers();
      this.onChange();
    });
    containerSelect.addEventListener("change", () => {
      this.chosen = true;
      this.onChange();
    });
    this.reset();
  }

  reset() {
    this.pods = new Map(); // pod key -> {node, containers: [names], endings: Set, status}
    this.chosen = false; // the learner picked a pod: keep it
    this.podSelect.replaceChildren(option("", "No pods yet"));
    this.podSelect.disabled = true;
    this.containerSelect.replaceChildren(option("", "—"));
    this.containerSelect.disabled = true;
  }

  get pod() {
    return this.podSelect.value || null;
  }

  get container() {
    return this.containerSelect.value || null;
  }

  // Whether a step belongs to the chosen pod and container (pod-wide steps such as scheduling
  // belong to each of its containers).
  includes(step) {
    if (!step?.pod || step.pod !== this.pod) return false;
    return step.container == null || step.container === this.container;
  }

  // A step arrived: learn its pod, node and container.
  add(step) {
    if (!step?.pod) return;
    let pod = this.pods.get(step.pod);
    if (!pod) {
      pod = { node: null, containers: [], endings: new Set(), status: null };
      this.pods.set(step.pod, pod);
      if (this.pods.size === 1) this.podSelect.replaceChildren();
      this.podSelect.append(option(step.pod, step.pod));
      this.podSelect.disabled = false;
    }
    const changed = !pod.node && step.node;
    if (changed) pod.node = step.node;
    if (ENDINGS.has(step.flow)) pod.endings.add(step.flow);
    if (step.container && !pod.containers.includes(step.container)) {
      pod.containers.push(step.container);
      if (step.pod === this.pod) this.showContainers();
    }
    if (changed) this.label(step.pod);
  }

  label(key) {
    const pod = this.pods.get(key);
    const entry = [...this.podSelect.options].find((o) => o.value === key);
    if (!pod || !entry) return;
    const where = pod.node ? ` on ${pod.node}` : " (not scheduled)";
    entry.textContent = `${key}${where}${pod.status ? `: ${pod.status}` : ""}`;
  }

  showContainers() {
    const pod = this.pods.get(this.pod);
    const keep = this.container;
    const names = pod?.containers ?? [];
    if (names.length === 0) {
      this.containerSelect.replaceChildren(option("", "—"));
      this.containerSelect.disabled = true;
      return;
    }
    this.containerSelect.replaceChildren(...names.map((name) => option(name, name)));
    this.containerSelect.value = names.includes(keep) ? keep : names[0];
    this.containerSelect.disabled = false;
  }

  // Show a step's pod and container (a narration line was clicked).
  select(step) {
    if (!step?.pod || !this.pods.has(step.pod)) return false;
    const changed = step.pod !== this.pod || (step.container && step.container !== this.container);
    if (!changed) return false;
    this.podSelect.value = step.pod;
    this.showContainers();
    if (step.container) this.containerSelect.value = step.container;
    return true;
  }

  // The run is over: label each pod with its final STATUS, and unless the learner chose,
  // show the pod that stands out. Returns whether the selection changed.
  finish(statuses) {
    for (const [key, status] of Object.entries(statuses)) {
      const pod = this.pods.get(key);
      if (pod) pod.status = status;
    }
    for (const key of this.pods.keys()) this.label(key);
    if (this.chosen || this.pods.size === 0) return false;
    const outcome = (pod) => JSON.stringify([pod.status, [...pod.endings].sort()]);
    const counts = new Map();
    for (const pod of this.pods.values()) {
      counts.set(outcome(pod), (counts.get(outcome(pod)) ?? 0) + 1);
    }
    const keys = [...this.pods.keys()];
    const odd = this.pods.size > 1 && keys.find((key) => counts.get(outcome(this.pods.get(key))) === 1);
    const chosen = odd || keys[0];
    if (chosen === this.pod) return false;
    this.podSelect.value = chosen;
    this.showContainers();
    return true;
  }
}
