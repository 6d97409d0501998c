// "Build an image": a learner's Dockerfile, the versions of the files it copies before and
// after a change, and the tag to push to. When switched on, each run carries it as `build`
// (docs/protocol.md); `accepted.build` comes back as the layer stack with the rebuilt layers
// marked, and the result's pulls say what each node really downloaded.
//
// The panel's inputs are kept in sessionStorage, per challenge or for free play, like the
// manifest draft. Everything the server says is shown with textContent.

import { element, tableHead } from "./dom.js";
import { humanBytes } from "./pulls.js";

const STORAGE_PREFIX = "lunchbox:build:";
const DEFAULT_FILES = [{ name: "app.py", before: "v1", after: "v2" }];
// A RUN that installs dependencies: the one worth moving above the COPY of the code.
const INSTALLS = /\b(pip3?|npm|yarn|pnpm|apt-get|apk|go\s+mod|bundle|poetry|composer|gem)\b/;

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? "null");
  } catch {
    return null; // storage disabled, or not ours: start from the defaults
  }
}

function write(key, value) {
  try {
    sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the panel keeps working, it only forgets on reload.
  }
}

// The Dockerfile as blocks of lines: one instruction (with its continuation lines and the
// comments right above it), or a run of blank lines and loose comments.
function instructionBlocks(text) {
  const lines = text.split("\n");
  const blocks = [];
  let pending = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === "") {
      if (pending.length) blocks.push({ lines: pending, keyword: null });
      blocks.push({ lines: [line], keyword: null });
      pending = [];
      i += 1;
    } else if (trimmed.startsWith("#")) {
      pending.push(line);
      i += 1;
    } else {
      const block = [...pending, line];
      pending = [];
      let last = line;
      i += 1;
      while (/\\\s*$/.test(last) && i < lines.length) {
        last = lines[i];
        block.push(last);
        i += 1;
      }
      const keyword = trimmed.split(/\s+/)[0].toUpperCase();
      blocks.push({ lines: block, keyword, text: block.join("\n") });
    }
  }
  if (pending.length) blocks.push({ lines: pending, keyword: null });
  return blocks;
}

// The Dockerfile with its dependency install moved above the first COPY of the code, or null
// when there is nothing to move (no RUN comes after a COPY).
export function dependenciesFirst(text) {
  const blocks = instructionBlocks(text);
  const copy = blocks.findIndex(
    (b) => (b.keyword === "COPY" || b.keyword === "ADD") && !/--from=/i.test(b.text),
  );
  if (copy < 0) return null;
  const later = blocks.map((b, index) => ({ b, index })).filter(
    ({ b, index }) => index > copy && b.keyword === "RUN",
  );
  const chosen = later.find(({ b }) => INSTALLS.test(b.text)) ?? later[0];
  if (!chosen) return null;
  const reordered = blocks.filter((_, index) => index !== chosen.index);
  reordered.splice(copy, 0, chosen.b);
  return reordered.map((b) => b.lines.join("\n")).join("\n");
}

export class BuildPanel {
  constructor(root, { challenge }) {
    const $ = (id) => document.getElementById(id);
    this.details = root;
    this.state = $("build-state");
    this.enabled = $("build-enabled");
    this.dockerfile = $("build-dockerfile");
    this.swap = $("build-swap");
    this.notice = $("build-notice");
    this.undoButton = $("build-undo");
    this.files = $("build-files-body");
    this.addFile = $("build-add-file");
    this.push = $("build-push");
    this.preloaded = $("build-preloaded");
    this.result = $("build-result");
    this.summary = $("build-summary");
    this.steps = $("build-steps");
    this.pulls = $("build-pulls");
    this.key = `${STORAGE_PREFIX}${challenge ? `challenge:${challenge}` : "sandbox"}`;
    this.undoText = null;
    this.current = null; // accepted.build of the run being played
    this.restore();
    root.addEventListener("input", () => this.save());
    root.addEventListener("change", () => this.save());
    root.addEventListener("toggle", () => this.save());
    this.swap.addEventListener("click", () => this.swapToDependenciesFirst());
    this.undoButton.addEventListener("click", () => this.undo());
    this.addFile.addEventListener("click", () => {
      const row = this.addRow({ name: "", before: "v1", after: "v1" });
      row.querySelector("input").focus();
      this.save();
    });
  }

