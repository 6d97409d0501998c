// The runtime pulls of a run as text: the `docker pull` terminal output per pull, and the short
// tables that stand in for the layer and pull-timeline diagrams.
//
// `pulls` are the result's `{node, pod, image, lines}`; `tracePulls` are `result.trace.pulls`,
// in the same order (the server builds the first from the second), and add times and bytes.
// Everything is set with textContent.
import { element, tableHead } from "./dom.js";

// Docker's decimal units with three significant digits, as the layer diagram prints them.
export function humanBytes(bytes) {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = Math.max(0, Number(bytes) || 0);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : parseFloat(value.toPrecision(3))} ${units[unit]}`;
}

export function formatSeconds(seconds) {
  const value = Number(seconds) || 0;
  return `${Number.isInteger(value) ? value : value.toFixed(2).replace(/0$/, "")}s`;
}

// What the terminal lines say: layers downloaded, layers already there, and the final status.
export function readPullLines(lines = []) {
  let downloaded = 0;
  let present = 0;
  let status = null;
  for (const line of lines) {
    if (/: Pull complete$/.test(line)) downloaded += 1;
    else if (/: Already exists$/.test(line)) present += 1;
    else if (line.startsWith("Status: ")) status = line.slice("Status: ".length);
    else if (line.startsWith("Error response from daemon:")) status = "failed";
  }
  return { downloaded, present, status: status ?? "unknown", succeeded: status !== "failed" };
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function table(caption, columns, rows) {
  const result = element("table", undefined, "pull-table");
  result.append(element("caption", caption));
  const thead = tableHead(columns);
  const tbody = document.createElement("tbody");
  for (const cells of rows) {
    const tr = document.createElement("tr");
    for (const text of cells) tr.append(element("td", text));
    tbody.append(tr);
  }
  result.append(thead, tbody);
  return result;
}

// The text version of the layer stacks: one row per image actually pulled.
export function layersTable(pulls, tracePulls = []) {
  const rows = [];
  pulls.forEach((pull, index) => {
    const seen = readPullLines(pull.lines);
    if (!seen.succeeded) return;
    const bytes = tracePulls[index]?.bytes;
    const downloaded = plural(seen.downloaded, "layer");
    rows.push([
      pull.image ?? "",
      pull.node ?? "",
      bytes === undefined ? downloaded : `${downloaded}, ${humanBytes(bytes)}`,
      plural(seen.present, "layer"),
      seen.status,
    ]);
  });
  return table(
    "Layers of each pulled image",
    ["Image", "Node", "Downloaded", "Already on the node", "Status"],
    rows,
  );
}

// The text version of the pull timeline: every pull, in the order the server lists them.
export function timelineTable(pulls, tracePulls = []) {
  const rows = pulls.map((pull, index) => {
    const timing = tracePulls[index];
    const seen = readPullLines(pull.lines);
    return [
      pull.node ?? "",
      pull.image ?? "",
      pull.pod ?? "",
      timing ? formatSeconds(timing.started) : "",
      timing ? formatSeconds(timing.finished) : "",
      `${plural(seen.downloaded, "layer")} downloaded, ` +
        `${plural(seen.present, "layer")} already there`,
      seen.status,
    ];
  });
  return table(
    "Pulls on each node over simulated time",
    ["Node", "Image", "Pod", "Started", "Finished", "Layers", "Status"],
    rows,
  );
}

// One <details> per pull: `image on node (pod)`, opening on the terminal output.
export function dockerPullDetails(pulls) {
  return pulls.map((pull) => {
    const details = element("details", undefined, "docker-pull");
    const seen = readPullLines(pull.lines);
    details.dataset.outcome = seen.succeeded ? "pulled" : "failed";
    const title = `${pull.image ?? ""} on ${pull.node ?? ""} (${pull.pod ?? ""})`;
    const summary = element("summary", title);
    if (!seen.succeeded) summary.append(" ", element("span", "failed", "docker-pull-failed"));
    const output = element("pre", (pull.lines ?? []).join("\n"));
    output.tabIndex = 0;
    details.append(summary, output);
    return details;
  });
}
