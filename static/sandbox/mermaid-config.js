// The one Mermaid configuration every page uses (the sandbox's charts and the lessons' diagrams).
//
// Diagrams keep their natural size (`useMaxWidth: false`) and pan inside their own scrolling
// region: shrunk to fit a 690 px panel or a 390 px phone, the flowchart's labels came out at
// 8 px and 4 px. At natural size every label is drawn at the font size below, and the Gantt's
// axis ticks (d3 draws them at 10 px) are raised to 12 px. One light theme whatever the system
// asks for: the pages are light (lunchbox.css sets `color-scheme: light`), and Mermaid's dark
// theme on them drew pale edges on white that could not be seen.

export const MERMAID_CONFIG = Object.freeze({
  startOnLoad: false,
  securityLevel: "strict",
  theme: "default",
  darkMode: false,
  fontSize: 16,
  // Tighter than the defaults (50/50): the pull flowchart is tall, and must stay legible.
  flowchart: { nodeSpacing: 30, rankSpacing: 35, useMaxWidth: false },
  sequence: { useMaxWidth: false, messageFontSize: 16, actorFontSize: 16, noteFontSize: 16 },
  gantt: { useMaxWidth: false, fontSize: 14, sectionFontSize: 14, leftPadding: 75 },
  state: { useMaxWidth: false },
  class: { useMaxWidth: false },
  er: { useMaxWidth: false },
  pie: { useMaxWidth: false },
  timeline: { useMaxWidth: false },
  themeCSS: "g.tick text { font-size: 12px; }",
});
