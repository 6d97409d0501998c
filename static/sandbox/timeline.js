// The run as a timeline: every step frame the server sent (with the events that came with it),
// and the current position, which Step back, Step forward, the Timeline slider and the
// narration lines move. The page shows every view as of that position (sandbox.js).
//
// While the server streams a run ("live"), the position follows each new frame unless the
// learner moved back; Play/Pause pauses and resumes the server's stream, and Step forward at the
// newest frame asks the server for the next one. Once the result is in ("done"), Play replays
// the stored steps here, about one decision a second at 1× (the Speed select scales it).
// Positions count the frames received; a frame's `index` is its step's index in the whole
// run, which jumps where a long run's middle was not sent (docs/protocol.md).

import { formatSeconds } from "./dom.js";

export class Timeline {
  // controls: {back, toggle, forward, slider, position}; hooks: show(position, how) after each
  // move, passed(frames) for the frames a playback went through, server(action), speed(),
  // dwell(step) (milliseconds at 1×), replay() when a replay starts.
  constructor(controls, hooks) {
    this.controls = controls;
    this.hooks = hooks;
    this.timer = null;
    controls.back.addEventListener("click", () => this.step(-1));
    controls.forward.addEventListener("click", () => this.step(1));
    controls.toggle.addEventListener("click", () => this.toggle());
    controls.slider.addEventListener("input", () => this.jump(Number(controls.slider.value)));
    this.reset();
  }

  // No run, or one that was sent and not accepted yet.
  reset() {
    this.stopPlaying();
    this.frames = [];
    this.position = -1;
    this.total = 0; // the run's steps (`accepted.steps`), sent as frames or not
    this.mode = "idle"; // "idle" | "live" | "done"
    this.serverPaused = false;
    this.follow = true;
    this.update();
  }

  // The server accepted a run of `total` steps and starts streaming it.
  start(total) {
    this.reset();
    this.mode = "live";
    this.total = total;
    this.update();
  }

  // The stream ended (the result came, or the socket dropped): replay from here on.
  finish() {
    this.mode = "done";
    this.serverPaused = false;
    this.update();
  }

  get last() {
    return this.frames.length - 1;
  }

  frame(position) {
    return this.frames[position] ?? null;
  }

  // A step frame: store it, and show it if the position follows the stream.
  add(index, step, events) {
    this.frames.push({ index, step, events: [...events] });
    if (this.follow && this.mode === "live") this.moveTo(this.last, "play");
    else this.update();
  }

  // Events after the last step (`result.events`) belong to the last frame.
  addEvents(events) {
    this.frames[this.last]?.events.push(...events);
  }

  // Finish: every remaining frame comes at once, and the position follows them.
  followLive() {
    this.serverPaused = false;
    this.follow = true;
    this.moveTo(this.last, "play");
  }

  // Predict mode's Continue (predict.js): the server's stream goes on, the position follows it.
  resumeLive() {
    if (this.mode !== "live") return;
    this.hooks.server("resume");
    this.followLive();
  }

  moveTo(position, how) {
    if (this.frames.length === 0) return;
    const to = Math.max(0, Math.min(this.last, position));
    const from = this.position;
    this.position = to;
    if (this.mode === "live") this.follow = to === this.last;
    if (how === "play" && to > from) this.hooks.passed(this.frames.slice(from + 1, to + 1));
    this.update();
    this.hooks.show(to, how);
  }

  step(delta) {
    this.stopPlaying();
    if (delta > 0 && this.position >= this.last) {
      if (this.mode === "live" && this.serverPaused) {
        this.follow = true; // the frame the server sends next is shown when it comes
        this.hooks.server("step");
      }
      return;
    }
    this.moveTo(this.position + delta, "step");
  }

  jump(position) {
    this.stopPlaying();
    this.moveTo(position, "jump");
  }

  toggle() {
    if (this.mode === "live") {
      this.serverPaused = !this.serverPaused;
      this.hooks.server(this.serverPaused ? "pause" : "resume");
      if (this.serverPaused) this.update();
      else this.followLive();
      return;
    }
    if (this.mode !== "done" || this.frames.length === 0) return;
    if (this.playing) {
      this.stopPlaying();
      this.update();
      return;
    }
    this.hooks.replay(); // a new playback: its decisions are heard again
    if (this.position >= this.last) {
      this.position = -1; // so the first step counts as passed, and is heard
      this.moveTo(0, "play");
    }
    this.playing = true;
    this.update();
    this.tick();
  }

  tick() {
    clearTimeout(this.timer);
    const step = this.frames[this.position]?.step;
    const wait = this.hooks.dwell(step) / Math.max(0.25, this.hooks.speed() || 1);
    this.timer = setTimeout(() => {
      if (!this.playing) return;
      if (this.position < this.last) this.moveTo(this.position + 1, "play");
      if (this.position >= this.last) {
        this.stopPlaying();
        this.update();
      } else {
        this.tick();
      }
    }, wait);
  }

  stopPlaying() {
    this.playing = false;
    clearTimeout(this.timer);
    this.timer = null;
  }

  // The buttons say what a press does: "Pause" while the stream or the replay runs, else "Play".
  update() {
    const { back, toggle, forward, slider, position } = this.controls;
    const count = this.frames.length;
    const live = this.mode === "live";
    const running = live ? !this.serverPaused : this.playing;
    toggle.textContent = running ? "Pause" : "Play";
    toggle.disabled = this.mode === "idle" || (!live && count === 0);
    back.disabled = this.position <= 0;
    const serverStep = live && this.serverPaused && this.position >= this.last;
    forward.disabled = !serverStep && this.position >= this.last;
    slider.disabled = count === 0;
    slider.max = String(Math.max(0, count - 1));
    slider.value = String(Math.max(0, this.position));
    const frame = this.frames[this.position];
    const text = frame
      ? `Step ${frame.index + 1} of ${Math.max(this.total, frame.index + 1)}, at ${formatSeconds(frame.step.time ?? 0)}`
      : "No steps yet";
    position.textContent = text;
    const words = frame?.step.text ?? "";
    slider.setAttribute("aria-valuetext", words ? `${text}: ${words.slice(0, 160)}` : text);
  }
}
