// The Cluster view: each node as a card (name, architecture, labels), the images it holds as
// stacks of layers sized by bytes (a layer two images share is marked shared: the node keeps it
// once), the pods on it with their STATUS, the registry's tags and the digests they point to,
// and the last command's pulls layer by layer. Drawn from a console frame's `cluster`
// (docs/protocol.md); text only, never HTML from the server.

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
  card.append(title, facts, labels, el("h5", "", "Pods"), pods, el("h5", "", "Images"), images);
  return card;
}

function registryCard(registry) {
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
      const line = el("tr", row.moved ? "moved" : "");
      line.append(el("td", "", row.tag), el("td", "", row.image),
                  el("td", "", `${row.digest}${row.moved ? " (moved)" : ""}`));
      table.append(line);
    }
    card.append(table);
  }
  return card;
}

function pullList(pulls) {
  const list = el("ol", "pulls");
  for (const pull of pulls) {
    const item = el("li", `pull ${pull.outcome}`);
    item.append(el("p", "", `${pull.image} on ${pull.node} for ${pull.pod}: ${pull.outcome}, ${humanSize(pull.bytes)} downloaded`));
    const layers = el("ul", "pull-layers");
    for (const layer of pull.layers) layers.append(el("li", "", `${layer.digest}: ${layer.state}`));
    item.append(layers);
    list.append(item);
  }
  return list;
}

export class ClusterView {
  constructor(root) {
    this.root = root;
    this.nodes = root.querySelector("#cluster-nodes");
    this.registries = root.querySelector("#cluster-registries");
    this.pulls = root.querySelector("#cluster-pulls");
    this.pending = root.querySelector("#cluster-pending");
  }

  show(cluster) {
    if (!cluster) return;
    this.nodes.replaceChildren(...cluster.nodes.map(nodeCard));
    this.registries.replaceChildren(...cluster.registries.map(registryCard));
    this.pending.replaceChildren(...cluster.pending.map(podChip));
    this.pending.parentElement.hidden = cluster.pending.length === 0;
    if (cluster.pulls.length) this.pulls.replaceChildren(pullList(cluster.pulls));
    else this.pulls.replaceChildren(el("p", "none", "The last command pulled nothing."));
  }
}
