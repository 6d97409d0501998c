"""The kubelet's image pull back-off (KUBERNETES.md §6): per `<pod UID>_<image>`, no jitter."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Entry:
    window: float
    last_update: float


@dataclass
class Backoff:
    """client-go's flowcontrol.Backoff as the image manager uses it: 10 s doubling to 300 s."""

    initial: float = 10.0
    maximum: float = 300.0
    _entries: dict[str, _Entry] = field(default_factory=dict)

    def _expired(self, entry: _Entry, now: float) -> bool:
        return now - entry.last_update > 2 * self.maximum

    def next(self, key: str, now: float) -> float:
        """Record a failed pull at `now`; return the new window."""
        entry = self._entries.get(key)
        if entry is None or self._expired(entry, now):
            window = self.initial
        else:
            window = min(entry.window * 2, self.maximum)
        self._entries[key] = _Entry(window, now)
        return window

    def in_backoff(self, key: str, now: float) -> bool:
        """True while the time since the last failure is strictly less than the window."""
        entry = self._entries.get(key)
        if entry is None or self._expired(entry, now):
            return False
        return now - entry.last_update < entry.window

    def window(self, key: str) -> float | None:
        entry = self._entries.get(key)
        return entry.window if entry else None

    def gc(self, now: float) -> None:
        """Drop entries older than twice the maximum (run after a successful pull)."""
        for key in [k for k, e in self._entries.items() if self._expired(e, now)]:
            del self._entries[key]
