"""The learner's cluster's Nodes as the API server lists them (`kubectl get nodes -o yaml`,
`-o name`, `-o jsonpath=…`), with what each node's kubelet reports in its status.

`status.images` is the kubelet's image list (pkg/kubelet/nodestatus `Images`): one entry per
image the node's runtime holds, its names the repo digests then the repo tags (at most five),
largest first (`ByImageSize`: by size, then by image ID, both descending), at most 50. So
`kubectl get node node-1 -o jsonpath='{.status.images[*].names}'` shows what a node has
cached, as on a real cluster. Addresses, versions and the OS image are the ones the node table
prints (`views._nodes_table`); the conditions are a healthy node's.
"""

from __future__ import annotations

from typing import Any

from ..cluster.naming import object_uid
from ..runtime import profile_for
from .state import ClusterState, image_from, rfc3339

MAX_IMAGES = 50  # the kubelet's nodeStatusMaxImages default
MAX_NAMES = 5  # MaxNamesPerImageInNodeStatus
CREATED = -3600.0  # the nodes joined an hour before the learner's cluster began
REPORT_SECONDS = 300.0
_CONDITIONS = (("MemoryPressure", "False", "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available"),
               ("DiskPressure", "False", "KubeletHasNoDiskPressure",
                "kubelet has no disk pressure"),
               ("PIDPressure", "False", "KubeletHasSufficientPID",
                "kubelet has sufficient PID available"),
               ("Ready", "True", "KubeletReady", "kubelet is posting ready status"))


def node_images(state: ClusterState, node: str) -> list[dict[str, Any]]:
    """`status.images` of one node."""
    store = state.data["nodes"][node]["store"]
    found: dict[str, tuple[set[str], set[str], int]] = {}
    for ref, (repo_digest, image_key) in store.items():
        image = image_from(state.data["images"][image_key])
        digests, tags, _ = found.setdefault(image.config_digest, (set(), set(), image.size))
        digests.add(repo_digest)
        if "@" not in ref:
            tags.add(ref)
    ordered = sorted(found.items(), key=lambda item: (item[1][2], item[0]), reverse=True)
    return [{"names": (sorted(digests) + sorted(tags))[:MAX_NAMES], "sizeBytes": size}
            for _, (digests, tags, size) in ordered[:MAX_IMAGES]]


def node_body(state: ClusterState, index: int) -> dict[str, Any]:
    node = state.scenario.nodes[index]
    profile = profile_for(state.scenario.profile)
    cordoned = state.data["nodes"][node.name]["cordoned"]
    when = rfc3339(CREATED)
    # The kubelet posts an unchanged status every nodeStatusReportFrequency (5 minutes).
    beat = rfc3339(CREATED + (state.clock - CREATED) // REPORT_SECONDS * REPORT_SECONDS)
    spec: dict[str, Any] = {}
    if cordoned:  # kubectl cordon, and the taint the node lifecycle controller adds for it
        spec = {"taints": [{"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable",
                            "timeAdded": when}], "unschedulable": True}
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"creationTimestamp": when, "labels": dict(sorted(node.all_labels().items())),
                     "name": node.name, "uid": object_uid("", node.name, "Node", 0)},
        "spec": spec,
        "status": {
            "addresses": [{"address": f"172.18.0.{index + 2}", "type": "InternalIP"},
                          {"address": node.name, "type": "Hostname"}],
            "conditions": [{"lastHeartbeatTime": beat, "lastTransitionTime": when,
                            "message": message, "reason": reason, "status": status,
                            "type": kind} for kind, status, reason, message in _CONDITIONS],
            **({"images": images} if (images := node_images(state, node.name)) else {}),
            "nodeInfo": {"architecture": node.architecture,
                         "containerRuntimeVersion": profile.container_runtime_version,
                         "kernelVersion": "6.8.0", "kubeletVersion": profile.kubelet_version,
                         "operatingSystem": node.os,
                         "osImage": "Debian GNU/Linux 12 (bookworm)"},
        },
    }


def node_bodies(state: ClusterState, names: list[str],
                only: set[str] | None = None) -> list[dict[str, Any]]:
    """The Nodes in the API server's order (by name), those named or selected."""
    picked = [(node.name, index) for index, node in enumerate(state.scenario.nodes)
              if (not names or node.name in names) and (only is None or node.name in only)]
    return [node_body(state, index) for _, index in sorted(picked)]
