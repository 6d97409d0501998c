// The instructor's board: a live table of the room, fed by the /ws/board/ socket.
//
// Frames (docs/protocol.md, "The board socket"): one `snapshot` of every learner's progress on
// connect (and again if updates were lost), then an `update` row after each run anywhere in
// the room. Rows are keyed by learner and challenge; all text goes in with textContent. New passes (and learners getting stuck) are
// announced in an ARIA live region.

const PROTOCOL_VERSION = 1;
const FORBIDDEN = 4403;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;
const PING_INTERVAL_MS = 25000;
const CLOCK_INTERVAL_MS = 15000;

const root = document.getElementById("board");
const tbody = document.getElementById("board-rows");
const state = document.getElementById("board-state");
const empty = document.getElementById("board-empty");
const announcer = document.getElementById("board-announcer");
const rows = new Map();

const keyOf = (row) => `${row.learner}|${row.challenge ?? ""}`;

export function relativeTime(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(seconds)) return "";
  if (seconds < 10) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(iso).toLocaleString();
}

export function outcomeText(outcome) {
  if (!outcome) return "—";
  const parts = [outcome.pods];
  if (outcome.goals_total !== null && outcome.goals_total !== undefined) {
    parts.push(`goals ${outcome.goals_passed}/${outcome.goals_total}`);
  }
  if (outcome.waiting) parts.push(`waiting: ${outcome.waiting}`);
  if (outcome.scenario) parts.push(`in ${outcome.scenario}`);
  return parts.join(" · ");
}

function cell(tr, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  tr.append(td);
  return td;
}

function renderRow(row) {
  const tr = document.createElement("tr");
  tr.dataset.key = keyOf(row);
  if (row.stuck) tr.classList.add("stuck");
  if (row.status === "passed") tr.classList.add("passed");
  cell(tr, row.name);
  cell(tr, row.title);
  cell(tr, row.attempts ?? "—", "num");
  const status = cell(tr, row.status ?? "—", "status");
  if (row.stuck) {
    const flag = document.createElement("span");
    flag.className = "board-flag";
    flag.textContent = "stuck";
    status.append(flag);
  }
  cell(tr, outcomeText(row.outcome));
  const time = document.createElement("time");
  time.dateTime = row.updated;
  time.textContent = relativeTime(row.updated);
  cell(tr, "").append(time);
  return tr;
}

function render() {
  const sorted = [...rows.values()].sort((a, b) => Date.parse(b.updated) - Date.parse(a.updated));
  tbody.replaceChildren(...sorted.map(renderRow));
  empty.hidden = sorted.length > 0;
}

function announce(text) {
  const line = document.createElement("p");
  line.textContent = text;
  announcer.append(line);
  while (announcer.childElementCount > 5) announcer.firstElementChild.remove();
}

function merge(row) {
  const key = keyOf(row);
  const before = rows.get(key);
  // A free-play update carries no progress fields; an older row's are still true.
  rows.set(key, { ...before, ...row, outcome: row.outcome ?? before?.outcome ?? null });
  if (row.status === "passed" && before?.status !== "passed") {
    announce(`${row.name} passed ${row.title}.`);
  } else if (row.stuck && !before?.stuck) {
    announce(`${row.name} is stuck on ${row.title} after ${row.attempts} attempts.`);
  }
}

function onFrame(frame) {
  if (frame.type === "snapshot") {
    // Sent on connect, and again when the server saw a batch of updates lost: a snapshot row
    // carries its last run's outcome as stored, or null (stored before outcomes were kept),
    // when the last one seen here is kept.
    const before = new Map(rows);
    rows.clear();
    for (const row of frame.rows) {
      const key = keyOf(row);
      rows.set(key, { ...row, outcome: row.outcome ?? before.get(key)?.outcome ?? null });
    }
    render();
  } else if (frame.type === "update") {
    merge(frame.row);
    render();
  } else if (frame.type === "error") {
    state.textContent = frame.message;
  }
}

function connect(attempt = 0) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}${root.dataset.wsPath}`);
  let ping = null;
  state.textContent = "Connecting…";
  socket.addEventListener("open", () => {
    attempt = 0;
    state.textContent = "Live.";
    ping = setInterval(() => {
      socket.send(JSON.stringify({ version: PROTOCOL_VERSION, type: "ping" }));
    }, PING_INTERVAL_MS);
  });
  socket.addEventListener("message", (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame && typeof frame === "object") onFrame(frame);
  });
  socket.addEventListener("close", (event) => {
    clearInterval(ping);
    if (event.code === FORBIDDEN) return; // the error frame already said why
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
    state.textContent = `Disconnected; retrying in ${Math.ceil(delay / 1000)} s.`;
    setTimeout(() => connect(attempt + 1), delay);
  });
}

if (root) {
  connect();
  setInterval(() => {
    for (const time of tbody.querySelectorAll("time")) {
      time.textContent = relativeTime(time.dateTime);
    }
  }, CLOCK_INTERVAL_MS);
}