  // --- the inputs ----------------------------------------------------------------------------

  restore() {
    const saved = read(this.key) ?? {};
    if (typeof saved.dockerfile === "string") this.dockerfile.value = saved.dockerfile;
    if (typeof saved.push === "string") this.push.value = saved.push;
    this.enabled.checked = saved.enabled === true;
    this.preloaded.checked = saved.preloaded !== false;
    if (saved.open === true) this.details.open = true;
    const files = Array.isArray(saved.files) ? saved.files : DEFAULT_FILES;
    this.files.replaceChildren();
    for (const file of files) this.addRow(file);
    this.showState();
  }

  save() {
    write(this.key, {
      enabled: this.enabled.checked,
      open: this.details.open,
      dockerfile: this.dockerfile.value,
      files: this.fileRows(),
      push: this.push.value,
      preloaded: this.preloaded.checked,
    });
    this.showState();
  }

  showState() {
    this.state.textContent = this.enabled.checked ? "(on: built and pushed at each run)" : "(off)";
  }

  fileRows() {
    return [...this.files.rows].map((row) => {
      const [name, before, after] = row.querySelectorAll("input");
      return { name: name.value, before: before.value, after: after.value };
    });
  }

  addRow({ name = "", before = "", after = "" }) {
    const row = document.createElement("tr");
    const cell = (value, label) => {
      const input = document.createElement("input");
      input.value = String(value);
      input.spellcheck = false;
      input.autocomplete = "off";
      input.setAttribute("aria-label", label);
      const td = document.createElement("td");
      td.append(input);
      row.append(td);
      return input;
    };
    const nameInput = cell(name, "File name");
    cell(before, "Version before the change");
    cell(after, "Version after the change");
    const remove = element("button", "Remove", "small");
    remove.type = "button";
    const label = () => `Remove ${nameInput.value || "this file"}`;
    remove.setAttribute("aria-label", label());
    nameInput.addEventListener("input", () => remove.setAttribute("aria-label", label()));
    remove.addEventListener("click", () => {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      this.save();
      (next?.querySelector("input") ?? this.addFile).focus();
    });
    const td = document.createElement("td");
    td.append(remove);
    row.append(td);
    this.files.append(row);
    return row;
  }

  swapToDependenciesFirst() {
    const swapped = dependenciesFirst(this.dockerfile.value);
    if (swapped === null) {
      this.showNotice("Nothing to move: no RUN comes after a COPY.", null);
      return;
    }
    const previous = this.dockerfile.value;
    this.dockerfile.value = swapped;
    this.save();
    this.showNotice(
      "Moved the dependency install above the COPY of your code. Run again to compare.",
      previous,
    );
  }

  showNotice(message, undoText) {
    this.undoText = undoText;
    this.notice.textContent = message;
    this.undoButton.hidden = undoText === null;
  }

  undo() {
    if (this.undoText === null) return;
    this.dockerfile.value = this.undoText;
    this.save();
    this.showNotice("", null);
    this.dockerfile.focus();
  }

  // The run's `build` field, or null when the panel is off.
  request() {
    if (!this.enabled.checked) return null;
    const files = {};
    for (const { name, before, after } of this.fileRows()) {
      const path = name.trim();
      if (!path) continue;
      const was = before.trim();
      const now = after.trim();
      files[path] = was === now ? was : { before: was, after: now };
    }
    return {
      dockerfile: this.dockerfile.value,
      files,
      push: this.push.value.trim() || null,
      preloaded: this.preloaded.checked,
    };
  }

