"""Hostile and malformed YAML: always a positioned ManifestError, never a hang or a crash."""

from __future__ import annotations

import pytest

from sandbox.engine.manifests import NOTHING_TO_RUN, load_manifests
from sandbox.engine.problems import ManifestError, Problem
from sandbox.engine.yamlsafe import (
    MAX_BYTES,
    Mapping,
    Scalar,
    Sequence,
    load_yaml_mapping,
    safe_load_documents,
)

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:1.27
"""


def problems_of(text: str | bytes) -> tuple[Problem, ...]:
    with pytest.raises(ManifestError) as caught:
        load_manifests(text)
    return caught.value.problems


def only_problem(text: str | bytes) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        previous, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------- size limits


def test_paste_over_256_kib_is_refused_before_parsing() -> None:
    paste = POD + "#" * (300 * 1024 - len(POD) - 1) + "\n"
    problem = only_problem(paste)
    assert problem.message == "the text is 300 KiB; at most 256 KiB is accepted"
    assert problem.line is None


def test_a_paste_one_byte_over_the_limit_does_not_read_as_equal_to_it() -> None:
    paste = POD + "#" * (MAX_BYTES - len(POD)) + "\n"
    assert only_problem(paste).message == "the text is 256.1 KiB; at most 256 KiB is accepted"


def test_paste_size_is_measured_in_utf8_bytes() -> None:
    # 140 000 characters are fewer than 256 Ki, but "é" is two bytes in UTF-8.
    paste = POD + "# " + "é" * 140_000 + "\n"
    assert len(paste) < MAX_BYTES
    assert "at most 256 KiB" in only_problem(paste).message


def test_paste_just_under_the_limit_is_read() -> None:
    paste = POD + "# " + "x" * (MAX_BYTES - len(POD) - 10) + "\n"
    assert [obj.name for obj in load_manifests(paste)] == ["web"]


def test_more_than_100_documents_are_refused_at_the_101st() -> None:
    paste = "---\n".join([POD.replace("name: web\nspec", f"name: p{i}\nspec") for i in range(200)])
    problem = only_problem(paste)
    assert problem.message == "more than 100 YAML documents"
    assert problem.line == 100 * (POD.count("\n") + 1)  # the `---` opening the 101st


def test_nesting_deeper_than_64_levels_is_refused() -> None:
    problem = only_problem("a: " + "[" * 200 + "]" * 200 + "\n")
    assert problem.message == "nesting deeper than 64 levels"
    assert (problem.line, problem.column) == (1, 4 + 63)


def test_billion_laughs_is_refused_as_an_alias_bomb() -> None:
    problem = only_problem(billion_laughs())
    assert "aliases expand this document to more than 100000 values" in problem.message
    assert problem.line == 6  # the level whose expansion first passes the limit


def test_aliases_that_nest_too_deep_are_refused() -> None:
    lines = ["a0: &a0 [[[[[[[[[[1]]]]]]]]]]"]
    lines += [f"a{i}: &a{i} [[[[[[[[[[*a{i - 1}]]]]]]]]]]" for i in range(1, 10)]
    problem = only_problem("\n".join(lines) + "\n")
    assert problem.message == "aliases nest this document deeper than 64 levels"


def test_a_few_small_aliases_are_fine() -> None:
    paste = POD.replace("spec:\n", "spec:\n  nodeSelector: &sel {disk: ssd}\n") \
        .replace("    image: nginx:1.27\n", "    image: nginx:1.27\n") + "---\n" + \
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n  labels: &l {a: b}\n" \
        "  annotations: *l\n"
    objects = load_manifests(paste)
    assert objects[0].pod_spec is not None
    assert objects[0].pod_spec.node_selector == (("disk", "ssd"),)
    assert objects[1].body["metadata"]["annotations"] == {"a": "b"}


def test_alias_into_its_own_anchor_is_refused() -> None:
    problem = only_problem("a: &x [1, *x]\n")
    assert problem.message == "alias *x points into its own anchor (a cycle)"
    assert (problem.line, problem.column) == (1, 11)


def test_undefined_alias_is_reported_with_its_position() -> None:
    problem = only_problem("a: 1\nb: *nowhere\n")
    assert problem.message == "alias *nowhere has no anchor &nowhere before it"
    assert (problem.line, problem.column) == (2, 4)


def test_a_flood_of_problems_is_capped_with_a_count_of_the_rest() -> None:
    problems = problems_of("a: 1\n" * 1000)
    assert len(problems) == 51
    assert problems[-1].message == "… and 949 more problems of the same kinds"


# ------------------------------------------------------------------------------------- tags


def test_python_object_tag_is_refused_and_never_constructed() -> None:
    problem = only_problem("a: !!python/object/apply:os.system ['touch /tmp/pwned']\n")
    assert problem.message == "YAML tag !!python/object/apply:os.system is not allowed"
    assert (problem.line, problem.column) == (1, 4)


@pytest.mark.parametrize(("text", "tag"), [
    ("a: !!binary aGVsbG8=\n", "!!binary"),
    ("a: !!set {p, q}\n", "!!set"),
    ("a: !custom 1\n", "!custom"),
    ("a: !!python/name:os.system\n", "!!python/name:os.system"),
    ("a: !!timestamp 2001-12-14\n", "!!timestamp"),
])
def test_unknown_tags_are_refused(text: str, tag: str) -> None:
    assert only_problem(text).message == f"YAML tag {tag} is not allowed"


def test_standard_scalar_tags_are_read() -> None:
    (document,) = safe_load_documents("a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: ! 5\n")
    assert document.root is not None
    assert document.root.plain() == {"a": "12", "b": 7, "c": 1.0, "d": "5"}


# ----------------------------------------------------------------------------- bad content


def test_every_duplicate_key_is_reported_at_the_second_occurrence() -> None:
    paste = POD.replace("  name: web\n", "  name: web\n  name: other\n") \
        .replace("    image: nginx:1.27\n", "    image: nginx:1.27\n    image: nginx:1.26\n")
    problems = problems_of(paste)
    assert [(p.line, p.column, p.message) for p in problems] == [
        (5, 3, 'duplicate key "name" (first at line 4, column 3)'),
        (10, 5, 'duplicate key "image" (first at line 9, column 5)'),
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("1: a\n", "mapping keys must be strings (`1` reads as an integer)"),
    ("y: 2\n", "mapping keys must be strings (`y` reads as a boolean)"),
    ("~: 2\n", "mapping keys must be strings (`~` reads as null)"),
    ("[a, b]: 2\n", "mapping keys must be strings, not a list"),
])
def test_non_string_keys_are_refused(text: str, message: str) -> None:
    problem = only_problem(text)
    assert (problem.message, problem.line, problem.column) == (message, 1, 1)
    assert problem.hint == "put the key in quotes"


def test_quoted_keys_that_look_like_numbers_are_strings() -> None:
    (document,) = safe_load_documents('"1": a\n"y": b\n')
    assert document.root is not None
    assert document.root.plain() == {"1": "a", "y": "b"}


def test_integers_beyond_64_bits_are_refused() -> None:
    problem = only_problem("spec:\n  replicas: 123456789012345678901234567890\n")
    assert problem.message == "integer 123456789012345678901234567890 is too large " \
        "(more than 64 bits)"
    assert (problem.line, problem.column) == (2, 13)


def test_thousands_of_digits_do_not_reach_int_conversion() -> None:
    problem = only_problem("a: " + "9" * 5000 + "\n")
    assert "is too large" in problem.message


def test_nul_byte_is_refused_with_its_position() -> None:
    problem = only_problem("a: 1\nb: x\x00y\n")
    assert (problem.message, problem.line, problem.column) == ("NUL byte in the text", 2, 5)


def test_invalid_utf8_bytes_are_refused_with_their_position() -> None:
    problem = only_problem(b"a: 1\nbb: \xff\xfe\n")
    assert problem.message == "invalid UTF-8 (byte 0xff)"
    assert (problem.line, problem.column) == (2, 5)


def test_lone_surrogate_is_refused_as_invalid_utf8() -> None:
    problem = only_problem("a: \udcff\n")
    assert (problem.message, problem.line, problem.column) == ("invalid UTF-8 in the text", 1, 4)


def test_control_character_is_refused() -> None:
    assert only_problem("a: \x07\n").message == "control character U+0007 is not allowed in YAML"


# ---------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(("text", "line", "column"), [
    ("kind: Pod\nspec:\n\tcontainers: []\n", 3, 1),
    ("kind: Pod\nspec:\n  containers: []\n\tnodeName: a\n", 4, 1),
    ("kind: Pod\nspec:\n  \tcontainers: []\n", 3, 3),
])
def test_tab_in_indentation_gets_a_tab_hint(text: str, line: int, column: int) -> None:
    problem = only_problem(text)
    assert problem.message == "tab character in the indentation"
    assert problem.hint == "YAML indents with spaces only: replace the tab with spaces"
    assert (problem.line, problem.column) == (line, column)


def test_colon_inside_a_value_is_a_plain_syntax_error() -> None:
    problem = only_problem("kind: Pod\nmetadata:\n  name: web: 1\n")
    assert problem.message == "mapping values are not allowed here"
    assert problem.hint == "a colon inside a value needs quotes, or check the indentation"
    assert (problem.line, problem.column) == (3, 12)


def test_unclosed_flow_list_points_at_where_the_parser_gave_up() -> None:
    problem = only_problem("a: [1, 2\nb: 3\n")
    assert problem.line == 2
    assert problem.message.startswith("did not find expected ',' or ']'")
    assert "line 1, column 4" in problem.message


def test_unterminated_quote_is_reported() -> None:
    problem = only_problem('a: "open\n')
    assert problem.message.startswith("found unexpected end of stream")
    assert problem.hint == "a quote or bracket is never closed"


def test_unusual_line_breaks_keep_editor_line_numbers() -> None:
    # libyaml counts U+2028 as a line break; editors do not: the pure parser is used then.
    problem = only_problem("a: x\u2028y\nb: c: d\n")
    assert (problem.line, problem.column) == (2, 5)


# ----------------------------------------------------------------------------- empty input


@pytest.mark.parametrize("text", ["", "\n\n", "# just a comment\n", "---\n---\n", "--- ~\n"])
def test_paste_without_any_object_is_nothing_to_run(text: str) -> None:
    assert only_problem(text).message == NOTHING_TO_RUN


def test_empty_documents_are_skipped_but_counted_in_document_numbers() -> None:
    objects = load_manifests("---\n---\n" + POD)
    assert [(obj.name, obj.document) for obj in objects] == [("web", 1)]


# ------------------------------------------------------------------------ the positioned tree


@pytest.mark.parametrize(("written", "value"), [
    ("yes", True), ("No", False), ("on", True), ("OFF", False), ("y", True), ("n", False),
    ("true", True), ("~", None), ("null", None), ("", None),
    ("0755", 493), ("0x1F", 31), ("0b101", 5), ("1_000", 1000), ("-12", -12), ("+3", 3),
    ("1.5", 1.5), ("1e3", 1000.0), ("08", 8.0),
    ("2001-12-14", "2001-12-14"), ("1.25.3", "1.25.3"), ("nginx:1.27", "nginx:1.27"),
    ("'yes'", "yes"), ('"0755"', "0755"),
])
def test_plain_scalars_resolve_like_kubectl(written: str, value: object) -> None:
    (document,) = safe_load_documents(f"v: {written}\n")
    assert isinstance(document.root, Mapping)
    got = document.root.values["v"].plain()
    assert got == value and type(got) is type(value)


def test_every_node_carries_a_one_based_position() -> None:
    (document,) = safe_load_documents("top:\n  list:\n  - first\n  - {k: v}\n")
    root = document.root
    assert isinstance(root, Mapping) and (root.line, root.column) == (1, 1)
    top = root.values["top"]
    assert isinstance(top, Mapping) and (top.line, top.column) == (2, 3)
    assert (top.keys["list"].line, top.keys["list"].column) == (2, 3)
    items = top.values["list"]
    assert isinstance(items, Sequence) and (items.line, items.column) == (3, 3)
    first, second = items.items
    assert isinstance(first, Scalar) and (first.line, first.column, first.value) == (3, 5, "first")
    assert isinstance(second, Mapping) and (second.line, second.column) == (4, 5)


def test_merge_keys_add_only_the_keys_not_written() -> None:
    (document,) = safe_load_documents("base: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\n")
    assert isinstance(document.root, Mapping)
    assert document.root.plain()["m"] == {"z": 3, "x": 1}


def test_load_yaml_mapping_returns_the_single_top_level_mapping() -> None:
    root = load_yaml_mapping("nodes:\n- name: a\n", what="scenario")
    assert root.plain() == {"nodes": [{"name": "a"}]}


@pytest.mark.parametrize(("text", "message", "line"), [
    ("", "the scenario is empty", 1),
    ("- a\n", "the scenario must be a mapping (`key: value` lines), not a list", 1),
    ("a: 1\n---\nb: 2\n", "the scenario must be a single YAML document", 2),
])
def test_load_yaml_mapping_refuses_other_shapes(text: str, message: str, line: int) -> None:
    with pytest.raises(ManifestError) as caught:
        load_yaml_mapping(text, what="scenario")
    (problem,) = caught.value.problems
    assert (problem.message, problem.line) == (message, line)


def test_load_yaml_mapping_applies_the_same_limits() -> None:
    with pytest.raises(ManifestError) as caught:
        load_yaml_mapping(billion_laughs(), what="scenario")
    assert "aliases expand" in caught.value.problems[0].message
