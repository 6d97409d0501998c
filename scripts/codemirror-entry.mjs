// What static/sandbox/editor.js uses of CodeMirror 6, bundled by scripts/vendor.mjs into one
// ES module, static/vendor/codemirror/codemirror.js. Only what is named here reaches the bundle.

export { EditorState } from "@codemirror/state";
export {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
export {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  syntaxHighlighting,
} from "@codemirror/language";
export { yaml } from "@codemirror/lang-yaml";
export { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