  // Open the panel and put the cursor at a Dockerfile line and column (1-based).
  moveCursorTo(line, column) {
    this.details.open = true;
    const text = this.dockerfile.value;
    const lines = text.split("\n");
    const index = Math.min(Math.max(line, 1), lines.length) - 1;
    let offset = 0;
    for (let i = 0; i < index; i += 1) offset += lines[i].length + 1;
    offset += Array.from(lines[index]).slice(0, Math.max(column ?? 1, 1) - 1).join("").length;
    this.dockerfile.focus();
    this.dockerfile.setSelectionRange(offset, offset);
  }

  // --- the server's answers ------------------------------------------------------------------

  reset() {
    this.current = null;
    this.result.hidden = true;
    this.summary.textContent = "";
    this.steps.replaceChildren();
    this.pulls.textContent = "";
  }

  showBuild(build) {
    this.current = build ?? null;
    if (!build) {
      this.reset();
      return;
    }
    const steps = build.steps ?? [];
    const changed = steps.filter((s) => s.changed).length;
    this.summary.dataset.changedBytes = String(build.changed_bytes ?? 0);
    this.summary.textContent =
      `After the change, nodes download ${humanBytes(build.changed_bytes)} of ` +
      `${humanBytes(build.after_size)} (${changed} of ${build.layers ?? 0} layers rebuilt) ` +
      `to update ${build.reference ?? "the image"}` +
      (build.preloaded
        ? "."
        : ", if they held the old build; here none does, so each downloads what it lacks.");
    this.steps.replaceChildren(this.stepsTable(steps, build.reference));
    this.pulls.textContent = "";
    this.result.hidden = false;
  }

  stepsTable(steps, reference) {
    const table = element("table", undefined, "pull-table build-steps-table");
    table.append(element("caption", `Layers of ${reference ?? "the image"}, bottom to top`));
    const thead = tableHead(["Line", "Instruction", "Layer?", "Size", "Digest", "Changed?"]);
    const body = document.createElement("tbody");
    for (const step of steps) {
      const row = document.createElement("tr");
      row.dataset.changed = step.changed ? "true" : "false";
      if (step.changed) row.className = "build-step-changed";
      const isBase = step.instruction === "FROM" && step.size !== null && step.size !== undefined;
      const instruction = element("code", step.text ?? step.instruction ?? "");
      const cells = [
        String(step.line ?? ""),
        instruction,
        step.makes_layer ? "yes" : isBase ? "base image" : "no (config)",
        step.size === null || step.size === undefined ? "" : humanBytes(step.size),
        step.digest ?? "",
        !step.makes_layer ? "" : step.changed ? "rebuilt: download again" : "unchanged",
      ];
      for (const value of cells) {
        const td = document.createElement("td");
        td.append(value);
        row.append(td);
      }
      body.append(row);
    }
    table.append(thead, body);
    return table;
  }

  // After the run: what the nodes really downloaded for the pushed image.
  showPulls(tracePulls = []) {
    const build = this.current;
    if (!build) return;
    const ours = tracePulls.filter((p) => p.digest === build.digest && p.outcome === "pulled");
    if (ours.length) {
      const parts = ours.map((p) => `${p.node} downloaded ${humanBytes(p.bytes)}`);
      this.pulls.textContent = `In this run: ${parts.join(", ")}.`;
    } else if (build.preloaded) {
      this.pulls.textContent =
        `In this run no node pulled the new ${build.reference}. A node that already holds an ` +
        "image under that tag starts it without pulling when imagePullPolicy is IfNotPresent " +
        "(the default for a tag other than latest): the old build keeps running. Use " +
        "imagePullPolicy: Always, or push every build under a new tag.";
    } else {
      this.pulls.textContent =
        `In this run no node pulled ${build.reference}: does your manifest use that image?`;
    }
  }
}
