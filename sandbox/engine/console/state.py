"""A learner's cluster between commands: what a real cluster keeps, as plain JSON-able data.

`ClusterState` wraps one dict. Everything in it is a str, number, bool, list or dict, so
`to_json()` is canonical (sorted keys, no spaces): the same history gives the same bytes. The
scenario it grew from is held beside the data, not in it; `from_json(text, scenario)` joins
them again.

What is kept, and why each part is there:

- `objects`: the API objects as the API server stored them, after admission and defaulting
  (`Kind/namespace/name` -> a record with the body, uid, creation time, generation).
- `pods`: the kubelet's side of each pod: container states, restart counts, image IDs, the
  node it is bound to, and the syncs it has pending (a back-off retry, a crash-loop wake).
- `nodes`: each node's image store (by store key, as containerd names images), layers, the
  KEP-2535 pulled records, the image pull back-off entries, the crash-loop back-off entries,
  cordon.
- `images`: the content of every image a node holds, by manifest digest (layers and sizes).
- `tags`: tags a learner or the timeline moved in a registry.
- `events`: the Events a real cluster would list, for the last hour, at most MAX_EVENTS.
- `log`: the commands typed, with secret values replaced, for the history list.

Secrets: a pasted password is never kept. A Secret's `.dockerconfigjson` is stored with each
password (and `auth`) replaced by a keyed fingerprint (`fingerprint`); the simulated registry
compares fingerprints. The key is the caller's (the server derives it from its own secret), so
the database alone cannot be used to check a guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..world import Image, Layer, Scenario

VERSION = 1
MAX_OBJECTS = 200  # API objects, pods included
MAX_EVENTS = 1000  # kept newest first; a real cluster also forgets events after an hour
EVENT_TTL = 3600.0  # the API server's default --event-ttl (1 h)
MAX_LOG = 200  # commands in the history list
MAX_BYTES = 2_000_000  # the stored objects, pods, nodes and images as JSON
APPEND_ONLY = ("events", "log")  # lists whose items are never edited once added
EDITED = ("objects", "pods", "nodes", "tags")  # what a command edits in place
OPTIONAL = ("workstation",)  # edited in place too, and absent until first used


class StateLimit(Exception):
    """The cluster would grow past one of its bounds; nothing was changed."""


# --- images ------------------------------------------------------------------------------------


def image_data(image: Image) -> dict[str, Any]:
    return {"id": image.id, "architecture": image.architecture, "os": image.os,
            "layers": [[layer.label, layer.size] for layer in image.layers]}


def image_from(data: dict[str, Any]) -> Image:
    return Image(str(data["id"]), tuple(Layer(str(label), int(size))
                                        for label, size in data["layers"]),
                 str(data["architecture"]), str(data["os"]))


# --- the state ---------------------------------------------------------------------------------


def empty_data(scenario: Scenario) -> dict[str, Any]:
    return {
        "version": VERSION,
        "scenario": scenario.name,
        "clock": 0.0,
        "serial": 0,
        "objects": {},
        "pods": {},
        "nodes": {node.name: {"cordoned": False, "store": {}, "pulled": [], "records": {},
                              "backoff": {}, "last_errors": {}, "crash": {}}
                  for node in scenario.nodes},
        "images": {},
        "tags": {},
        "events": [],
        "log": [],
    }


@dataclass
class ClusterState:
    """One learner's cluster: the scenario it started from and everything since."""

    scenario: Scenario
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def clock(self) -> float:
        return float(self.data["clock"])

    def copy(self) -> ClusterState:
        """A state a command may edit without touching this one (a failed command edits a copy).

        Events, the log and image contents are never changed in place (new ones are added,
        old ones dropped), so they are shared; what commands edit is copied. So a copy costs
        what the cluster holds now, not how many events and commands came before."""
        data = {key: value for key, value in self.data.items()}
        for key in APPEND_ONLY:
            data[key] = list(self.data[key])
        data["images"] = dict(self.data["images"])
        for key in (*EDITED, *OPTIONAL):
            if key in self.data:
                data[key] = json.loads(json.dumps(self.data[key]))
        return ClusterState(self.scenario, data)

    def to_json(self) -> str:
        return json.dumps(self.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)

    @classmethod
    def from_json(cls, text: str, scenario: Scenario) -> ClusterState:
        """The state stored as `text`; ValueError when it is not one of ours."""
        if len(text) > MAX_BYTES * 2:
            raise ValueError("the stored cluster is larger than any cluster Lunchbox makes")
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("not a Lunchbox cluster state (or one from another version)")
        for key, value in empty_data(scenario).items():
            if not isinstance(data.get(key), type(value)) and not (
                    isinstance(value, float) and isinstance(data.get(key), int)):
                raise ValueError(f"the stored cluster has no valid {key!r}")
        return cls(scenario, data)

    # --- objects -------------------------------------------------------------------------------

    def record(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        found = self.data["objects"].get(object_key(kind, namespace, name))
        return found if isinstance(found, dict) else None

    def records(self, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        """Stored records of one kind, ordered by namespace and name as the API lists them."""
        found = [r for r in self.data["objects"].values() if r["kind"] == kind
                 and (namespace is None or r["namespace"] == namespace)]
        return sorted(found, key=lambda r: (r["namespace"], r["name"]))

    def pod(self, namespace: str, name: str) -> dict[str, Any] | None:
        found = self.data["pods"].get(f"{namespace}/{name}")
        return found if isinstance(found, dict) else None

    def next_serial(self) -> int:
        self.data["serial"] += 1
        return int(self.data["serial"])

    def check_bounds(self) -> None:
        if len(self.data["objects"]) > MAX_OBJECTS:
            raise StateLimit(f"this sandbox cluster holds at most {MAX_OBJECTS} objects "
                             "(pods included): delete some, or reset the cluster")
        # Events and the log have their own bounds (count): measure what commands make grow.
        size = len(json.dumps({key: self.data[key] for key in (*EDITED, "images")},
                              separators=(",", ":")))
        if size > MAX_BYTES:
            raise StateLimit(f"this sandbox cluster would take {size // 1000} kB, more than its "
                             f"{MAX_BYTES // 1000} kB: delete some objects, or reset it")


def object_key(kind: str, namespace: str, name: str) -> str:
    return f"{kind}/{namespace}/{name}"


def rfc3339(seconds: float) -> str:
    """A simulated time as the API server writes a metav1.Time: RFC 3339, whole seconds."""
    import datetime

    from ..cluster import SIMULATED_EPOCH  # the clock's zero, 2026-01-01T00:00:00Z
    when = datetime.datetime.fromtimestamp(SIMULATED_EPOCH + int(seconds), datetime.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
