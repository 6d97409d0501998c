"""System checks for a Lunchbox deployment (`manage.py check --deploy` shows them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.apps import StaticFilesConfig
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages


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


def static_manifest() -> Path | None:
    """The manifest file the static storage names pages' files from; None if it keeps none.

    With DEBUG off the storage is WhiteNoise's compressed manifest storage, which only
    `collectstatic` fills: without its manifest every page fails as it names a static file.
    """
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None
    return Path(storage.manifest_storage.path(storage.manifest_name))


def newest_static_source() -> float:
    """The latest modification time among the files `collectstatic` would collect."""
    ignore = list(StaticFilesConfig.ignore_patterns)  # what collectstatic skips by default
    newest = 0.0
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            newest = max(newest, os.path.getmtime(storage.path(path)))
    return newest


def static_manifest_is_stale(manifest: Path) -> bool:
    """True when the manifest is missing or a static source changed after it was written."""
    try:
        written = manifest.stat().st_mtime
    except FileNotFoundError:
        return True
    return newest_static_source() > written


def require_static_manifest() -> None:
    """Refuse to serve (at ASGI start-up) when the collected static files are missing."""
    manifest = static_manifest()
    if manifest is not None and not manifest.exists():
        raise ImproperlyConfigured(
            f"DEBUG is off and {manifest} does not exist, so every page would be an error 500: "
            "run `python manage.py collectstatic --noinput` before starting the server "
            "(`make workshop` does it for you)."
        )


@register(deploy=True)
def static_manifest_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Pages name their static files through the manifest `collectstatic` writes."""
    manifest = static_manifest()
    if manifest is None:
        return []
    if not manifest.exists():
        return [Warning(
            f"The static files manifest {manifest} is missing: every page will be an error 500.",
            hint="Run `python manage.py collectstatic --noinput` (`make workshop` does it).",
            id="lunchbox.W003",
        )]
    if static_manifest_is_stale(manifest):
        return [Warning(
            "Static files changed after `collectstatic` last ran; new files will be errors.",
            hint="Run `python manage.py collectstatic --noinput` again.",
            id="lunchbox.W004",
        )]
    return []
