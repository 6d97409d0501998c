// Lesson pages: draw ```mermaid diagrams, wire up live-sandbox blocks, hints one at a time.
//
// The server renders diagrams as <pre class="mermaid"> holding the escaped Mermaid text, and
// sandbox blocks as <div class="live-sandbox" data-manifest="…" data-sandbox-url="…"> that
// already work without JavaScript (code + link). Hints come as one closed <details> each, in a
// `[data-hints]` block, which also works without JavaScript. Here we only enhance them.

import { MERMAID_CONFIG } from "../sandbox/mermaid-config.js";

const MANIFEST_KEY = "lunchbox:manifest";

async function drawDiagrams(root) {
  const blocks = [...root.querySelectorAll("pre.mermaid")];
  if (blocks.length === 0 || !root.dataset.mermaidSrc) return;
  try {
    const { default: mermaid } = await import(root.dataset.mermaidSrc);
    // The same light theme as the sandbox's, whatever the system's colour scheme (see there).
    mermaid.initialize({ ...MERMAID_CONFIG });
    // Keep the text for screen readers and as a fallback if rendering fails.
    for (const block of blocks) block.dataset.source = block.textContent;
    await mermaid.run({ nodes: blocks, suppressErrors: true });
  } catch (error) {
    for (const block of blocks) block.classList.add("mermaid-failed");
    console.warn("Mermaid could not be loaded; diagrams stay as text.", error);
  }
}

function wireSandboxes(root) {
  for (const box of root.querySelectorAll(".live-sandbox")) {
    const link = box.querySelector("a.live-sandbox-open");
    if (!link) continue;
    link.addEventListener("click", () => {
      // The sandbox page reads this once to preload its editor; a URL would be too short.
      try {
        sessionStorage.setItem(MANIFEST_KEY, box.dataset.manifest || "");
      } catch {
        // Private mode without storage: the learner can still copy the manifest by hand.
      }
    });
    if (navigator.clipboard) {
      const copy = document.createElement("button");
      copy.type = "button";
      copy.className = "live-sandbox-copy";
      copy.textContent = "Copy manifest";
      copy.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(box.dataset.manifest || "");
          copy.textContent = "Copied";
        } catch {
          copy.textContent = "Copy failed";
        }
      });
      link.after(" ", copy);
    }
  }
}

// Hints are hidden behind one button that shows the next, so a learner reads one before
// seeing the next (the last is often close to the solution).
function wireHints(root) {
  for (const block of root.querySelectorAll("[data-hints]")) {
    const list = block.querySelector(".hint-list");
    const items = [...block.querySelectorAll(".hint-item")];
    if (!list || items.length === 0) continue;
    for (const item of items) item.hidden = true;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "hint-next";
    button.setAttribute("aria-controls", list.id);
    let shown = 0;
    const label = () => {
      button.textContent = `Show a hint (${shown + 1} of ${items.length})`;
    };
    label();
    button.addEventListener("click", () => {
      const item = items[shown];
      item.hidden = false;
      const details = item.querySelector("details");
      if (details) details.open = true;
      shown += 1;
      if (shown < items.length) {
        label();
        return;
      }
      // No hint left: the button goes, and focus moves to the hint it revealed, not to <body>.
      button.remove();
      (item.querySelector("summary") ?? item).focus();
    });
    list.after(button);
  }
}

// A code block, table or diagram wider than the column scrolls sideways; a keyboard user must be able
// to reach it to scroll it, so each one that overflows takes a place in the tab order.
function keyboardScrolling(root) {
  const update = () => {
    for (const block of root.querySelectorAll("pre, .table-scroll")) {
      if (block.scrollWidth > block.clientWidth + 1) block.tabIndex = 0;
      else block.removeAttribute("tabindex");
    }
  };
  update();
  new ResizeObserver(update).observe(root);
  return update;
}

const root = document.getElementById("lesson");
if (root) {
  wireSandboxes(root);
  wireHints(root);
  const rescroll = keyboardScrolling(root);
  drawDiagrams(root).then(() => {
    rescroll();
    root.dataset.diagrams = "drawn"; // for tests: every diagram is drawn at its final size
  });
  import("./live_sandbox.js").then(({ wireLiveSandboxes }) => wireLiveSandboxes(root));
}
