"""The kubelet's crash-loop back-off, and the one crash the simulator models: a foreign platform.

containerd checks the platform only when it picks a manifest out of an index; a single-platform
image built for another architecture is pulled, created and started, and its process fails at
exec (`exec format error`, RUNTIME.md §5). The kubelet then restarts the container after a
per-container back-off (`kuberuntime_manager.go` `doBackOff`): the window starts at 10 s and
doubles to 300 s (`kubelet.go` `backOffPeriod`, `MaxContainerBackOff`), measured from the
moment the last instance finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..world import Image, Node

CRASH_BACKOFF_INITIAL = 10.0  # kubelet.go backOffPeriod
CRASH_BACKOFF_MAX = 300.0  # kubelet.go MaxContainerBackOff
PLEG_RELIST_SECONDS = 1.0  # kubelet.go plegRelistPeriod: how soon an exit is noticed
# The exit code `Last State: Terminated` shows for an exec format error is UNVERIFIED
# (RUNTIME.md §5): 255 is our choice; no public `kubectl describe` of this case was found.
EXEC_FORMAT_EXIT_CODE = 255
_EPSILON = 1e-6


def stable_key(pod_name: str, namespace: str, uid: str, container: str, image: str) -> str:
    """The back-off key, shaped like upstream's `getStableKey`: pod, namespace, UID, container
    and a hash of the container spec (here the image stands in for the spec hash)."""
    return f"{pod_name}_{namespace}_{uid}_{container}_{image}"


def pod_desc(pod_name: str, namespace: str, uid: str) -> str:
    """`format.Pod`: `name_namespace(uid)`."""
    return f"{pod_name}_{namespace}({uid})"


def wrong_platform(image: Image, node: Node) -> bool:
    """True when `image` cannot run on `node`: its config names another architecture or OS."""
    return (image.architecture, image.os) != (node.architecture, node.os)


@dataclass
class _Entry:
    window: float
    last_update: float


@dataclass
class CrashBackoff:
    """client-go's flowcontrol.Backoff as `doBackOff` uses it: keyed by container, measured from
    the finish time of the latest exited instance (`IsInBackOffSince`, `Next(key, finishedAt)`)."""

    initial: float = CRASH_BACKOFF_INITIAL
    maximum: float = CRASH_BACKOFF_MAX
    _entries: dict[str, _Entry] = field(default_factory=dict)

    def _expired(self, entry: _Entry, event_time: float) -> bool:
        return event_time - entry.last_update > 2 * self.maximum

    def in_backoff_since(self, key: str, finished: float, now: float) -> bool:
        """True while less than the window has passed since `finished`."""
        entry = self._entries.get(key)
        if entry is None or self._expired(entry, finished):
            return False
        # Simulated times are floats: the wake-up at finished + window must count as over.
        return now - finished < entry.window - _EPSILON

    def next(self, key: str, finished: float) -> float:
        """Record an exit at `finished` before a restart; return the new window."""
        entry = self._entries.get(key)
        if entry is None or self._expired(entry, finished):
            window = self.initial
        else:
            window = min(entry.window * 2, self.maximum)
        self._entries[key] = _Entry(window, finished)
        return window

    def window(self, key: str) -> float:
        entry = self._entries.get(key)
        return entry.window if entry else self.initial
