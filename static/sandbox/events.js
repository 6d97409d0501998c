// The Events table, one per pod, laid out the way `kubectl describe pod` prints it.
//
// Rules from RUNTIME.md §11: columns Type, Reason, Age, From, Message; identical events are
// counted, not repeated (Age `<since last> (x<n> over <since first>)`); rows sorted by last
// occurrence; the message carries the field path prefix kubectl ≥ 1.35 adds
// (`spec.containers{web}: `). Ages are measured from the simulated "now", the latest step time.
//
// Each event carries `recorded`, what client-go's event recorder did with it (docs/protocol.md):
// an occurrence the spam filter dropped never reaches the API server, so it adds no row, and
// rows follow the recorder's Event objects (its count, first seen and message, the
// `(combined from similar events): …` one included), so the table agrees with the `describe`
// text. An event without `recorded` is counted by the table itself.
import { tableHead } from "./dom.js";

const EVENT_TTL = 3600; // seconds: the API server's default --event-ttl

const COLUMNS = ["Type", "Reason", "Age", "From", "Message"];

// apimachinery's HumanDuration, for the range a simulation can reach.
export function humanDuration(seconds) {
  const s = Math.trunc(seconds);
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return `${s}s`;
  const minutes = Math.trunc(s / 60);
  if (minutes < 10) return s % 60 === 0 ? `${minutes}m` : `${minutes}m${s % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  return `${days}d`;
}

function cell(tag, text) {
  const element = document.createElement(tag);
  element.textContent = text;
  return element;
}

export class EventsTable {
  constructor(container) {
    this.container = container;
    this.reset();
  }

  reset() {
    this.tables = new Map(); // pod -> tbody
    this.rows = new Map(); // aggregation key -> row record
    this.now = 0;
    const placeholder = cell("p", "No events yet.");
    placeholder.className = "placeholder";
    this.container.replaceChildren(placeholder);
  }

  tbodyFor(pod) {
    let tbody = this.tables.get(pod);
    if (tbody) return tbody;
    if (this.tables.size === 0) this.container.replaceChildren();
    const table = document.createElement("table");
    table.className = "events-table";
    table.append(cell("caption", `Pod ${pod}`));
    const thead = tableHead(COLUMNS);
    tbody = document.createElement("tbody");
    table.append(thead, tbody);
    this.container.append(table);
    this.tables.set(pod, tbody);
    return tbody;
  }

  add(event) {
    this.now = Math.max(this.now, event.time);
    const recorded = event.recorded;
    if (recorded?.action === "dropped") {
      this.refreshAges();
      return;
    }
    const text = recorded ? recorded.message : event.message;
    const message = event.field_path ? `${event.field_path}: ${text}` : text;
    const key = recorded
      ? `object:${recorded.object}`
      : JSON.stringify([event.pod, event.type, event.reason, event.source, message]);
    let row = this.rows.get(key);
    if (!row) {
      const tr = document.createElement("tr");
      tr.className = event.type === "Warning" ? "event-warning" : "event-normal";
      const age = cell("td", "");
      const messageCell = cell("td", message);
      tr.append(cell("td", event.type), cell("td", event.reason), age);
      tr.append(cell("td", event.source), messageCell);
      const first = recorded ? recorded.first : event.time;
      row = { tr, age, messageCell, fieldPath: event.field_path, count: 0, first, event, message };
      this.rows.set(key, row);
    } else if (recorded) {
      // A combined event keeps its object (and the field path it was created with) but shows
      // the latest message, as the recorder's patch does.
      row.message = row.fieldPath ? `${row.fieldPath}: ${text}` : text;
      row.messageCell.textContent = row.message;
    }
    row.count = recorded ? recorded.count : row.count + 1;
    row.last = event.time;
    // Sorted by last occurrence: a repeated event moves to the bottom, like kubectl shows it.
    this.tbodyFor(event.pod).append(row.tr);
    this.refreshAges();
  }

  // A pod's rows as the Events block of `kubectl describe` lists them (DescribeEvents): by
  // last seen to the second, ties in the order the Event objects were made; the age of the
  // first sighting, or `<last> (x<n> over <first>)`.
  describeRows(pod) {
    const since = (then) => humanDuration(this.now - Math.floor(then));
    return [...this.rows.values()]
      .filter((row) => row.event.pod === pod)
      .sort((a, b) => Math.floor(a.last) - Math.floor(b.last))
      .map((row) => ({
        type: row.event.type,
        reason: row.event.reason,
        source: row.event.source,
        message: row.message.trim(),
        age: row.count > 1 ? `${since(row.last)} (x${row.count} over ${since(row.first)})` : since(row.first),
      }));
  }

  advance(time) {
    this.now = Math.max(this.now, time);
    this.refreshAges();
  }

  refreshAges() {
    for (const [key, row] of this.rows) {
      if (row.last < this.now - EVENT_TTL) {
        // Untouched for an hour: the API server has deleted the Event object.
        row.tr.remove();
        this.rows.delete(key);
        continue;
      }
      const last = humanDuration(this.now - row.last);
      row.age.textContent =
        row.count === 1 ? last : `${last} (x${row.count} over ${humanDuration(this.now - row.first)})`;
    }
  }
}
