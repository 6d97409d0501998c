"""`kubectl get --sort-by`: kubectl's sorter (pkg/cmd/get/sorter.go) and Go's sort.Sort under it.

`data/go1.19-sort.json` is what a real Go (1.19.8, Debian's golang-go) did: `sort.Sort` over
the indexes of each `keys` list, `Less` comparing the keys (so equal keys show where Go's
unstable sort leaves them), the permutation it left recorded as `order`. The program:

    type byKey struct{ keys, idx []int }
    func (b byKey) Len() int           { return len(b.idx) }
    func (b byKey) Less(i, j int) bool { return b.keys[b.idx[i]] < b.keys[b.idx[j]] }
    func (b byKey) Swap(i, j int)      { b.idx[i], b.idx[j] = b.idx[j], b.idx[i] }

Go 1.19 seeds breakPatterns' xorshift with the shifts 13, 17, 5; kubectl is built with a Go
that shifts 13, 7, 17 (golang/go#70144), the only difference, so the rows are checked with the
old shifts.
"""

from __future__ import annotations

import json
import re
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from sandbox.engine.kubectl import sorting
from sandbox.engine.kubectl.sorting import Unsortable, go_sort, is_less, quantity

sys.path.insert(0, str(Path(__file__).parent))
from test_console import Console, deployment  # noqa: E402

GO_ROWS = json.loads((Path(__file__).parent / "data" / "go1.19-sort.json").read_text())


@pytest.mark.parametrize("row", GO_ROWS, ids=lambda r: f"n{len(r['keys'])}"
                         + ("-breaks-patterns" if r["breaks_patterns"] else ""))
