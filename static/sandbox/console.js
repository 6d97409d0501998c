import { clusterView } from "./cluster.js";
import { clusterSettings } from "./settings.js";

// The console: kubectl (and crictl, crane, sleep) lines against the learner's own cluster,
// which the server stores (docs/console.md). Output is printed as text, never as HTML.

const MAX_LINES = 2000; // of scrollback kept on the page

export class ConsolePanel {
  constructor(root, { send, editor, scenario, challenge, onGoals }) {
    this.onGoals = onGoals;
    this.root = root;
    this.send = send;
    this.editor = editor;
    this.scenario = scenario;
    this.challenge = challenge;
    this.output = root.querySelector("#console-output");
    this.line = root.querySelector("#console-line");
    this.history = root.querySelector("#console-history");
    this.pods = root.querySelector("#console-pods");
    this.clock = root.querySelector("#console-clock");
    this.undoButton = root.querySelector("#console-undo");
    this.typed = [];
    this.cursor = 0;
    root.querySelector("#console-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.run(this.line.value);
    });
    this.line.addEventListener("keydown", (event) => this.recall(event));
    this.undoButton.addEventListener("click", () => this.message("undo"));
    root.querySelector("#console-reset").addEventListener("click", () => this.message("reset"));
    root.querySelector("#console-wait").addEventListener("click", () => this.run("sleep 60"));
    root.querySelector("#console-compare").addEventListener("click", () => this.message("compare"));
    root.querySelector("#console-share").addEventListener("click", () =>
      this.message("share", { manifest: this.editor.value }));
    this.shareLink = root.querySelector("#console-share-link");
    const view = document.getElementById("cluster-view");
    this.clusterView = view ? clusterView(view) : null;
  }

  message(action, extra = {}) {
    this.send({ type: "console", action, scenario: this.scenario() || null,
                challenge: this.challenge, settings: clusterSettings.request(), ...extra });
  }

  open() {
    this.message("open");
  }

  run(text) {
    const line = text.trim();
    if (!line) return;
    this.typed.push(line);
    this.cursor = this.typed.length;
    this.line.value = "";
    this.message("command", { line, manifest: this.editor.value });
  }

  // Up and down walk through what was typed, as a shell does.
  recall(event) {
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    event.preventDefault();
    this.cursor += event.key === "ArrowUp" ? -1 : 1;
    this.cursor = Math.max(0, Math.min(this.typed.length, this.cursor));
    this.line.value = this.typed[this.cursor] ?? "";
  }

  print(text, kind) {
    if (!text) return;
    const span = document.createElement("span");
    span.className = kind;
    span.textContent = text.endsWith("\n") ? text : `${text}\n`;
    this.output.append(span);
    while (this.output.childNodes.length > MAX_LINES) this.output.firstChild.remove();
    this.output.scrollTop = this.output.scrollHeight;
  }

  show(frame) {
    if (frame.action === "command") {
      this.print(`$ ${frame.command}`, "console-prompt");
      this.print(frame.output, "console-stdout");
      this.print(frame.error, "console-stderr");
      if (frame.exit_code) this.print(`(exit code ${frame.exit_code})`, "console-exit");
    } else if (frame.action === "undo") {
      this.print("# took back the last command", "console-note");
    } else if (frame.action === "reset") {
      this.print("# the cluster is back to the scenario's start", "console-note");
    } else if (frame.action === "compare") {
      this.print("# what the last command changed", "console-note");
      this.print(frame.output, "console-stdout");
    } else if (frame.action === "share" && frame.link) {
      const url = new URL(frame.link, window.location.href).href;
      this.shareLink.replaceChildren();
      const anchor = document.createElement("a");
      anchor.href = url;
      anchor.textContent = url;
      this.shareLink.append("Share this link: ", anchor);
      this.print(`# shared as ${url}`, "console-note");
    }
    if (frame.goals && this.onGoals) this.onGoals(frame.goals);
    this.clusterView?.show(frame.cluster);
    this.pods.textContent = frame.pods || "No resources found in default namespace.";
    this.clock.textContent = `${Math.round(frame.clock ?? 0)} s`;
    this.undoButton.disabled = !frame.undo;
    const items = (frame.history ?? []).map((entry) => {
      const item = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = entry.command;
      item.append(code);
      if (entry.exit) item.append(` (exit ${entry.exit})`);
      if (entry.back) {
        const back = document.createElement("button");
        back.type = "button";
        back.className = "small";
        back.textContent = "Back to here";
        back.setAttribute("aria-label", `Back to the cluster after: ${entry.command}`);
        back.addEventListener("click", () => this.message("undo", { count: entry.back }));
        item.append(" ", back);
      }
      return item;
    });
    this.history.replaceChildren(...items);
  }
}
