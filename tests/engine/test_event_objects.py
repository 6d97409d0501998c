"""`kubectl get events -o yaml|json|name|jsonpath`: the recorder's Event objects as the API
server lists them, shaped as a real 1.3x cluster's (a minikube cluster's `kubectl get events
-o yaml`, March 2026, and client-go's tools/record makeEvent/generateEvent)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from test_console import Console  # noqa: E402

# The keys of each kind of Event object in the real sample.
KUBELET_KEYS = {"apiVersion", "count", "eventTime", "firstTimestamp", "involvedObject", "kind",
                "lastTimestamp", "message", "metadata", "reason", "reportingComponent",
                "reportingInstance", "source", "type"}
SCHEDULER_KEYS = {"action", "apiVersion", "eventTime", "firstTimestamp", "involvedObject",
                  "kind", "lastTimestamp", "message", "metadata", "reason",
                  "reportingComponent", "reportingInstance", "source", "type"}


def items(c: Console, line: str = "kubectl get events -o json") -> list[dict]:  # type: ignore[type-arg]
    result = c.do(line)
    assert result.exit_code == 0, result.error
    return json.loads(result.output)["items"]  # type: ignore[no-any-return]


def started() -> Console:
    c = Console()
    assert c.do("kubectl run solo --image=nginx:1.25").exit_code == 0
    assert c.do("kubectl run bad --image=nginx:nope").exit_code == 0
    c.do("sleep 60")
    return c


def test_kubelet_and_scheduler_events_have_their_real_shapes() -> None:
    events = items(started())
    assert [e["reason"] for e in events if e["involvedObject"]["name"] == "solo"] == [
        "Scheduled", "Pulling", "Pulled", "Created", "Started"]
    scheduled = next(e for e in events if e["reason"] == "Scheduled")
    assert set(scheduled) == SCHEDULER_KEYS
    assert (scheduled["action"], scheduled["source"], scheduled["firstTimestamp"],
            scheduled["lastTimestamp"]) == ("Binding", {}, None, None)
    assert scheduled["reportingComponent"] == "default-scheduler"
    assert scheduled["reportingInstance"].startswith("default-scheduler-")
    assert len(scheduled["eventTime"]) == len("2026-01-01T00:00:00.000000Z")
    assert "fieldPath" not in scheduled["involvedObject"]
    pulling = next(e for e in events if e["reason"] == "Pulling"
                   and e["involvedObject"]["name"] == "solo")
    assert set(pulling) == KUBELET_KEYS
    assert pulling["source"] == {"component": "kubelet", "host": "node-1"}
    assert (pulling["reportingComponent"], pulling["reportingInstance"]) == ("kubelet", "node-1")
    assert pulling["eventTime"] is None and pulling["count"] == 1
    assert pulling["firstTimestamp"] == pulling["lastTimestamp"] == pulling["metadata"][
        "creationTimestamp"]
    involved = pulling["involvedObject"]
    assert (involved["apiVersion"], involved["kind"], involved["fieldPath"]) == (
        "v1", "Pod", "spec.containers{solo}")


def test_repeats_are_counted_into_one_object_with_first_and_last_times() -> None:
    events = items(started())
    back_off = next(e for e in events if e["reason"] == "BackOff")
    assert back_off["count"] >= 2
    assert back_off["lastTimestamp"] > back_off["firstTimestamp"]
    assert back_off["message"] == 'Back-off pulling image "nginx:nope"'
    assert back_off["type"] == "Normal"


def test_names_are_unique_listed_in_api_order_and_found_by_name() -> None:
    c = started()
    events = items(c)
    names = [e["metadata"]["name"] for e in events]
    assert len(set(names)) == len(names)
    assert names == sorted(names)  # one namespace: the API lists by name
    assert all(n.split(".", 1)[0] in ("solo", "bad") for n in names)
    assert all(len(n.split(".", 1)[1]) >= 16 and int(n.split(".", 1)[1], 16) for n in names)
    listed = c.do("kubectl get events -o name").output.splitlines()
    assert listed == [f"event/{n}" for n in names]
    one = c.do(f"kubectl get events {names[0]} -o json")
    assert json.loads(one.output)["metadata"]["name"] == names[0]
    table = c.do(f"kubectl get events {names[0]}").output.splitlines()
    assert len(table) == 2
    missing = c.do("kubectl get events nothing.123")
    assert (missing.error, missing.exit_code) == (
        'Error from server (NotFound): events "nothing.123" not found\n', 1)
    reasons = c.do("kubectl get events -o jsonpath={.items[*].reason}").output.split()
    assert reasons == [e["reason"] for e in events]


def test_the_node_stays_on_a_deleted_pods_events() -> None:
    c = started()
    assert c.do("kubectl delete pod solo").exit_code == 0
    left = [e for e in items(c) if e["involvedObject"]["name"] == "solo"
            and e["reason"] == "Started"]
    assert left and left[0]["source"]["host"] == "node-1"


def test_yaml_and_a_selector() -> None:
    c = started()
    text = c.do("kubectl get events -o yaml").output
    assert text.startswith("apiVersion: v1\nitems:\n- action: Binding\n")
    assert "  kind: Event\n" in text and "  reportingComponent: kubelet\n" in text
    assert items(c, "kubectl get events -l app=web -o json") == []
    assert len(items(c, "kubectl get events -l '!app' -o json")) == len(items(c))
