// The sandbox websocket client: JSON frames of docs/protocol.md, reconnecting with back-off.
//
// States reported to onState: "connecting", "open", "closed" (with the seconds until the next
// attempt). A `run` sent while the socket is down waits and goes out on reconnect; only the
// latest is kept, since a new run replaces an older one anyway. Controls for a run the server
// has forgotten would be meaningless, so they are dropped.
//
// A close with code 1009 (message too big: daphne's own limit, docs/protocol.md) reaches the
// page as a `too_large` error frame, so the learner reads why instead of "interrupted". While a
// `lint` or `console` message waits for its answer, the elements marked for it are busy
// (busy.js); an error frame or a close ends the wait, since it may answer any of them.

import { showBusy } from "./busy.js";

const PROTOCOL_VERSION = 1;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;
const PING_INTERVAL_MS = 25000;
const ACK_DELAY_MS = 50; // frames read within this time are acknowledged together
const MESSAGE_TOO_BIG = 1009;
const TOO_LARGE = "That was too large for the server, which closed the connection: make the " +
  "manifest smaller (a few hundred KB at most) and run it again.";
const ANSWERED = ["lint", "console"]; // the messages whose answer is awaited, by type

export class SandboxSocket {
  constructor(path, { onMessage, onState }) {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.url = `${scheme}://${window.location.host}${path}`;
    this.onMessage = onMessage;
    this.onState = onState;
    this.attempt = 0;
    this.pending = null;
    this.socket = null;
    this.retryTimer = null;
    this.pingTimer = null;
    this.ackTimer = null;
    this.latestAck = null;
    this.awaiting = new Map(ANSWERED.map((type) => [type, 0]));
  }

  wait(type, change) {
    if (!this.awaiting.has(type)) return;
    const count = change === null ? 0 : Math.max(0, this.awaiting.get(type) + change);
    this.awaiting.set(type, count);
    showBusy(type, count > 0);
  }

  stopWaiting() {
    for (const type of ANSWERED) this.wait(type, null);
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.onState("connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.onState("open");
      this.pingTimer = setInterval(() => this.send({ type: "ping" }), PING_INTERVAL_MS);
      if (this.pending) {
        const message = this.pending;
        this.pending = null;
        this.send(message);
      }
    });
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket) return;
      this.stopWaiting();
      if (event.code === MESSAGE_TOO_BIG) {
        this.onMessage({ type: "error", code: "too_large", message: TOO_LARGE });
      }
      this.scheduleReconnect(socket);
    });
  }

  // A close always follows an error event, so reconnecting on close alone covers both.
  scheduleReconnect(socket) {
    if (socket !== this.socket) return;
    clearInterval(this.pingTimer);
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    this.onState("closed", Math.ceil(delay / 1000));
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      console.warn("sandbox: ignoring a frame that is not JSON");
      return;
    }
    if (message && typeof message === "object" && typeof message.ack === "string") {
      this.acknowledge(message.ack);
    }
    if (message && typeof message === "object" && message.type === "error") this.stopWaiting();
    else if (message && typeof message === "object") this.wait(message.type, -1);
    if (message && typeof message === "object" && message.type !== "pong") {
      this.onMessage(message);
    }
  }

  // The server sends more only as fast as the page reads (docs/protocol.md `ack`): one ack for
  // the newest frame read covers every frame before it.
  acknowledge(token) {
    this.latestAck = token;
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      const ack = this.latestAck;
      this.latestAck = null;
      if (ack) this.send({ type: "ack", ack });
    }, ACK_DELAY_MS);
  }

  // Returns true when the message went out now, false when it waits for the reconnect.
  send(message) {
    const frame = { version: PROTOCOL_VERSION, ...message };
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
      this.wait(message.type, +1);
      return true;
    }
    if (message.type === "run") this.pending = message;
    return false;
  }
}
