// The manifest editor: CodeMirror 6 in place of the #manifest textarea, with the server's
// problems shown as lint diagnostics while the learner types.
//
// Progressive enhancement: the page renders a plain textarea, which is what a browser without
// JavaScript (or without the vendored bundle) keeps. `ManifestEditor` stands in for that
// textarea (`value`, `defaultValue`, `focus()`, its `input` events), so draft.js and console.js
// work the same on either; `enhance()` loads static/vendor/codemirror/codemirror.js, puts the
// editor where the textarea was and writes every change back to the hidden textarea.
//
// Keyboard: Tab indents, so it does not move focus; Escape then Tab does (CodeMirror's own way
// out, named in the hint under the editor), and Ctrl+M switches Tab to moving focus for good.
// Ctrl+Enter is left to the form (it runs the manifest), F8 goes to the next problem and
// Ctrl+Shift+M lists them all.
//
// Lint: LINT_DELAY_MS after typing stops, the text goes to the server as a `lint` message with
// a `seq`; one is in flight at a time, and only the answer to the latest, for the text still in
// the editor, becomes diagnostics (docs/protocol.md).

const LINT_DELAY_MS = 400;
// An answer lost with a dropped socket must not stop the lint for good.
const LINT_PATIENCE_MS = 10_000;
// The server takes a manifest of at most 256 KiB (docs/protocol.md): a longer text is checked
// when it runs, not at every pause in typing.
const MAX_LINT_BYTES = 256 * 1024;
const SEVERITIES = new Set(["error", "warning", "info", "hint"]);
// The token a position points at: a key up to its colon, or a value such as nginx:1.25.
const TOKEN = /^(?:[^\s:]|:(?=\S))+/u;

// The character offset of a 1-based line and column in lines of text, clamped to the text.
// Columns count characters (code points, as the server does), offsets UTF-16 units.
function offsetIn(lines, line, column) {
  const index = Math.min(Math.max(line ?? 1, 1), lines.length) - 1;
  let offset = 0;
  for (let i = 0; i < index; i += 1) offset += lines[i].length + 1;
  const before = Array.from(lines[index]).slice(0, Math.max(column ?? 1, 1) - 1);
  return offset + before.join("").length;
}

