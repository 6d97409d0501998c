"""The C-parser fast path for flow scalars with colons (`yamlsafe.flowquote`) reads every text
exactly as the pure-Python parser does: the same values, the same line and column on every
node, the same problems; where it cannot show that, it gives the text to the pure parser."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from sandbox.engine.problems import ManifestError
from sandbox.engine.yamlsafe import Mapping, Scalar, Sequence, safe_load_documents
from sandbox.engine.yamlsafe import load as yamlload
from sandbox.engine.yamlsafe.flowquote import Unproven, rewrite
from sandbox.engine.yamlsafe.tree import Document, Node

LIMITS = {"max_documents": 100, "max_depth": 64, "max_nodes": 100_000}


def _corpus() -> Any:
    path = Path(__file__).resolve().parents[1] / "hostile" / "hostile_corpus.py"
    spec = importlib.util.spec_from_file_location("hostile_corpus_fast_path", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def shape(node: Node | None, seen: dict[int, Any] | None = None) -> Any:
    """Everything the composer records about a node, positions and types included."""
    seen = {} if seen is None else seen
    if node is None:
        return None
    if id(node) in seen:
        return ("alias-of", seen[id(node)])
    seen[id(node)] = (type(node).__name__, node.line, node.column)
    if isinstance(node, Scalar):
        return ("S", type(node.value).__name__, repr(node.value), node.line, node.column,
                node.quoted, node.text)
    if isinstance(node, Sequence):
        return ("L", node.line, node.column, node.size, node.height,
                [shape(item, seen) for item in node.items])
    assert isinstance(node, Mapping)
    return ("M", node.line, node.column, node.size, node.height,
            [(shape(key, seen), shape(value, seen)) for key, value in node.items()])


def outcome(documents: list[Document]) -> Any:
    return [(doc.index, doc.line, doc.column, shape(doc.root)) for doc in documents]


def problems(error: ManifestError) -> Any:
    return [(p.message, p.line, p.column, p.hint) for p in error.problems]


def pure(text: str) -> Any:
    try:
        return outcome(yamlload._compose(text, LIMITS, pure=True))
    except ManifestError as error:
        return problems(error)


def fast(text: str) -> Any:
    """What the fast path gives, or None when it declines (the pure parser is used then)."""
    done = rewrite(text[1:] if text.startswith("\ufeff") else text)
    if done is None:
        return None
    try:
        return outcome(yamlload._compose(text, LIMITS, pure=False, fast=done))
    except ManifestError as error:
        return problems(error)
    except Unproven:
        return None


def needs_pure(text: str) -> bool:
    """The C parser alone refuses the text with its flow-colon error (the case at hand)."""
    try:
        yamlload._compose(text, LIMITS, pure=False)
    except yamlload._FlowColon:
        return True
    except ManifestError:
        return False
    return False


REALISTIC = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web, tier: front}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists}]
      imagePullSecrets: [{name: regcred}]
      containers:
      - {name: web, image: registry.example.com:5000/team/web:1.4.2, ports: [{containerPort: 80}]}
      - name: sidecar
        image: busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        command: [sh, -c, "while true; do sleep 3600; done"]
        env: [{name: UPSTREAM, value: http://api:8080/v1}, {name: MODE, value: "a:b"}]
        resources: {limits: {cpu: 500m, memory: 128Mi}, requests: {cpu: 100m}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: conf}
data:
  config.json: |
    {"listen": "0.0.0.0:80", "upstreams": [api:8080]}
  level: {debug: 'on'}
"""

