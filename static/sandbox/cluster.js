// The Cluster view: each node as a card (name, architecture, labels), the images it holds as
// stacks of layers sized by bytes (a layer two images share is marked shared: the node keeps it
// once), the pods on it with their STATUS, its pulls layer by layer (layers.js), and the
// registry's tags and the digests they point to, a tag that moves highlighted as it moves.
// Drawn from a console frame's `cluster`, or from a run at the timeline's step (runcluster.js,
// docs/protocol.md); text only, never HTML from the server. One view per page: the console and
// the run's playback share it (`clusterView`), the last to draw wins.

import { finishedPull, pullBlock } from "./layers.js";

const MB = 1000 * 1000;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function humanSize(bytes) {
  if (bytes >= 1000 * MB) return `${(bytes / (1000 * MB)).toFixed(2)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`;
  if (bytes >= 1000) return `${Math.round(bytes / 1000)} kB`;
  return `${bytes} B`;
}

// A layer's height grows with the log of its size, so a 1 MB layer stays visible beside 50 MB;
// the smallest is one line of its own text high.
function layerHeight(size) {
  return Math.max(1.2, Math.min(3, Math.log10(Math.max(size, 1000) / 1000) / 1.5));
}

function imageStack(image) {
  const figure = el("figure", "image-stack");
  const caption = el("figcaption", "image-refs", image.refs.join(", "));
  const layers = el("ol", "layers");
  layers.setAttribute("aria-label", `${image.refs[0]}: ${image.layers.length} layers, ${humanSize(image.size)}`);
  for (const layer of [...image.layers].reverse()) {
    const item = el("li", layer.shared ? "layer shared" : "layer");
    item.style.height = `${layerHeight(layer.size)}rem`;
    item.textContent = `${layer.digest} · ${humanSize(layer.size)}${layer.shared ? " · shared" : ""}`;
    item.title = layer.label;
    layers.append(item);
  }
  if (image.more_layers) layers.append(el("li", "layer more", `… ${image.more_layers} more layers`));
  figure.append(caption, layers, el("p", "image-id", `IMAGE ID ${image.id} · ${humanSize(image.size)}`));
  return figure;
}

function podChip(pod) {
  const item = el("li", "pod-chip");
  item.dataset.status = pod.status;
  item.append(el("span", "pod-name", pod.name), " ", el("span", "pod-status", pod.status));
  return item;
}

function pullsPart(pulls) {
  const part = el("div", "node-pulls");
  if (pulls.earlier) part.append(el("p", "none", `… ${pulls.earlier} earlier pulls`));
  part.append(...pulls.shown.map(pullBlock));
  if (!pulls.shown.length) part.append(el("p", "none", "no pulls"));
  return part;
}

function nodeCard(node) {
  const card = el("article", "node-card");
  card.setAttribute("aria-label", `node ${node.name}`);
  const title = el("h4", "node-name", node.name);
  const facts = el("p", "node-facts",
    `${node.os}/${node.architecture}${node.cordoned ? " · cordoned (SchedulingDisabled)" : ""}`);
  const labels = el("details", "node-labels");
  labels.append(el("summary", "", "Labels"));
  const list = el("ul");
  for (const [key, value] of Object.entries(node.labels)) list.append(el("li", "", `${key}=${value}`));
  labels.append(list);
  const pods = el("ul", "pod-chips");
  pods.setAttribute("aria-label", `pods on ${node.name}`);
  for (const pod of node.pods) pods.append(podChip(pod));
  if (!node.pods.length) pods.append(el("li", "none", "no pods"));
  const images = el("div", "node-images");
  for (const image of node.images) images.append(imageStack(image));
  if (!node.images.length) images.append(el("p", "none", "no images"));
  if (node.more_images) images.append(el("p", "none", `… ${node.more_images} more images`));
  card.append(title, facts, labels, el("h5", "", "Pods"), pods, el("h5", "", "Images"), images,
              el("h5", "", "Pulls"), pullsPart(node.pulls ?? { shown: [], earlier: 0 }));
  return card;
}

// `shown` maps host/path:tag to the image last drawn; a row whose image changed since is drawn
// as moving (sandbox.css: a short highlight, none with prefers-reduced-motion).
function registryCard(registry, shown) {
  const card = el("article", "registry-card");
  card.setAttribute("aria-label", `registry ${registry.host}`);
  card.tabIndex = 0; // it scrolls (sandbox.css): keyboard users must reach it to scroll it
  card.append(el("h4", "", `${registry.host}${registry.private ? " (private)" : ""}`));
  for (const repo of registry.repositories) {
    const table = el("table", "tags");
    table.append(el("caption", "", repo.path));
    const head = el("tr");
    for (const name of ["Tag", "Image", "Digest"]) head.append(el("th", "", name));
    table.append(head);
    for (const row of repo.tags) {
      const key = `${registry.host}/${repo.path}:${row.tag}`;
      const before = shown.get(key);
      const moving = before !== undefined && before !== row.image;
      shown.set(key, row.image);
      const line = el("tr", `${row.moved ? "moved" : ""}${moving ? " tag-moving" : ""}`.trim());
      const image = row.from ? `${row.from} → ${row.image}` : row.image;
      line.append(el("td", "", row.tag), el("td", "", image),
                  el("td", "", `${row.digest}${row.moved ? " (moved)" : ""}`));
      table.append(line);
    }
    card.append(table);
    if (repo.more_tags) card.append(el("p", "none", `… ${repo.more_tags} more tags`));
  }
  return card;
}

export class ClusterView {
  constructor(root) {
    this.root = root;
    this.nodes = root.querySelector("#cluster-nodes");
    this.registries = root.querySelector("#cluster-registries");
    this.pending = root.querySelector("#cluster-pending");
    this.source = root.querySelector("#cluster-source");
    this.consoleText = this.source?.textContent ?? "";
    this.tags = new Map();
  }

  // A console frame's `cluster`: its pulls are the last command's, as they ended.
  show(cluster) {
    if (!cluster) return;
    const pulls = (cluster.pulls ?? []).map(finishedPull);
    const nodes = cluster.nodes.map((node) => ({
      ...node,
      pulls: { shown: pulls.filter((pull) => pull.node === node.name), earlier: 0 },
    }));
    this.draw({ ...cluster, nodes }, this.consoleText);
  }

  // A run at a step (runcluster.js `clusterAt`), and a line saying which step.
  showRun(cluster, source) {
    this.draw(cluster, source);
  }

  draw(cluster, source) {
    const kind = source === this.consoleText ? "console" : "run";
    if (this.root.dataset.source !== kind) this.tags.clear(); // another cluster: nothing moved
    this.root.dataset.source = kind;
    if (this.source) this.source.textContent = source;
    this.nodes.replaceChildren(...cluster.nodes.map(nodeCard));
    if (cluster.more_nodes) this.nodes.append(el("p", "none", `… ${cluster.more_nodes} more nodes`));
    this.registries.replaceChildren(...cluster.registries.map((r) => registryCard(r, this.tags)));
    this.pending.replaceChildren(...cluster.pending.map(podChip));
    this.pending.parentElement.hidden = cluster.pending.length === 0;
  }
}

const views = new WeakMap();

// The page's one view of the Cluster region `root`.
export function clusterView(root) {
  if (!views.has(root)) views.set(root, new ClusterView(root));
  return views.get(root);
}
