// The editor's text across reloads: saved in sessionStorage, per challenge or for free play.
//
// The starter is what the server rendered into the textarea (its defaultValue). Every edit is
// saved and restored on load, so a reload loses nothing; text equal to the starter is not kept,
// so a learner who never edited sees an updated starter. A manifest handed over by a lesson's
// "Try it in the sandbox" link (LESSON_KEY, set by lessons.js) is loaded once and its key
// cleared. Whenever the page itself replaces the learner's text, it offers an Undo.

const LESSON_KEY = "lunchbox:manifest";
const DRAFT_PREFIX = "lunchbox:draft:";

// Storage can be missing or full (private mode, quotas): the editor then just forgets.
function read(key) {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // Nothing to do: the text stays in the editor, it only will not survive a reload.
  }
}

export function draftKey(challenge) {
  return `${DRAFT_PREFIX}${challenge ? `challenge:${challenge}` : "sandbox"}`;
}

export class ManifestDraft {
  constructor(textarea, { challenge, resetButton, noticeText, undoButton }) {
    this.textarea = textarea;
    this.key = draftKey(challenge);
    // A challenge starts from its own starter; a lesson's manifest is meant for free play.
    this.takesLessonManifest = !challenge;
    this.noticeText = noticeText;
    this.undoButton = undoButton;
    this.undoText = null;
    textarea.addEventListener("input", () => {
      this.save();
      this.clearNotice(); // an Undo now would throw away what was just typed
    });
    resetButton.addEventListener("click", () => this.reset());
    undoButton.addEventListener("click", () => this.undo());
  }

  get starter() {
    return this.textarea.defaultValue;
  }

  // Once, on load: the saved text, then a manifest handed over by a lesson on top of it.
  restore() {
    const saved = read(this.key);
    if (saved !== null) this.textarea.value = saved;
    if (!this.takesLessonManifest) return;
    const handed = read(LESSON_KEY);
    if (handed === null) return;
    write(LESSON_KEY, null);
    if (handed.trim()) this.replace(handed, "Loaded the manifest from the lesson.");
  }

  save() {
    const text = this.textarea.value;
    write(this.key, text === this.starter ? null : text);
  }

  reset() {
    if (this.textarea.value === this.starter) {
      this.showNotice("The editor already holds the starter manifest.", null);
      return;
    }
    this.replace(this.starter, "Reset to the starter manifest.");
  }

  replace(text, message) {
    const previous = this.textarea.value;
    this.textarea.value = text;
    this.save();
    this.showNotice(message, previous === text ? null : previous);
  }

  undo() {
    if (this.undoText === null) return;
    this.textarea.value = this.undoText;
    this.save();
    this.clearNotice();
    this.textarea.focus(); // the Undo button disappears: keep the keyboard somewhere useful
  }

  showNotice(message, undoText) {
    this.undoText = undoText;
    this.noticeText.textContent = message;
    this.undoButton.hidden = undoText === null;
  }

  clearNotice() {
    if (this.undoText === null && !this.noticeText.textContent) return;
    this.showNotice("", null);
  }
}
