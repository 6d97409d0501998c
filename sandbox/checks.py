"""System checks for a Lunchbox deployment (`manage.py check --deploy` shows them)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def channel_layer_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """The in-memory channel layer cannot reach sockets held by another server process."""
    backend = str(settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", ""))
    if backend.endswith("InMemoryChannelLayer"):
        return [Warning(
            "The in-memory channel layer only works with a single server process.",
            hint="Set REDIS_URL before running several daphne workers or pods.",
            id="lunchbox.W001",
        )]
    return []


@register(deploy=True)
def database_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """SQLite serializes writes: fine on a laptop, a bottleneck for a large room."""
    engine = str(settings.DATABASES["default"]["ENGINE"])
    if engine.endswith("sqlite3"):
        return [Warning(
            "SQLite is in use; with many learners and several processes use PostgreSQL.",
            hint="Set DATABASE_URL=postgres://user:password@host:5432/lunchbox.",
            id="lunchbox.W002",
        )]
    return []
