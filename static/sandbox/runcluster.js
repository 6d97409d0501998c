// The Cluster view of a run at one step, worked out from the `accepted` frame's `cluster`
// (docs/protocol.md): the start, plus every change up to the step. A pod's STATUS is its last
// change at or before the step's index; a pull's layers are in the phase their times give at the
// step's simulated time (layers.js); a finished pull puts its image in the node's store under
// the reference it pulled (`stored`) (the image that held that reference before keeps its others, or none);
// a tag the timeline moved points at its new image. Nothing runs again.
//
// The result has the shape of a console frame's `cluster` (cluster.js draws both), plus each
// node's pulls at the step.

import { statusAt } from "./kubectl.js";
import { pullAt } from "./layers.js";

const PULLS_PER_NODE = 4; // the latest; a pod in back-off pulls again and again

function image(plan, refs, key) {
  const entry = plan.images?.[key];
  if (!entry) return null;
  return {
    refs: refs.length ? refs : ["<none>"],
    id: key,
    size: entry.size ?? 0,
    layers: (entry.layers ?? []).map((digest) => {
      const [size, label] = plan.layers?.[digest] ?? [0, ""];
      return { digest, size, label };
    }),
    more_layers: entry.more_layers ?? 0,
  };
}

// Each node's store at `time`: [refs, image key] entries, with what pulls had stored by then.
function stores(plan, time) {
  const held = new Map();
  for (const node of plan.nodes ?? []) {
    held.set(node.name, (node.images ?? []).map(([refs, key]) => [[...refs], key]));
  }
  for (const [at, node, ref, key] of plan.stored ?? []) {
    const entries = held.get(node);
    if (at > time || !entries) continue;
    for (const entry of entries) entry[0] = entry[0].filter((other) => other !== ref);
    const same = entries.find(([, other]) => other === key);
    if (same) same[0].push(ref);
    else entries.push([[ref], key]);
  }
  return held;
}

function markShared(images) {
  const counts = new Map();
  for (const item of images) {
    for (const digest of new Set(item.layers.map((layer) => layer.digest))) {
      counts.set(digest, (counts.get(digest) ?? 0) + 1);
    }
  }
  for (const item of images) {
    for (const layer of item.layers) layer.shared = counts.get(layer.digest) > 1;
  }
  return images;
}

function podsAt(plan, index) {
  const byNode = new Map();
  const pending = [];
  for (const pod of plan.pods ?? []) {
    const change = statusAt(pod.changes ?? [], index);
    if (!change) continue; // not created yet
    const [namespace, name] = pod.pod.split("/");
    const chip = { name, namespace, status: change[1] };
    if (pod.node) {
      if (!byNode.has(pod.node)) byNode.set(pod.node, []);
      byNode.get(pod.node).push(chip);
    } else {
      pending.push(chip);
    }
  }
  return { byNode, pending };
}

function pullsAt(plan, node, time) {
  const started = (plan.pulls ?? []).filter((pull) => pull.node === node && pull.requested <= time);
  const shown = started.slice(-PULLS_PER_NODE).map((pull) => pullAt(pull, plan.layers ?? {}, time));
  return { shown, earlier: started.length - shown.length };
}

function registriesAt(plan, time) {
  const moves = (plan.moves ?? []).filter((move) => move.at <= time);
  return (plan.registries ?? []).map((registry) => ({
    host: registry.host,
    private: registry.private,
    repositories: (registry.repositories ?? []).map((repo) => {
      const tags = new Map(
        (repo.tags ?? []).map(([tag, id, digest]) => [tag, { tag, image: id, digest, moved: false }]),
      );
      for (const move of moves) {
        if (move.host !== registry.host || move.path !== repo.path) continue;
        const before = tags.get(move.tag);
        tags.set(move.tag, {
          tag: move.tag,
          image: move.image,
          digest: move.digest,
          moved: true,
          from: before ? before.image : null,
        });
      }
      const rows = [...tags.values()].sort((a, b) => (a.tag < b.tag ? -1 : 1));
      return { path: repo.path, tags: rows, more_tags: repo.more_tags ?? 0 };
    }),
  }));
}

// The cluster as of trace step `index`, at simulated `time`.
export function clusterAt(plan, index, time) {
  const held = stores(plan, time);
  const { byNode, pending } = podsAt(plan, index);
  const nodes = (plan.nodes ?? []).map((node) => {
    const images = (held.get(node.name) ?? [])
      .map(([refs, key]) => image(plan, refs, key))
      .filter(Boolean);
    return {
      name: node.name,
      os: node.os,
      architecture: node.architecture,
      labels: node.labels ?? {},
      cordoned: false,
      images: markShared(images),
      more_images: node.more_images ?? 0,
      pods: byNode.get(node.name) ?? [],
      pulls: pullsAt(plan, node.name, time),
    };
  });
  return { nodes, pending, registries: registriesAt(plan, time), more_nodes: plan.more_nodes ?? 0 };
}
