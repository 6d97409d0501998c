// `kubectl get pods -o wide` and `kubectl describe pod` as of a step of the run, made from the
// texts the result printed at its end.
//
// get pods takes each pod's READY, STATUS and RESTARTS at the step from `result.timeline`
// (docs/protocol.md: the engine recorded them as the run went) and leaves out pods not created
// yet. describe keeps the end's text but lists only the events up to the step, as the Events
// table has them; the page says so beside it.

import { humanDuration } from "./events.js";

// Go's tabwriter with a space pad, for rows of the same number of cells (the engine's
// `tabwrite`): every column but the last as wide as its widest cell plus `padding`, and at
// least `minwidth`.
export function tabwrite(rows, { minwidth = 0, padding = 2 } = {}) {
  const widths = [];
  for (const cells of rows) {
    cells.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? minwidth, cell.length + padding);
    });
  }
  return rows.map((cells) =>
    cells.map((cell, i) => (i < cells.length - 1 ? cell.padEnd(widths[i]) : cell)).join(""),
  );
}

function ageSince(now, then) {
  return humanDuration(now - Math.floor(then));
}

// A pod's entry at a step: the last change at or before it, null before the pod existed.
export function statusAt(changes, stepIndex) {
  let found = null;
  for (const change of changes) {
    if (change[0] > stepIndex) break;
    found = change;
  }
  return found;
}

// `kubectl get pods -o wide` at step `stepIndex` (simulated time `now`), from the end's table.
export function getPodsAt(text, timeline, stepIndex, now) {
  const pods = timeline?.pods ?? {};
  const lines = text.replace(/\n$/, "").split("\n");
  const header = lines[0].split(/ {2,}/);
  const column = (name) => header.indexOf(name);
  const [name, namespace, ready, status, restarts, age] = [
    "NAME", "NAMESPACE", "READY", "STATUS", "RESTARTS", "AGE",
  ].map(column);
  if (name < 0 || status < 0) return text; // "No resources found…"
  const byName = new Map(Object.keys(pods).map((key) => [key.split("/").pop(), key]));
  const rows = [header];
  for (const line of lines.slice(1)) {
    const cells = line.split(/ {2,}/);
    const key = namespace >= 0 ? `${cells[namespace]}/${cells[name]}` : byName.get(cells[name]);
    if (cells.length !== header.length || !pods[key]) {
      rows.push(cells); // a pod the timeline left out stays as it ended
      continue;
    }
    const change = statusAt(pods[key], stepIndex);
    if (!change) continue; // not created yet
    const [, shown, readyText, count, restarted] = change;
    cells[ready] = readyText;
    cells[status] = shown;
    cells[restarts] =
      count > 0 && restarted != null ? `${count} (${ageSince(now, restarted)} ago)` : String(count);
    // The engine's table ages every pod from time 0 (report.get_pods): so does this one.
    cells[age] = ageSince(now, 0);
    rows.push(cells);
  }
  if (rows.length === 1) {
    const first = Object.keys(pods)[0];
    return `No resources found in ${first ? first.split("/")[0] : "default"} namespace.\n`;
  }
  return `${tabwrite(rows, { minwidth: 6, padding: 3 }).join("\n")}\n`;
}

// The `Events:` block of describe for these rows (EventsTable.describeRows).
function eventsBlock(rows) {
  if (rows.length === 0) return ["Events:  <none>"];
  const cells = [
    ["  Type", "Reason", "Age", "From", "Message"],
    ["  ----", "------", "----", "----", "-------"],
    ...rows.map((row) => [`  ${row.type}`, row.reason, row.age, row.source, row.message]),
  ];
  return ["Events:", ...tabwrite(cells)];
}

// `kubectl describe pod` of every pod with only the events `rowsOf(pod key)` gives in each
// pod's Events block; the rest of the text is the end's.
export function describeAt(text, rowsOf) {
  return text
    .split(/(?=^Name:)/m)
    .map((block) => {
      const name = /^Name:\s+(\S+)/m.exec(block)?.[1];
      const namespace = /^Namespace:\s+(\S+)/m.exec(block)?.[1];
      const lines = block.split("\n");
      const start = lines.findIndex((line) => line.startsWith("Events:"));
      if (!name || !namespace || start < 0) return block;
      let end = start + 1;
      while (end < lines.length && lines[end].startsWith("  ")) end += 1;
      lines.splice(start, end - start, ...eventsBlock(rowsOf(`${namespace}/${name}`)));
      return lines.join("\n");
    })
    .join("");
}