// A CodeMirror diagnostic for one problem of the server, at its line and column in `doc`.
export function diagnosticOf(doc, problem) {
  const line = doc.line(Math.min(Math.max(problem.line ?? 1, 1), doc.lines));
  const from = line.from + offsetIn([line.text], 1, problem.column);
  const token = problem.line ? TOKEN.exec(line.text.slice(from - line.from)) : null;
  const message = String(problem.message ?? "");
  const text = problem.path && !message.includes(problem.path)
    ? `${message} (${problem.path})` : message;
  return {
    from,
    to: from + (token ? token[0].length : 0),
    severity: SEVERITIES.has(problem.severity) ? problem.severity : "error",
    message: problem.hint ? `${text}\n${problem.hint}` : text,
    source: problem.rule || undefined,
    renderMessage: () => {
      const node = document.createElement("span");
      node.textContent = text;
      if (problem.hint) {
        const hint = document.createElement("span");
        hint.className = "cm-diagnosticHint";
        hint.textContent = problem.hint;
        node.append(hint);
      }
      return node;
    },
  };
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export class ManifestEditor {
  constructor(textarea, { send, scenario, keysHint, lintStatus }) {
    this.textarea = textarea;
    this.send = send;
    this.scenario = scenario;
    this.keysHint = keysHint;
    this.lintStatus = lintStatus;
    this.cm = null; // the CodeMirror module, once loaded
    this.view = null;
    this.quiet = false; // set while the page itself replaces the text
    this.seq = 0;
    this.waiting = null; // the lint in flight: {seq, doc, at}
    this.again = false; // the text changed while a lint was in flight: send it on the answer
    this.timer = null;
    // Something else setting the textarea and saying so: follow it.
    textarea.addEventListener("input", () => {
      if (this.view && textarea.value !== this.view.state.doc.toString()) {
        this.replace(textarea.value);
      }
    });
  }

  get value() {
    return this.textarea.value; // kept equal to the editor's text at every change
  }

  // As on a textarea, setting the text fires no `input` event.
  set value(text) {
    if (this.view) this.replace(text);
    else this.textarea.value = text;
  }

  get defaultValue() {
    return this.textarea.defaultValue;
  }

  addEventListener(type, listener) {
    this.textarea.addEventListener(type, listener);
  }

  focus() {
    (this.view ?? this.textarea).focus();
  }

  moveCursorTo(line, column) {
    if (!this.view) {
      const offset = offsetIn(this.textarea.value.split("\n"), line, column);
      this.textarea.focus();
      this.textarea.setSelectionRange(offset, offset);
      const lineHeight = parseFloat(getComputedStyle(this.textarea).lineHeight) || 20;
      this.textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
      return;
    }
    const { from } = diagnosticOf(this.view.state.doc, { line, column, message: "" });
    this.view.dispatch({ selection: { anchor: from }, scrollIntoView: true });
    this.view.focus();
  }

  // Loads CodeMirror and takes the textarea's place; false (and the textarea stays) if the
  // bundle cannot be loaded.
  async enhance(src) {
    try {
      this.cm = await import(src);
    } catch (error) {
      console.warn("sandbox: the code editor did not load, keeping the plain text box", error);
      return false;
    }
    const textarea = this.textarea;
    const hadFocus = document.activeElement === textarea;
    const { selectionStart, selectionEnd } = textarea;
    this.view = new this.cm.EditorView({
      state: this.cm.EditorState.create({ doc: textarea.value, extensions: this.extensions() }),
    });
    textarea.after(this.view.dom);
    textarea.hidden = true;
    textarea.labels?.[0]?.addEventListener("click", () => this.view.focus());
    if (this.keysHint) this.keysHint.hidden = false;
    if (hadFocus) {
      const length = this.view.state.doc.length;
      this.view.dispatch({ selection: { anchor: Math.min(selectionStart, length),
                                        head: Math.min(selectionEnd, length) } });
      this.view.focus();
    }
    this.lint();
    return true;
  }

  extensions() {
    const cm = this.cm;
    const label = this.textarea.labels?.[0];
    const describedBy = [this.textarea.getAttribute("aria-describedby"), this.keysHint?.id];
    const attributes = { "aria-describedby": describedBy.filter(Boolean).join(" ") };
    if (label?.id) attributes["aria-labelledby"] = label.id;
    else attributes["aria-label"] = label?.textContent.trim() || "Manifest";
    return [
      cm.lineNumbers(),
      cm.highlightActiveLineGutter(),
      cm.highlightSpecialChars(),
      cm.history(),
      cm.drawSelection(),
      cm.indentOnInput(),
      cm.syntaxHighlighting(cm.defaultHighlightStyle, { fallback: true }),
      cm.bracketMatching(),
      cm.highlightActiveLine(),
      cm.yaml(),
      cm.lintGutter(),
      cm.keymap.of([
        // Ctrl+Enter runs the manifest (the form listens for it), not "insert a blank line".
        ...cm.defaultKeymap.filter((binding) => binding.key !== "Mod-Enter"),
        ...cm.historyKeymap,
        ...cm.lintKeymap,
        cm.indentWithTab,
      ]),
      cm.EditorView.contentAttributes.of(attributes),
      cm.EditorView.updateListener.of((update) => this.changed(update)),
    ];
  }

  changed(update) {
    if (!update.docChanged) return;
    this.textarea.value = update.state.doc.toString();
    if (!this.quiet) this.textarea.dispatchEvent(new Event("input", { bubbles: true }));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.lint(), LINT_DELAY_MS);
  }

  replace(text) {
    this.quiet = true;
    try {
      this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
    } finally {
      this.quiet = false;
    }
  }

  // --- lint ----------------------------------------------------------------------------------

  lint() {
    if (!this.view) return;
    if (this.waiting && Date.now() - this.waiting.at < LINT_PATIENCE_MS) {
      this.again = true;
      return;
    }
    const doc = this.view.state.doc;
    const manifest = doc.toString();
    if (new TextEncoder().encode(manifest).length > MAX_LINT_BYTES) {
      this.waiting = null;
      this.show([], "Too long to check as you type; Run checks it.");
      return;
    }
    this.seq += 1;
    const sent = this.send({ type: "lint", manifest, scenario: this.scenario(), seq: this.seq });
    this.waiting = sent ? { seq: this.seq, doc, at: Date.now() } : null;
  }

  // The socket (re)opened: an answer still awaited is not coming.
  relint() {
    this.waiting = null;
    this.lint();
  }

  // A `lint` frame: shown if it answers the latest lint and the text has not changed since.
  onLint(message) {
    if (!this.waiting || message.seq !== this.waiting.seq) return;
    const { doc } = this.waiting;
    this.waiting = null;
    if (this.view.state.doc === doc) this.showProblems(message.problems ?? []);
    if (this.again) {
      this.again = false;
      this.lint();
    }
  }

  // Problems the server found in `text` (a lint's, or a run's), marked if the editor still
  // holds that text.
  showProblems(problems, text = this.value) {
    if (!this.view || text !== this.value) return;
    const doc = this.view.state.doc;
    const diagnostics = problems.map((problem) => diagnosticOf(doc, problem));
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    const others = diagnostics.length - errors;
    const counts = [errors && plural(errors, "error"), others && plural(others, "warning")];
    this.show(diagnostics, diagnostics.length === 0
      ? "No problems found."
      : `${counts.filter(Boolean).join(" and ")}: F8 goes to the next, Ctrl+Shift+M lists them.`);
  }

  show(diagnostics, status) {
    this.view.dispatch(this.cm.setDiagnostics(this.view.state, diagnostics));
    if (this.lintStatus && this.lintStatus.textContent !== status) {
      this.lintStatus.textContent = status;
    }
  }
}