TAKEN = [
    REALISTIC,
    "{name: web, image: nginx:1.25}\n",
    "a: {b: c:d}\n",
    "a: [x:1, 'y:2', \"z:3\", w]\n",
    "containers: [{name: c0, image: nginx:1.25}, {name: c1, image: registry.io:5000/a/b:v1}]\n",
    "a: {k: v, url: http://example.com:80/x?y=1}\n",
    "a: {it's: o'clock:now}\n",
    "a: {key:with:colons: value}\n",
    "a: {b: x:y z:w, c: 1, d: yes, e: 0755, f: ~, g: 1.5, h: .inf}\n",
    "a: {b: é:ü, c: 😀:x, d: 日本:語}\n",
    "a: {b: c:d}  # a comment {x: y:z}\nb: 'quoted {x: y:z}'\n",
    "a: [\n  {name: a, image: nginx:1.25},  # first\n  {name: b, image: 'nginx:1.26'},\n]\n",
    "a: {\n  b: c:d,\n\n  e: f:g\n}\n",
    "a: &x {b: c:d}\nb: *x\nc: {d: &y e:f, g: *y}\n",
    "a: {b: [c:d, {e: f:g}], h: {i: {j: k:l}}}\n",
    "a: {\"q\":c:d, 'r': s:t}\n",
    "a: {b: c:}\nd: [e:, f]\n",
    "a: {b:c}\n",
    "a: {b: \"x: {y}, z\", c: d:e}\n",
    "a: {b: c:d, b: e:f}\n",
    "a: {1: c:d}\n",
    "a: {b: c:d}\nbad: [1, 2\n",
    "\ufeffa: {b: c:d}\n",
    "a: {b: c:d}\r\ne: {f: g:h}\r\n",
    "- {name: c0, image: nginx:1.25}\n- {name: c1, image: nginx:1.25}\n",
    "--- \na: {b: c:d}\n---\ne: [f:g]\n",
    "a: |\n  {not: flow:here}\nb: {c: d:e}\n",
    "a: >-\n  text {x: y:z}\n\nb: [c:d]\n",
    "a: {b: x?y}\n",
    "a: {b: -c:d, e: -1}\n",
    "a: {b: c#d:e}\n",
    "a: {b: 99999999999999999999:x, c: 99999999999999999999}\n",
    "a: {b: !!str c, d: e:f}\n",
    "a: [{b: c:d}]\nb: {e: f, e: g:h}\n",
    "key: {a: b:c} # trailing\n",
    "a: {b: 'multi\n  line', c: d:e}\n",
    "a: {b: \"esc\\\" {x:y}\", c: d:e}\n",
    "a: [b:c, [d:e, [f:g]]]\n",
    "a: [b: c:d, e]\n",
    "a: {b: c:d   }\n",
    "a: {b: c:d,e: f}\n",
    "a: {b: c:d, e: , f: }\nb: [g:h, i: ]\nc: {j: k:l, m:\n  # c\n  }\n",
    "a: {b: c:d, : e}\n",
    "a: [b:c, : e]\n",
    "a: {b: c:d}\nb: [c, {d: }]\ne:\n",
    "a: {b: c:d}\ne: &x\nf: !!str\ng: !!null\nh: [&y , i: &z ]\n",
    "a: {b: c:d}\nb:\n  - \n  - &x\n  -\nc: &y\n  d:\n",
]


@pytest.mark.parametrize("text", TAKEN)
def test_fast_path_reads_like_the_pure_parser(text: str) -> None:
    expected = pure(text)
    result = fast(text)
    assert result is None or result == expected
    if not needs_pure(text):
        return  # the C parser reads it alone
    try:  # and the entry point, whichever path it takes
        public: Any = outcome(safe_load_documents(text))
    except ManifestError as error:
        public = problems(error)
    assert public == expected


@pytest.mark.parametrize("text", [
    REALISTIC,
    "a: {name: web, image: nginx:1.25}\n",
    "a: [\n  {name: a, image: nginx:1.25},\n  {name: b, image: nginx:1.26},\n]\n",
    "a: {b: é:ü, c: 😀:x}\n",
    "a: {it's: o'clock:now}\n",
    "a: {b: c:d, b: e:f}\n",
    "a: &x {b: c:d}\nb: *x\nc: {d: &y e:f, g: *y}\n",
    "\ufeffa: {b: c:d}\n",
    "a: {b: c:d}\r\ne: {f: g:h}\r\n",
    "a: |\n  {not: flow:here}\nb: {c: d:e}\n",
    "a: {b: c:d}  # a comment {x: y:z}\nb: 'quoted {x: y:z}'\n",
])
def test_the_fast_path_is_taken_for_ordinary_flow_pastes(text: str) -> None:
    assert needs_pure(text)
    assert fast(text) is not None


