"""Settings come from the environment through typed helpers that fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from sandbox import settings as lunchbox_settings
from sandbox.checks import channel_layer_check, database_check

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw: str, value: bool) -> None:
    monkeypatch.setenv("LUNCHBOX_FLAG", raw)
    assert lunchbox_settings.env_bool("LUNCHBOX_FLAG", not value) is value


def test_env_bool_refuses_anything_else(monkeypatch) -> None:
    monkeypatch.setenv("LUNCHBOX_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="LUNCHBOX_FLAG"):
        lunchbox_settings.env_bool("LUNCHBOX_FLAG", True)


def test_database_url_for_postgres_is_split_into_fields(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://lb:p%40ss@db.example:5433/lunchbox")
    db = lunchbox_settings.env_database("DATABASE_URL", {})
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "lunchbox", "lb", "p@ss", "db.example", "5433")


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host/", "sqlite://"])
def test_bad_database_url_is_a_configuration_error(monkeypatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured):
        lunchbox_settings.env_database("DATABASE_URL", {})


def test_redis_url_must_be_a_redis_url(monkeypatch) -> None:
    monkeypatch.setenv("REDIS_URL", "http://localhost:6379")
    with pytest.raises(ImproperlyConfigured, match="redis://"):
        lunchbox_settings.env_redis("REDIS_URL")


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL")}
    return subprocess.run([sys.executable, "-c", "import sandbox.settings"], cwd=ROOT,
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_production_mode_refuses_to_start_without_a_real_secret_key() -> None:
    result = _import_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_mode_starts_with_a_long_secret_key() -> None:
    result = _import_settings(DEBUG="0", SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr


def test_deploy_checks_warn_about_the_in_memory_layer_and_sqlite(settings) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert [w.id for w in channel_layer_check(None)] == ["lunchbox.W001"]
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer"}}
    assert channel_layer_check(None) == []
    assert [w.id for w in database_check(None)] == ["lunchbox.W002"]


@pytest.mark.parametrize("raw", ["-1", "ten"])
def test_env_int_refuses_negative_and_non_numbers(monkeypatch, raw: str) -> None:
    monkeypatch.setenv("LUNCHBOX_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match="LUNCHBOX_NUMBER"):
        lunchbox_settings.env_int("LUNCHBOX_NUMBER", 0)
