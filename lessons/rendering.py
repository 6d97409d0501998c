"""Lesson Markdown to safe HTML: fenced code, tables, Mermaid diagrams and live sandboxes.

Two fence languages are ours:

- ```` ```mermaid ```` becomes `<pre class="mermaid">` holding the escaped diagram text; the
  browser renders it with Mermaid (strict security level).
- ```` ```sandbox ```` becomes a live-sandbox placeholder `<div class="live-sandbox">` carrying
  the manifest in `data-manifest`, showing it as code and linking to the sandbox page.

Everything Markdown produces then goes through nh3 with an explicit allowlist, so raw HTML in a
lesson can never carry a script, an event handler or a `javascript:` link.
"""

from __future__ import annotations

import re
from html import escape

import markdown  # type: ignore[import-untyped]  # no stubs shipped
import nh3
from markdown.extensions import Extension  # type: ignore[import-untyped]
from markdown.preprocessors import Preprocessor  # type: ignore[import-untyped]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
    "pre", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "td": {"style", "colspan", "rowspan"},
    "ol": {"start"},
    "div": {"data-manifest", "data-scenario", "data-sandbox-url"},
}
CODE_LANGUAGES = (
    "yaml", "json", "bash", "sh", "shell", "console", "text", "go", "python", "dockerfile",
    "toml", "ini", "diff",
)
ALLOWED_CLASSES = {
    "pre": {"mermaid"},
    "div": {"live-sandbox"},
    "a": {"live-sandbox-open"},
    "code": {f"language-{language}" for language in CODE_LANGUAGES},
}
URL_SCHEMES = {"http", "https", "mailto"}

# An opening fence naming one of our languages, the body, and the same fence closing it.
_OUR_FENCE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})[ ]*(?P<lang>mermaid|sandbox)[ ]*\n"
    r"(?P<code>.*?)(?<=\n)(?P=fence)[ ]*$",
    re.MULTILINE | re.DOTALL,
)


# Diagram kinds whose grammar takes `accTitle:` and `accDescr:` lines right after its keyword.
_ACCESSIBLE_KINDS = re.compile(
    r"^(flowchart|graph|sequenceDiagram|gantt|classDiagram|stateDiagram(-v2)?|erDiagram|pie|"
    r"journey)\b")
# Text a reader would see: quoted or bracketed node labels, |edge labels|, `: message` tails.
_SHOWN_TEXT = re.compile(
    r'"([^"]+)"|\|([^|]+)\||(?:\[|\(|\{)([^\]\)\}"|]+)(?:\]|\)|\})|:\s*([^:]+)$', re.MULTILINE)


def with_accessible_names(diagram: str) -> str:
    """The diagram with an `accTitle` and an `accDescr` if its author gave none.

    Mermaid turns them into the SVG's <title> and <desc>, which screen readers announce. The
    title falls back to the diagram's own `title`, the description to the text it shows, in
    order, so a reader hears at least what a sighted learner reads.
    """
    lines = diagram.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":  # front matter: the keyword comes after it
        start = next((i + 1 for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
    keyword = next((i for i in range(start, len(lines))
                    if lines[i].strip() and not lines[i].lstrip().startswith("%%")), None)
    if keyword is None or not _ACCESSIBLE_KINDS.match(lines[keyword].strip()):
        return diagram
    body = "\n".join(lines[keyword + 1:])
    added = []
    if not re.search(r"^\s*accTitle\s*:", body, re.MULTILINE):
        title = re.search(r"^\s*title:?\s+(.+)$", "\n".join(lines[:keyword]) + "\n" + body,
                          re.MULTILINE)
        added.append("accTitle: " + (title.group(1).strip() if title else "Lesson diagram"))
    if not re.search(r"^\s*accDescr\s*[:{]", body, re.MULTILINE):
        if lines[keyword].strip().startswith("gantt"):  # `Task name :data`, `section Name`
            shown = [line.split(":")[0].strip().removeprefix("section ")
                     for line in body.split("\n")
                     if ":" in line or line.strip().startswith("section ")]
        else:
            shown = [" ".join(next(g for g in m.groups() if g).split())
                     for m in _SHOWN_TEXT.finditer(body)]
        unique = list(dict.fromkeys(t.strip() for t in shown if t.strip()))
        added.append("accDescr: " + ("; ".join(unique) or "A diagram").replace("\n", " "))
    return "\n".join([*lines[:keyword + 1], *("  " + line for line in added),
                      *lines[keyword + 1:]])


def mermaid_html(diagram: str) -> str:
    """The element Mermaid looks for; the text is escaped, Mermaid reads it back as text."""
    return f'<pre class="mermaid">{escape(with_accessible_names(diagram.rstrip()))}</pre>'


def live_sandbox_html(manifest: str, sandbox_url: str, scenario: str) -> str:
    """A live-sandbox placeholder: works as a plain code block plus link without JavaScript."""
    manifest = manifest.rstrip() + "\n"
    return (
        f'<div class="live-sandbox" data-manifest="{escape(manifest)}" '
        f'data-scenario="{escape(scenario)}" data-sandbox-url="{escape(sandbox_url)}">'
        f'<pre><code class="language-yaml">{escape(manifest)}</code></pre>'
        f'<p><a class="live-sandbox-open" href="{escape(sandbox_url)}">'
        "Try it in the sandbox</a></p></div>"
    )


class _OurFences(Preprocessor):  # type: ignore[misc]
    """Stash mermaid and sandbox fences as HTML before fenced_code turns them into code."""

    def __init__(self, md: markdown.Markdown, sandbox_url: str, scenario: str) -> None:
        super().__init__(md)
        self.sandbox_url = sandbox_url
        self.scenario = scenario

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)

        def replace(match: re.Match[str]) -> str:
            if match.group("lang") == "mermaid":
                html = mermaid_html(match.group("code"))
            else:
                html = live_sandbox_html(match.group("code"), self.sandbox_url, self.scenario)
            return "\n\n" + str(self.md.htmlStash.store(html)) + "\n\n"

        return _OUR_FENCE.sub(replace, text).split("\n")


class _LessonExtension(Extension):  # type: ignore[misc]
    def __init__(self, sandbox_url: str, scenario: str) -> None:
        super().__init__()
        self.sandbox_url = sandbox_url
        self.scenario = scenario

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # Above fenced_code (25) so our fences are taken first, below whitespace clean-up (30).
        md.preprocessors.register(_OurFences(md, self.sandbox_url, self.scenario), "lunchbox", 27)


def sanitize(html: str) -> str:
    """Keep only the allowlisted tags, attributes, classes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        filter_style_properties={"text-align"},
        clean_content_tags={"script", "style"},
    )


def render_markdown(text: str, sandbox_url: str = "/sandbox/", scenario: str = "") -> str:
    """Sanitized HTML for lesson Markdown; sandbox fences link to `sandbox_url`."""
    md = markdown.Markdown(
        extensions=["fenced_code", "tables", "sane_lists", _LessonExtension(sandbox_url, scenario)],
        output_format="html",
    )
    # Wide tables scroll sideways inside their own box on a phone, not the whole page.
    html = sanitize(str(md.convert(text)))
    return html.replace("<table>", '<div class="table-scroll"><table>').replace(
        "</table>", "</table></div>")
