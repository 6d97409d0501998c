// "Make my own copy": hand the shared editor text to the sandbox page the copy opens, the way a
// lesson's "Try it" link does (draft.js reads it once), then let the form post.
const LESSON_KEY = "lunchbox:manifest";
const form = document.getElementById("copy-form");
const editor = document.getElementById("shared-editor");
form?.addEventListener("submit", () => {
  try {
    sessionStorage.setItem(LESSON_KEY, editor.value);
  } catch {
    // Without storage the sandbox opens the shared text as its starter instead.
  }
});
