"""`kubectl events` (pkg/cmd/events): time order, `Kind/name` objects, `--for`, `--types`, `-A`,
and its errors, in kubectl's words."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from test_console import Console, deployment  # noqa: E402


def cluster() -> Console:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:no-such-tag", replicas=1))
    c.do("kubectl run a --image=nginx:1.25")
    c.do("sleep 90")
    return c


def _rows(text: str) -> list[list[str]]:
    return [line.split(None, 4) for line in text.splitlines()[1:]]


def test_events_come_in_time_order_with_kind_slash_name() -> None:
    c = cluster()
    out = c.do("kubectl events").output
    assert out.splitlines()[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT",
                                           "MESSAGE"]
    once = "\n".join(line for line in out.splitlines() if "(x" not in line)
    objects = {row[3].split("/")[0] for row in _rows(once)}
    assert objects == {"Pod", "Deployment", "ReplicaSet"}
    # The last column of time: the newest last (repeated events by their last time).
    ages = [line.split()[0] for line in out.splitlines()[1:]]
    seconds = [int(age.rstrip("s")) for age in ages]
    assert seconds == sorted(seconds, reverse=True)
    assert "(x" in out  # the back-off repeats, as `xN over` the first time


def test_for_and_types_narrow_the_list() -> None:
    c = cluster()
    mine = _rows(c.do("kubectl events --for pod/a").output)
    assert {row[3] for row in mine} == {"Pod/a"}
    assert [row[2] for row in mine] == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
    warnings = c.do("kubectl events --types=warning -A").output.splitlines()
    assert warnings[0].split()[0] == "NAMESPACE"
    assert all(" Warning " in line for line in warnings[1:])
    assert c.do("kubectl events --for deployment/web --no-headers").output.split()[3] == \
        "Deployment/web"


def test_errors_and_nothing_found() -> None:
    c = cluster()
    assert c.do("kubectl events --for web").error.strip() == \
        "error: --for must be in resource/name form"
    assert c.do("kubectl events --for a/b/c").error.strip() == \
        "error: arguments in resource/name form may not have more than one slash"
    assert c.do("kubectl events --for foo/web").error.strip() == \
        'error: the server doesn\'t have a resource type "foo"'
    assert c.do("kubectl events --types=Info").error.strip() == \
        "error: valid --types are Normal or Warning"
    none = c.do("kubectl events -n kube-system")
    assert (none.exit_code, none.output, none.error) == (
        0, "", "No events found in kube-system namespace.\n")
    listed = c.do("kubectl events --for pod/a -o json")
    assert '"kind": "EventList"' in listed.output


def test_get_events_wide_has_printers_go_columns() -> None:
    """printers.go printEvent with Wide: SUBOBJECT (the field path), SOURCE (component, host,
    or the reporting component and instance when the source is empty), FIRST SEEN, COUNT,
    NAME."""
    c = Console()
    c.do("kubectl run a --image=nginx:1.25")
    c.do("sleep 10")
    out = c.do("kubectl get events -o wide").output
    header = out.splitlines()[0]
    assert header.split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE",
                              "MESSAGE", "FIRST", "SEEN", "COUNT", "NAME"]
    scheduled = next(line for line in out.splitlines() if " Scheduled " in line)
    assert "default-scheduler, default-scheduler-control-plane" in scheduled
    pulled = next(line for line in out.splitlines() if " Pulled " in line)
    assert "spec.containers{a}" in pulled and "kubelet, node-" in pulled
    assert pulled.split()[-1].startswith("a.") and pulled.split()[-2] == "1"
