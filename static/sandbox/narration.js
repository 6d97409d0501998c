// The What happened list: every step of the run as a button that moves the timeline there.
//
// Not a live region (announcer.js summarises for screen readers). One tab stop: the current
// line's button; the arrow keys, Home and End move between lines, Enter or a click jumps. The
// current line is `aria-current="step"`, lines after it are drawn as not reached yet.

import { formatSeconds } from "./dom.js";

export class NarrationList {
  constructor(list, { onJump }) {
    this.list = list;
    this.onJump = onJump;
    this.current = -1;
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-position]");
      if (button) this.onJump(Number(button.dataset.position));
    });
    list.addEventListener("keydown", (event) => this.onKeydown(event));
  }

  reset() {
    this.list.replaceChildren();
    this.current = -1;
  }

  button(position) {
    return this.list.children[position]?.firstElementChild ?? null;
  }

  // Append the line of the step at `position` (positions count the frames received).
  add(position, step) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "narration-step";
    button.dataset.position = String(position);
    button.dataset.flow = step.flow ?? "";
    button.tabIndex = -1;
    const time = document.createElement("span");
    time.className = "narration-time";
    time.textContent = formatSeconds(step.time ?? 0);
    button.append(time, " ", step.text ?? "");
    item.append(button);
    item.classList.toggle("narration-later", position > this.current);
    this.list.append(item);
  }

  // Mark `position` current: lines up to it reached, the rest not yet.
  show(position) {
    const previous = this.current;
    this.current = position;
    const [from, to] = [Math.max(0, Math.min(previous, position)), Math.max(previous, position)];
    for (let i = from; i <= to && i < this.list.children.length; i += 1) {
      this.list.children[i].classList.toggle("narration-later", i > position);
    }
    const old = this.button(previous);
    if (old) {
      old.removeAttribute("aria-current");
      old.tabIndex = -1;
    }
    const button = this.button(position);
    if (!button) return;
    button.setAttribute("aria-current", "step");
    button.tabIndex = 0;
    this.reveal(button.parentElement);
  }

  // Scroll the list (never the page) so the line is in view.
  reveal(item) {
    const top = item.offsetTop;
    const bottom = top + item.offsetHeight;
    const { scrollTop, clientHeight } = this.list;
    if (top >= scrollTop && bottom <= scrollTop + clientHeight) return;
    this.list.scrollTop = top - (clientHeight - item.offsetHeight) / 2;
  }

  onKeydown(event) {
    const button = event.target.closest("button[data-position]");
    if (!button) return;
    const position = Number(button.dataset.position);
    const last = this.list.children.length - 1;
    const moves = { ArrowDown: position + 1, ArrowUp: position - 1, Home: 0, End: last };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const target = this.button(Math.max(0, Math.min(last, moves[event.key])));
    if (!target) return;
    button.tabIndex = -1;
    target.tabIndex = 0;
    target.focus();
  }
}