def test_go_sort_leaves_equal_keys_where_go_does(row: dict[str, list[int]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sorting, "XORSHIFT", (13, 17, 5))
    keys = row["keys"]
    assert go_sort(list(range(len(keys))), lambda i, j: keys[i] < keys[j]) == row["order"]


def test_the_recorded_rows_reach_break_patterns() -> None:
    assert sum(row["breaks_patterns"] for row in GO_ROWS) >= 40


@pytest.mark.parametrize(("text", "value"), [
    ("100m", Fraction(1, 10)), ("1Gi", Fraction(2**30)), ("1e3", Fraction(1000)),
    ("5", Fraction(5)), ("0.5", Fraction(1, 2)), ("-2k", Fraction(-2000)), ("1.G", 10**9),
    ("E", Fraction(0)), ("-", Fraction(0)), ("007", Fraction(7)), ("1E-2", Fraction(1, 100)),
    ("", None), ("web-1", None), ("e", None), ("K", None), ("1Kb", None),
    ("2026-01-01T00:00:00Z", None), ("12a", None),
])
def test_quantity_reads_as_parse_quantity(text: str, value: Fraction | None) -> None:
    assert quantity(text) == value


@pytest.mark.parametrize(("left", "right", "less"), [
    (None, "a", True), ("a", None, False), (None, None, False),
    (1, 2, True), (2.5, 1.5, False), ("100m", "1", True), ("2Gi", "900Mi", False),
    ("9", "10", True),  # both quantities: by value, not by text
    ("web-9", "web-10", False),  # not quantities: byte by byte
    ("2026-01-01T00:00:09Z", "2026-01-01T00:00:10Z", True),
])
def test_is_less_follows_sorters_is_less(left: object, right: object, less: bool) -> None:
    assert is_less(left, right) is less


@pytest.mark.parametrize(("left", "right", "message"), [
    (True, False, "unsortable type: bool"),
    ({"a": 1}, {"b": 2}, "unsortable type: map[string]interface {}"),
    (1, "1", "unsortable interface: interface"),
    (1, 1.5, "unsortable interface: interface"),
])
def test_is_less_refuses_what_kubectl_cannot_sort(left: object, right: object,
                                                  message: str) -> None:
    with pytest.raises(Unsortable, match=re.escape(message)):
        is_less(left, right)


# --- the console -------------------------------------------------------------------------------


def cluster() -> Console:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:1.25", replicas=2))
    c.do("sleep 20")
    c.do("kubectl run a --image=nginx:1.25")
    c.do("sleep 5")
    return c


def test_events_list_object_by_object_until_sorted_by_time() -> None:
    c = cluster()
    objects = [line.split()[3] for line in c.do("kubectl get events").output.splitlines()[1:]]
    # By the events' names, `<object>.<time>`: `web-…` pods before the `web.` Deployment.
    assert objects == sorted(objects, key=lambda o: o.split("/", 1)[1] + ".")
    assert objects[0] == "pod/a" and objects[-1] == "deployment/web"
    timed = c.do("kubectl get events --sort-by=.metadata.creationTimestamp").output
    ages = [line.split()[0] for line in timed.splitlines()[1:]]
    seconds = [int(age.rstrip("s")) for age in ages]
    assert seconds == sorted(seconds, reverse=True)  # oldest first


def test_sorting_events_by_last_timestamp_puts_the_schedulers_first() -> None:
    """The scheduler's events have `lastTimestamp: null` (events.k8s.io), which sorts first:
    on a real cluster too."""
    c = cluster()
    reasons = [line.split()[2] for line in
               c.do("kubectl get events --sort-by=.lastTimestamp").output.splitlines()[1:]]
    assert reasons[:3] == ["Scheduled"] * 3
    assert "Scheduled" not in reasons[3:]


def test_sort_by_orders_pods_names_and_lists() -> None:
    c = cluster()
    table = c.do("kubectl get pods --sort-by=.metadata.creationTimestamp").output.splitlines()
    assert table[0].startswith("NAME") and table[-1].startswith("a ")
    assert c.do("kubectl get pods --sort-by=.spec.nodeName -o name").output.splitlines()[0] == \
        "pod/a"
    listed = json.loads(c.do("kubectl get pods --sort-by={.metadata.creationTimestamp} "
                             "-o json").output)["items"]
    assert listed[-1]["metadata"]["name"] == "a"
    assert c.do("kubectl get pods --sort-by=metadata.name").exit_code == 0


def test_sort_by_errors_are_kubectls() -> None:
    c = cluster()
    missing = c.do("kubectl get pods --sort-by=.nothing")
    assert (missing.exit_code, missing.error.strip()) == (
        1, 'error: couldn\'t find any field with path "{.nothing}" in the list of objects')
    one = c.do("kubectl get pod a --sort-by=.nothing")  # a table of one row is still sorted
    assert one.exit_code == 1
    assert c.do("kubectl get pod a --sort-by=.nothing -o yaml").exit_code == 0  # one object: not
    fatal = c.do("kubectl get pods --sort-by=.metadata.labels")
    assert fatal.exit_code == 1
    assert fatal.error.startswith("F0101 ")
    assert fatal.error.strip().endswith(
        "sorter.go:375] Field {.metadata.labels} in [][][]reflect.Value is an unsortable type: "
        "interface, err: unsortable type: map[string]interface {}")
    assert c.do("kubectl get pods --sort-by={.a").error.startswith("error: sorting error: ")


def test_nodes_list_as_objects_with_the_images_they_hold() -> None:
    c = cluster()
    assert c.do("kubectl get nodes -o name").output == "node/node-1\nnode/node-2\n"
    images = json.loads(c.do("kubectl get node node-1 -o jsonpath={.status.images}").output)
    assert images[0]["names"][0].startswith("docker.io/library/nginx@sha256:")
    assert images[0]["names"][1] == "docker.io/library/nginx:1.25"
    assert images[0]["sizeBytes"] > 0
    c.do("kubectl cordon node-2")
    node = json.loads(c.do("kubectl get node node-2 -o json").output)
    assert node["spec"]["unschedulable"] is True
    assert node["spec"]["taints"][0]["key"] == "node.kubernetes.io/unschedulable"
    assert c.do("kubectl get nodes --sort-by=.metadata.name").exit_code == 0
