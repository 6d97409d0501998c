"""Lesson Markdown becomes safe HTML; our fences become diagrams and live sandboxes."""

from __future__ import annotations

import pytest

from lessons.rendering import render_markdown, with_accessible_names


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html and "world" in html


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="/x" onclick="steal()">x</a>', "onclick"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ("<style>body{display:none}</style>", "display:none"),
        ('<div style="position:fixed">x</div>', "position"),
        ('<pre class="mermaid evil">x</pre>', "evil"),
    ],
)
def test_dangerous_html_is_stripped(markdown, forbidden):
    assert forbidden not in render_markdown(markdown)


def test_text_is_escaped():
    html = render_markdown('Compare 5 < 6 & "quotes"')
    assert "5 &lt; 6 &amp;" in html


def test_tables_and_fenced_code_are_kept():
    html = render_markdown(
        "| policy | pulls |\n| --- | --- |\n| Always | yes |\n\n```yaml\nimage: nginx:1.25\n```\n"
    )
    assert "<table>" in html and "<td>Always</td>" in html
    assert '<pre><code class="language-yaml">image: nginx:1.25\n</code></pre>' in html


def test_unknown_code_language_class_is_dropped_but_code_kept():
    html = render_markdown("```brainfuck\nkeep me\n```\n")
    assert "keep me" in html
    assert "brainfuck" not in html


def test_mermaid_fence_becomes_an_escaped_pre_for_the_browser():
    html = render_markdown('```mermaid\nflowchart TD\n  A["<b>x</b>"] --> B\n```\n')
    assert ('<pre class="mermaid">flowchart TD\n  accTitle: Lesson diagram\n'
            '  accDescr: &lt;b&gt;x&lt;/b&gt;\n  A["&lt;b&gt;x&lt;/b&gt;"] --&gt; B</pre>') in html
    assert "<b>" not in html
    assert "<code" not in html


def test_a_diagram_keeps_its_authors_accessible_title_and_description():
    diagram = "flowchart TD\n  accTitle: Policy\n  accDescr: Always pulls\n  A --> B"
    assert with_accessible_names(diagram) == diagram


def test_a_diagram_without_them_gets_its_title_and_the_text_it_shows():
    diagram = '---\ntitle: Pulls\n---\nflowchart LR\n  a["node-a"] -->|pulls 1 MB| b{"Same build?"}'
    assert with_accessible_names(diagram).split("\n")[3:6] == [
        "flowchart LR", "  accTitle: Pulls", "  accDescr: node-a; pulls 1 MB; Same build?"]
    gantt = "gantt\n  title Pulls\n  section node-1\n  Pull web :p1, 0, 10ms"
    assert with_accessible_names(gantt).split("\n")[1:3] == [
        "  accTitle: Pulls", "  accDescr: node-1; Pull web"]


def test_a_diagram_kind_without_accessible_names_is_left_as_written():
    assert with_accessible_names("mindmap\n  root") == "mindmap\n  root"


def test_sandbox_fence_becomes_a_live_sandbox_linking_to_the_scenario():
    html = render_markdown(
        '```sandbox\nmetadata:\n  name: "a&b"\n```\n',
        sandbox_url="/sandbox/?scenario=two-nodes",
        scenario="two-nodes",
    )
    expected = 'data-manifest="metadata:\n  name: &quot;a&amp;b&quot;\n"'
    assert '<div class="live-sandbox" ' + expected in html
    assert 'data-scenario="two-nodes"' in html
    assert 'href="/sandbox/?scenario=two-nodes"' in html
    assert 'name: "a&amp;b"' in html  # shown as code too, escaped


def test_sandbox_fence_cannot_break_out_of_its_attribute():
    html = render_markdown('```sandbox\n"><script>alert(1)</script>\n```\n')
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_tilde_fences_work_for_our_languages_too():
    html = render_markdown("~~~mermaid\nflowchart LR\n  A --> B\n~~~\n")
    assert '<pre class="mermaid">' in html


def test_a_table_is_wrapped_in_a_box_that_scrolls_on_a_phone():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert html.startswith('<div class="table-scroll"><table>')
    assert html.rstrip().endswith("</table></div>")