@pytest.mark.parametrize("text", [
    "a: {b: c:d\n  e}\n",  # a plain scalar on two lines
    "a: {b: c:d}\tx\n",  # a tab
    "a: {? b: c:d}\n",  # an explicit key
    "a: {b: c:d, [e]: f}\n",  # a collection as a key
    "a: {b: c:d\n",  # never closed
])
def test_what_the_rewrite_does_not_model_goes_to_the_pure_parser(text: str) -> None:
    assert fast(text) is None
    # and the public entry point still reads it like the pure parser
    try:
        public: Any = outcome(safe_load_documents(text))
    except ManifestError as error:
        public = problems(error)
    assert public == pure(text)


@pytest.mark.parametrize(("text", "limits"), [
    ("a: " + "[" * 70 + "b:c" + "]" * 70 + "\n", LIMITS),
    ("a: [" + ", ".join(f"{{k: v:{i}}}" for i in range(40)) + "]\n", {**LIMITS, "max_nodes": 50}),
    ("a: &x [b:c, d:e]\nb: [*x, *x, *x, *x, *x, *x]\n", {**LIMITS, "max_nodes": 12}),
    ("".join(f"---\na: {{b: c:{i}}}\n" for i in range(5)), {**LIMITS, "max_documents": 3}),
])
def test_limits_stop_the_fast_path_where_they_stop_the_pure_one(
        text: str, limits: dict[str, int]) -> None:
    done = rewrite(text)
    assert done is not None
    with pytest.raises(ManifestError) as on_fast:
        yamlload._compose(text, limits, pure=False, fast=done)
    with pytest.raises(ManifestError) as on_pure:
        yamlload._compose(text, limits, pure=True)
    assert problems(on_fast.value) == problems(on_pure.value)


@pytest.mark.parametrize("text", [
    "a: {b: x?y}\n", "a: [x?y, z]\n", "a: [x ?y]\n", "a: {x?y: 1}\n",
])
def test_a_question_mark_inside_a_flow_scalar_is_read_like_the_pure_parser(text: str) -> None:
    # libyaml ends a flow plain scalar at `?` and refuses the rest; kubectl and ruamel's pure
    # parser read `x?y`. Such a paste takes the same way as one with a colon.
    assert needs_pure(text)
    assert outcome(safe_load_documents(text)) == pure(text)


def test_a_long_quoted_key_is_left_to_the_pure_parser() -> None:
    text = "a: {" + "k:" * 600 + ": v}\n"
    assert fast(text) is None


def test_the_hostile_corpus_reads_the_same_on_both_paths() -> None:
    hostile = _corpus()
    compared = 0
    for case in [*hostile.PASTES, *hostile.SCENARIOS]:
        if not isinstance(case.text, str):
            continue
        try:
            text = yamlload._checked_text(case.text, 256 * 1024)
        except ManifestError:
            continue
        result = fast(text)
        if result is not None:
            compared += 1
            assert result == pure(text), case.id
    assert compared >= 2


_ATOMS = [  # flow scalars: most are ordinary, some are what the rewrite must handle or refuse
    "a", "b c", "nginx:1.25", "http://h:80/p?q=1", "x?y", "it's", "o'k:x", "é:ü", "😀:1",
    "-1", "-a:b", "1", "0x1F", "yes", "~", "null", ".5", "1e3", "k:", "a#b", "a#b:c", "c:d e:f",
    "'q:x'", "'it''s'", '"d:x"', '"e\\"s"', '"{a: b}"', "'[x, y]'", "&an v:1", "*an", "''",
    "k:v:w", "::x", "a::b", "99999999999999999999:1", "!!str s", "%x", "? x", ": x", "- x",
]
_COMMON = ["a", "nginx:1.25", "c:d", "b c", "1", "x:y z", "registry.io:5000/app:v1", "~"]
_SPACES = ["", " ", "  ", "\n", "\n    ", " # c\n    ", "\n\n    "]


