"""Two states of a learner's cluster side by side, and text made safe to share.

`compare(before, after)` lists, per pod, what differs: node, status, image ID, restarts, bytes
its pulls downloaded and events recorded; pods that came or went; images a node gained or lost.
`scrub_text(text)` is the editor's text as a permalink may keep it: every password flag, and the
value of every `password`, `auth`, `.dockerconfigjson` and `.dockercfg` key, replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..kubectl import tabwrite
from .state import ClusterState

HIDDEN = "<hidden when shared>"
# A key anywhere in a line (YAML, a comment, a JSON string), then the rest of the line hidden.
_SECRET_KEY = re.compile(r"""^(.*?["']?(?:password|auth|\.dockerconfigjson|\.dockercfg|"""
                         r"""identitytoken|registrytoken)["']?\s*[:=]\s*)(\S.*)$""",
                         re.IGNORECASE)
_SECRET_FLAG = re.compile(r"(--(?:docker-)?password(?:=|\s+))('[^']*'|\"[^\"]*\"|\S+)")
_INLINE_JSON = re.compile(r"""("(?:password|auth)"\s*:\s*)"(?:[^"\\]|\\.)*\"""", re.IGNORECASE)


def scrub_text(text: str) -> str:
    """`text` with anything that looks like a registry password replaced by HIDDEN."""
    lines = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        end = line[len(body):]
        body = _SECRET_FLAG.sub(lambda m: m.group(1) + "********", body)
        body = _INLINE_JSON.sub(lambda m: m.group(1) + f'"{HIDDEN}"', body)
        match = _SECRET_KEY.match(body)
        if match:
            body = match.group(1) + f'"{HIDDEN}"'
        lines.append(body + end)
    return "".join(lines)


@dataclass(frozen=True)
class Difference:
    pod: str  # namespace/name, or node name for images
    what: str
    before: str
    after: str


def _pods(state: ClusterState) -> dict[str, dict[str, str]]:
    from .views import pod_statuses
    out: dict[str, dict[str, str]] = {}
    events: dict[str, int] = {}
    for event in state.data["events"]:
        events[event["pod"]] = events.get(event["pod"], 0) + 1
    for status in pod_statuses(state):
        key = f"{status.namespace}/{status.name}"
        record = state.data["pods"][key]
        out[key] = {
            "node": status.node or "<none>",
            "status": status.status,
            "image ID": ", ".join(c.image_id or "<none>" for c in status.containers),
            "restarts": str(status.restarts),
            "bytes pulled": str(record.get("pulled_bytes", 0)),
            "events": str(events.get(key, 0)),
        }
    return out


def compare(before: ClusterState, after: ClusterState) -> list[Difference]:
    old, new = _pods(before), _pods(after)
    found: list[Difference] = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            found.append(Difference(key, "pod", "present", "gone"))
        elif key not in old:
            found.append(Difference(key, "pod", "absent", new[key]["status"]))
        else:
            found += [Difference(key, field, old[key][field], new[key][field])
                      for field in old[key] if old[key][field] != new[key][field]]
    for name in sorted(after.data["nodes"]):
        had = {k for k in before.data["nodes"].get(name, {}).get("store", {}) if "@" not in k}
        has = {k for k in after.data["nodes"][name]["store"] if "@" not in k}
        found += [Difference(name, "image", "absent", ref) for ref in sorted(has - had)]
        found += [Difference(name, "image", ref, "removed") for ref in sorted(had - has)]
    return found


def compare_table(before: ClusterState, after: ClusterState) -> str:
    rows = compare(before, after)
    if not rows:
        return "No differences.\n"
    lines = ["POD/NODE\tWHAT\tBEFORE\tAFTER"]
    lines += [f"{d.pod}\t{d.what}\t{d.before}\t{d.after}" for d in rows]
    return tabwrite("\n".join(lines) + "\n", minwidth=6, padding=3)
