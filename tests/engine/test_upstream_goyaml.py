"""`-o yaml`'s scalars, against go-yaml v2.4.2's own tables (encode_test.go: marshalTests'
string, number and sequence rows, and TestLineWrapping), the version kubectl prints through
(sigs.k8s.io/yaml → go.yaml.in/yaml/v2), then as a real cluster's `get events -o yaml` shows
them."""

from __future__ import annotations

import pytest

from sandbox.engine.kubectl.dry_run import object_yaml
from sandbox.engine.kubectl.goyaml import resolves_to_string


@pytest.mark.parametrize(("value", "expected"), [
    ({"v": "hi"}, "v: hi\n"), ({"v": "true"}, 'v: "true"\n'), ({"v": "false"}, 'v: "false"\n'),
    ({"v": True}, "v: true\n"), ({"v": 10}, "v: 10\n"), ({"v": -10}, "v: -10\n"),
    ({"v": "10"}, 'v: "10"\n'), ({"v": 0.1}, "v: 0.1\n"), ({"v": None}, "v: null\n"),
    ({"v": ""}, 'v: ""\n'), ({"v": ["A", "B"]}, "v:\n- A\n- B\n"),
    ({"v": ["A", "B\nC"]}, "v:\n- A\n- |-\n  B\n  C\n"),
    ({"v": ["A", 1, {"B": [2, 3]}]}, "v:\n- A\n- 1\n- B:\n  - 2\n  - 3\n"),
    ({"a": {"b": "c"}}, "a:\n  b: c\n"), ({"a": "-"}, "a: '-'\n"),
    ({"a": "<foo>"}, "a: <foo>\n"), ({"a": "1:1"}, 'a: "1:1"\n'), ({"a": "\x00"}, 'a: "\\0"\n'),
    ({"a": "你好"}, "a: 你好\n"), ({"a": "2015-02-24T18:19:39Z"}, 'a: "2015-02-24T18:19:39Z"\n'),
    ({"a": "b: c"}, "a: 'b: c'\n"), ({"a": "Hello #comment"}, "a: 'Hello #comment'\n"),
    ({"a": "你好 #comment"}, "a: '你好 #comment'\n"),
])
def test_marshal_rows(value: dict, expected: str) -> None:  # type: ignore[type-arg]
    assert object_yaml(value) == expected


def test_long_lines_fold_past_80_columns() -> None:
    text = ("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 "
            "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 ")
    assert object_yaml({"a": text}) == (
        "a: 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 "
        "abcdefghijklmnopqrstuvwxyz\n  ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 '\n")


@pytest.mark.parametrize(("text", "plain"), [
    ("hi", True), ("true", False), ("Yes", False), ("on", False), ("~", False), ("", False),
    ("1.5", False), (".5", False), ("1e3", False), ("0x1F", False), ("0o17", False),
    ("0b101", False), ("-0b101", False), ("1_000", False), ("+12", False), ("12a", True),
    ("2026-01-01", False), ("2026-1-2T3:4:5Z", False), ("2026-01-01 10:00:00", False),
    ("2026-01-01x", True), ("1:20", False), ("1:60", True), (".inf", False), ("-.inf", False),
    (".x", True), ("nginx:1.25", True), ("v1.2.3", True), ("1.2.3", True), ("<<", False),
])
def test_what_reads_back_as_a_string(text: str, plain: bool) -> None:
    assert resolves_to_string(text) is plain


def test_styles_for_what_kubectl_meets() -> None:
    assert object_yaml({"m": 'Pulling image "nginx"'}) == 'm: Pulling image "nginx"\n'
    assert object_yaml({"f": "spec.containers{web}"}) == "f: spec.containers{web}\n"
    assert object_yaml({"m": "it's"}) == "m: it's\n"
    assert object_yaml({"m": "'quoted' start"}) == "m: '''quoted'' start'\n"
    assert object_yaml({"m": " leading"}) == "m: ' leading'\n"
    assert object_yaml({"m": "tab\there"}) == 'm: "tab\\there"\n'
    assert object_yaml({"m": "emoji 😀"}) == 'm: "emoji \\U0001F600"\n'
    assert object_yaml({"m": "a\n"}) == "m: |\n  a\n"
    assert object_yaml({"m": "a\n\n"}) == "m: |+\n  a\n\n"
    assert object_yaml({"m": " a\nb"}) == "m: |2-\n   a\n  b\n"
    assert object_yaml({"m": "a \nb"}) == 'm: "a \\nb"\n'  # a space before a break: no block
    assert object_yaml({"key: x": 1}) == "'key: x': 1\n"
    assert object_yaml({"": 1}) == '"": 1\n'  # "" reads back as null: double-quoted


def test_a_real_clusters_folded_event_message() -> None:
    # kubectl get events -o yaml, a pull that failed: the message is single-quoted (it holds
    # `: `) and folded at the first space past column 80, continuing under its key + 2.
    message = ('Failed to pull image "nginx:nope": rpc error: code = NotFound desc = failed '
               'to pull and unpack image "docker.io/library/nginx:nope": failed to resolve '
               'reference "docker.io/library/nginx:nope": docker.io/library/nginx:nope: not '
               'found')
    lines = object_yaml({"items": [{"message": message}]}).splitlines()
    assert lines[1].startswith("- message: 'Failed to pull image")
    assert all(line.startswith("    ") for line in lines[2:])
    assert all(len(line.rsplit(" ", 1)[0]) <= 80 for line in lines[1:])
    assert " ".join(line.strip() for line in lines[1:]) == f"- message: '{message}'"
