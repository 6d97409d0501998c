"""kubectl's JSONPath (`-o jsonpath=…`), against client-go's own test tables
(staging/src/k8s.io/client-go/util/jsonpath/jsonpath_test.go and parser_test.go: the inputs and
the expected outputs carried over as data), then through the learner's console."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from sandbox.engine.kubectl.jsonpath import JSONPathError, custom_columns, jsonpath, relaxed

sys.path.insert(0, str(Path(__file__).parent))
from test_console import Console  # noqa: E402

NODES = json.loads("""{
  "kind": "List",
  "items": [
    {"kind": "None",
     "metadata": {"name": "127.0.0.1", "labels": {"kubernetes.io/hostname": "127.0.0.1"}},
     "status": {"capacity": {"cpu": "4"}, "ready": true,
                "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]}},
    {"kind": "None",
     "metadata": {"name": "127.0.0.2", "labels": {"kubernetes.io/hostname": "127.0.0.2"}},
     "status": {"capacity": {"cpu": "8"}, "ready": false,
                "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.2"},
                              {"type": "another", "address": "127.0.0.3"}]}}
  ],
  "users": [{"name": "myself", "user": {}},
            {"name": "e2e", "user": {"username": "admin", "password": "secret"}}]
}""")
POINTS = json.loads("""[
  {"id": "i1", "x": 4, "y": -5}, {"id": "i2", "x": -2, "y": -5, "z": 1},
  {"id": "i3", "x": 8, "y": 3}, {"id": "i4", "x": -6, "y": -1},
  {"id": "i5", "x": 0, "y": 2, "z": 1}, {"id": "i6", "x": 1, "y": 4},
  {"id": "i7", "x": null, "y": 4}
]""")
PODS = {"items": [
    {"metadata": {"name": "pod1"}, "spec": {"containers": [
        {"name": "foo", "another": [{"name": "value1"}, {"name": "value2"}]},
        {"name": "bar", "another": [{"name": "value1"}, {"name": "value2"}]}]}},
    {"metadata": {"name": "pod2"}, "spec": {"containers": [
        {"name": "baz", "another": [{"name": "value1"}, {"name": "value2"}]}]}}]}


@pytest.mark.parametrize("template, data, expected", [
    # TestKubernetes
    ("{range .items[*]}{.metadata.name}, {end}{.kind}", NODES, "127.0.0.1, 127.0.0.2, List"),
    ('{range .items[*]}{.metadata.name}{"\\t"}{end}', NODES, "127.0.0.1\t127.0.0.2\t"),
    ("{.items[*].status.addresses[*].address}", NODES, "127.0.0.1 127.0.0.2 127.0.0.3"),
    ("{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}", NODES,
     "127.0.0.1, 127.0.0.2, 127.0.0.3, "),
    ("{.items[*].metadata.name}", NODES, "127.0.0.1 127.0.0.2"),
    ("{.items[*]['metadata.name', 'status.capacity']}", NODES,
     '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}'),
    ("{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}", NODES,
     '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] '),
    ('{.users[?(@.name=="e2e")].user.password}', NODES, "secret"),
    ("{.items[0].metadata.labels.kubernetes\\.io/hostname}", NODES, "127.0.0.1"),
    ('{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}', NODES,
     "None"),
    ("{.items[?(@..ready==true)].metadata.name}", NODES, "127.0.0.1"),
    # TestJSONInput
    ("{[?(@.z)].id}", POINTS, "i2 i5"),
    ("{[0]['id']}", POINTS, "i1"),
    ("{[-1]['x']}", POINTS, "null"),
    # TestEmptyRange
    ("{range .items[*]}{.metadata.name}{end}", {"items": []}, ""),
    ('{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}'
     "{end}", {"items": []}, ""),
    # TestNestedRanges
    ('{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}'
     "{end}", PODS, "pod1:foo,bar,+pod2:baz,+"),
    ('{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}'
     '{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}', PODS,
     "pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#"),
    ('{range .items[*]}{.metadata.name}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}'
     '{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\n"}{end}', PODS,
     "pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n"),
    # parser_test: text, quotes, slices
    ("hello jsonpath", {}, "hello jsonpath"),
    ('{"{"}', {}, "{"),
    ("{[1:3].id}", POINTS, "i2 i3"),
    ("{[-2:].id}", POINTS, "i6 i7"),
    ("{[1:-1:2].id}", POINTS, "i2 i4 i6"),
    ("{[?(@.x<0)].id}", POINTS[:6], "i2 i4"),
    ("{[?(@.y>=4)].id}", POINTS, "i6 i7"),
    # what kubectl get allows by default: a missing field gives nothing
    ("{.nothing.here}", NODES, ""),
])
def test_client_go_tables(template: str, data: object, expected: str) -> None:
    assert jsonpath(template, data) == expected


def test_recursive_descent_finds_every_name() -> None:
    assert sorted(jsonpath("{..name}", NODES).split()) == sorted(
        "127.0.0.1 127.0.0.2 myself e2e".split())  # Go maps print in no set order


@pytest.mark.parametrize("template, reason", [
    ("{.hello", "unclosed action"),
    ("{*}", "unrecognized character in action: U+002A '*'"),
    ("{+12.3.0}", "cannot parse number +12.3.0"),
    ("{[1}", "unterminated array"),
    ("{[?(.price]}", "unterminated filter"),
    ("{........}", "invalid multiple recursive descent"),
    ('{"abc}', "unterminated quoted string"),
    ("{[a]}", "invalid array index a"),
    ("{.items[*].metadata.name & x}", "unrecognized character in action: U+0026 '&'"),
])
def test_what_does_not_parse_says_why_as_kubectl_does(template: str, reason: str) -> None:
    with pytest.raises(JSONPathError) as caught:
        jsonpath(template, NODES)
    assert str(caught.value) == f"error parsing jsonpath {template}, {reason}"


@pytest.mark.parametrize("template, reason", [
    ("{.items[5]}", "array index out of bounds: index 5, length 2"),
    ("{.kind[0]}", "string is not array or slice"),
    ("{[?(@.id==1)].x}", "incompatible types for comparison"),
    ("{[?(@.x<0)].id}", "incompatible types for comparison"),  # i7's x is null
    ("{end}", "not in range, nothing to end"),
    ("{.items[0:2:0]}", "step must be > 0"),
])
def test_what_cannot_run_says_why_as_kubectl_does(template: str, reason: str) -> None:
    with pytest.raises(JSONPathError) as caught:
        jsonpath(template, POINTS if "@.id" in template or "@.x" in template else NODES)
    message = str(caught.value)
    assert message.startswith(f"error executing jsonpath {json.dumps(template)}: Error "
                              f"executing template: {reason}. Printing more information")
    assert "\ttemplate was:\n\t\t" + template in message
    assert "object given to jsonpath engine was:\n\t\t" in message


def test_as_json_prints_each_actions_results_as_an_indented_array() -> None:
    assert jsonpath("{.items[*].metadata.name}", NODES, as_json=True) == (
        '[\n    "127.0.0.1",\n    "127.0.0.2"\n]\n')


def test_relaxed_expressions_and_custom_columns() -> None:
    assert {relaxed(e) for e in ("metadata.name", ".metadata.name", "{metadata.name}",
                                 "{.metadata.name}")} == {"{.metadata.name}"}
    table = custom_columns("NAME:.metadata.name,CPU:status.capacity.cpu,X:.nope,ADDR:"
                           ".status.addresses[*].address", NODES["items"])
    assert table == ("NAME        CPU   X        ADDR\n"
                     "127.0.0.1   4     <none>   127.0.0.1\n"
                     "127.0.0.2   8     <none>   127.0.0.2,127.0.0.3\n")
    with pytest.raises(JSONPathError, match="expected <header>:<json-path-expr>"):
        custom_columns("NAME", NODES["items"])


def test_a_hostile_template_is_bounded() -> None:
    with pytest.raises(JSONPathError, match="at most 2000 characters"):
        jsonpath("{" + "." * 5000 + "}", NODES)
    deep: object = "leaf"
    for _ in range(50):
        deep = [deep, deep]  # 2^50 paths if descended naively
    with pytest.raises(JSONPathError, match="more than 100000 values") as caught:
        jsonpath("{..x}", deep)
    assert len(str(caught.value)) < 5000  # the object it failed on is shown, cut


# --- in the console -----------------------------------------------------------------------------


def test_the_console_reads_images_pull_policies_and_digests_with_jsonpath() -> None:
    console = Console()
    console.do("kubectl run pinned --image=nginx:1.25")
    console.do("kubectl run floating --image=nginx:latest")
    console.do("sleep 20")
    policies = console.do("kubectl get pods -o jsonpath='{range .items[*]}{.metadata.name}"
                          '{"="}{.spec.containers[0].imagePullPolicy}{" "}{end}\'')
    assert policies.output == "floating=Always pinned=IfNotPresent \n"  # defaulted by the tag
    digest = console.do("kubectl get pod pinned -o jsonpath="
                        "'{.status.containerStatuses[0].imageID}'").output.strip()
    assert digest.startswith("docker.io/library/nginx@sha256:") and len(digest) == 95
    table = console.do("kubectl get pods -o custom-columns=NAME:.metadata.name,"
                       "IMAGE:.spec.containers[*].image").output
    assert table.splitlines() == ["NAME       IMAGE", "floating   nginx:latest",
                                  "pinned     nginx:1.25"]
    failed = console.do("kubectl get pods -o jsonpath='{.items[7]}'")
    assert failed.exit_code == 1 and failed.error.startswith(
        'error: error executing jsonpath "{.items[7]}": Error executing template: array index '
        "out of bounds: index 7, length 2.")
    other = console.do("kubectl get pods -o go-template='{{.}}'")
    assert other.exit_code == 1 and "not supported here" in other.error
    unknown = console.do("kubectl get pods -o table")
    assert unknown.error.startswith('error: unable to match a printer suitable for the output '
                                    'format "table", allowed formats are: custom-columns,')