def _flow(rng: random.Random, depth: int) -> str:
    def atom() -> str:
        if depth < 3 and rng.random() < 0.2:
            return _flow(rng, depth + 1)
        return rng.choice(_ATOMS if rng.random() < 0.3 else _COMMON)

    def gap() -> str:
        return rng.choice(_SPACES) if rng.random() < 0.2 else " "

    count = rng.randint(0, 4)
    if rng.random() < 0.6:
        entries = []
        for index in range(count):
            roll = rng.random()
            if roll < 0.75:
                entries.append(f"k{index}:{gap()}{atom()}")
            elif roll < 0.85:
                entries.append(f"k{index}:{rng.choice(['', ' ', gap()])}")
            else:
                entries.append(atom())
        return "{" + gap() + ("," + gap()).join(entries) + gap() + "}"
    return "[" + gap() + ("," + gap()).join(atom() for _ in range(count)) + gap() + "]"


_BLOCK_VALUES = [
    "plain", "'q: x'", "1", "nginx:1.25", "*an", "two words\n    go on", '"esc \\x41 \\u00e9 \\t"',
    '"multi\n    line"', "'it''s'", "~", "yes", "0o17", "a # comment", "!!str 1", "&an x",
]


def _block(rng: random.Random, indent: int, depth: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    sequence = rng.random() < 0.3
    for index in range(rng.randint(1, 4)):
        lead = f"{pad}- " if sequence else f"{pad}key{index}:"
        roll = rng.random()
        if roll < 0.5:
            anchor = "&an " if rng.random() < 0.1 else ""
            lines.append(f"{lead}{'' if sequence else ' '}{anchor}{_flow(rng, 0)}"
                         + rng.choice(["", "", " # note", "  "]))
        elif roll < 0.65:
            lines.append(f"{lead}{'' if sequence else ' '}" + rng.choice(_BLOCK_VALUES))
        elif roll < 0.75:
            empty = lead.rstrip() if sequence else lead
            lines.append(empty + rng.choice(["", "", " &an", " !!str", " # note"]))
        elif roll < 0.82:
            lines.append(f"{lead}{'' if sequence else ' '}" + rng.choice(["|", "|-", ">+", ">"]))
            lines += [f"{pad}  {{text: not:flow}}", "", f"{pad}   more"][:rng.randint(1, 3)]
        elif depth < 3:
            lines.append(lead.rstrip() if sequence else lead)
            # a list under a key may be written at the key's own indentation
            deeper = indent if not sequence and rng.random() < 0.2 else indent + 2
            lines += _block(rng, deeper, depth + 1)
        else:
            lines.append(f"{pad}# a comment {{x: y:z}}")
    return lines


def test_random_pastes_read_the_same_on_both_paths() -> None:
    rng = random.Random(20261203)
    taken = 0
    rounds = 3000
    for _ in range(rounds):
        text = "\n".join(_block(rng, 0, 0))
        text += rng.choice(["\n", "\n", "", "\n\n"])
        if rng.random() < 0.05:
            text = text.replace("\n", "\r\n")
        if rng.random() < 0.05:
            text = "\ufeff" + text
        if rng.random() < 0.05:
            text = text + rng.choice(["---\n", "...\n---\n", "---\n---\n"]) + text
        result = fast(text)
        if result is not None:
            taken += 1
            assert result == pure(text), text
    assert taken > rounds // 3


_PIECES = [*"ab:: ,,[]{}#'\"-?&*!|>%@`\n\\.1é😀", "nginx:1.25", "k: v", ": ", "- ", "  ", "\n  ",
           "&x ", "*x", "'a:b'", '"c:d"', "--- ", "..."]


def test_random_characters_in_flow_collections_read_the_same_on_both_paths() -> None:
    rng = random.Random(12032026)
    taken = 0
    for _ in range(3000):
        lead = rng.choice(["a: {", "a: [", "- {", "- [", "{", "[", "a: &x {", "k: {x: y:z, "])
        body = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 25)))
        text = (lead + body + ("}" if "{" in lead else "]")
                + rng.choice(["\n", "", "\nb: c\n", "\nb: {c: d:e}\n", " # z\n"]))
        result = fast(text)
        if result is not None:
            taken += 1
            assert result == pure(text), text
    assert taken > 60
