// A workshop's board: one tile per learner, fed by /ws/board/<code>/.
//
// Frames: one `snapshot` with every member's tile on connect, then a `tile` frame whenever a
// learner runs, joins, raises or lowers a hand, or has their cluster reset. Names are the
// learners' own input: every text goes in with textContent, never as HTML.

import { relativeTime } from "./board.js";

const PROTOCOL_VERSION = 1;
const FORBIDDEN = 4403;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;
const PING_INTERVAL_MS = 25000;
const CLOCK_INTERVAL_MS = 15000;

const root = document.getElementById("workshop-board");
const list = document.getElementById("tiles");
const state = document.getElementById("board-state");
const empty = document.getElementById("board-empty");
const announcer = document.getElementById("board-announcer");
const byName = document.getElementById("filter-name");
const byChallenge = document.getElementById("filter-challenge");
const byStatus = document.getElementById("filter-status");
const tiles = new Map();

function line(parent, className, text) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  parent.append(p);
  return p;
}

function renderTile(tile) {
  const li = document.createElement("li");
  li.className = `tile tile-${tile.status}`;
  if (tile.hand) li.classList.add("tile-hand");
  li.dataset.id = tile.id;
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = `/lessons/board/w/${encodeURIComponent(root.dataset.code)}/learner/${encodeURIComponent(tile.id)}/`;
  link.textContent = tile.name;
  heading.append(link);
  li.append(heading);
  if (tile.hand) line(li, "tile-hand-flag", `✋ hand raised ${relativeTime(tile.hand)}`);
  line(li, "tile-where", tile.lesson ? `${tile.lesson}: ${tile.title}` : tile.title);
  line(li, "tile-count", `${tile.solved} of ${tile.total} solved`);
  const status = line(li, "tile-status", tile.status);
  if (tile.status !== "solved" && tile.status !== "idle") {
    const since = document.createElement("time");
    since.dateTime = tile.since;
    since.dataset.prefix = "no progress since ";
    since.textContent = `no progress since ${relativeTime(tile.since)}`;
    status.append(" · ", since);
  }
  return li;
}

function matches(tile) {
  const name = byName.value.trim().toLowerCase();
  if (name && !tile.name.toLowerCase().includes(name)) return false;
  if (byChallenge.value && tile.challenge !== byChallenge.value) return false;
  if (byStatus.value === "hand") return Boolean(tile.hand);
  if (byStatus.value) return tile.status === byStatus.value;
  return true;
}

function refreshChallenges() {
  const chosen = byChallenge.value;
  const seen = new Map();
  for (const tile of tiles.values()) {
    if (tile.challenge) seen.set(tile.challenge, `${tile.lesson}: ${tile.title}`);
  }
  const options = [...seen].sort((a, b) => a[1].localeCompare(b[1])).map(([key, label]) => {
    const option = document.createElement("option");
    option.value = key;
    option.textContent = label;
    return option;
  });
  const any = document.createElement("option");
  any.value = "";
  any.textContent = "any";
  byChallenge.replaceChildren(any, ...options);
  byChallenge.value = seen.has(chosen) ? chosen : "";
}

function render() {
  // Raised hands first (longest waiting first), then the stuck, then by name.
  const order = (t) => (t.hand ? 0 : t.status === "stuck" ? 1 : 2);
  const sorted = [...tiles.values()].sort((a, b) => order(a) - order(b)
    || (a.hand && b.hand ? Date.parse(a.hand) - Date.parse(b.hand) : 0)
    || a.name.localeCompare(b.name));
  const shown = sorted.filter(matches);
  list.replaceChildren(...shown.map(renderTile));
  empty.hidden = shown.length > 0;
  empty.textContent = tiles.size ? "No learner matches the filters." : "Nobody has joined yet.";
}

function announce(text) {
  const p = document.createElement("p");
  p.textContent = text;
  announcer.append(p);
  while (announcer.childElementCount > 5) announcer.firstElementChild.remove();
}

function onFrame(frame) {
  if (frame.type === "snapshot" && Array.isArray(frame.tiles)) {
    tiles.clear();
    for (const tile of frame.tiles) tiles.set(tile.id, tile);
  } else if (frame.type === "tile" && frame.tile) {
    const before = tiles.get(frame.tile.id);
    tiles.set(frame.tile.id, frame.tile);
    if (frame.tile.hand && !before?.hand) announce(`${frame.tile.name} raised a hand.`);
    else if (frame.tile.status === "stuck" && before?.status !== "stuck") {
      announce(`${frame.tile.name} is stuck on ${frame.tile.title}.`);
    }
  } else if (frame.type === "error") {
    state.textContent = frame.message;
    return;
  } else {
    return;
  }
  refreshChallenges();
  render();
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
    if (event.code === FORBIDDEN) return;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
    state.textContent = `Disconnected; retrying in ${Math.ceil(delay / 1000)} s.`;
    setTimeout(() => connect(attempt + 1), delay);
  });
}

if (root) {
  for (const control of [byName, byChallenge, byStatus]) {
    control.addEventListener("input", render);
  }
  document.getElementById("board-filters").addEventListener("submit", (e) => e.preventDefault());
  connect();
  setInterval(render, CLOCK_INTERVAL_MS);
}
