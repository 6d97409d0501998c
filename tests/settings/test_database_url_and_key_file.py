"""DATABASE_URL keeps every option it carries; SECRET_KEY can come from a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from sandbox import settings as lunchbox_settings


def test_database_url_keeps_sslmode_require(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://lb:pw@db.example:5432/lunchbox?sslmode=require")
    db = lunchbox_settings.env_database("DATABASE_URL", {})
    assert db["OPTIONS"]["sslmode"] == "require"
    assert (db["NAME"], db["HOST"], db["PORT"]) == ("lunchbox", "db.example", "5432")


def test_postgresql_connections_come_from_a_pool_not_one_per_thread(monkeypatch) -> None:
    """Under ASGI each request has a thread of its own: persistent per-thread connections would
    pile up, so connections are pooled per process and closed after each request."""
    monkeypatch.setenv("DATABASE_URL", "postgres://lb:pw@db.example:5432/lunchbox")
    db = lunchbox_settings.env_database("DATABASE_URL", {})
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["pool"]["max_size"] == lunchbox_settings.DB_POOL_SIZE


def test_database_url_keeps_every_query_option(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://lb@db/lunchbox?sslmode=verify-full"
                                       "&sslrootcert=/etc/ssl/ca.pem&connect_timeout=5")
    options = lunchbox_settings.env_database("DATABASE_URL", {})["OPTIONS"]
    options.pop("pool")
    assert options == {"sslmode": "verify-full", "sslrootcert": "/etc/ssl/ca.pem",
                       "connect_timeout": 5}


def test_an_sqlite_url_gets_wal_mode(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'room.sqlite3'}")
    db = lunchbox_settings.env_database("DATABASE_URL", {})
    assert (db["ENGINE"], db["NAME"]) == ("django.db.backends.sqlite3",
                                         str(tmp_path / "room.sqlite3"))
    assert "journal_mode=WAL" in str(db["OPTIONS"]["init_command"])


def test_the_default_sqlite_database_is_in_wal_mode() -> None:
    options = lunchbox_settings.DATABASES["default"]["OPTIONS"]
    assert "PRAGMA journal_mode=WAL" in options["init_command"]


def test_secret_key_is_read_from_the_file_secret_key_file_names(monkeypatch,
                                                                 tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text("s" * 50 + "\n")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(key_file))
    assert lunchbox_settings.env_secret_key("SECRET_KEY", "") == "s" * 50


def test_secret_key_and_secret_key_file_together_are_refused(monkeypatch,
                                                             tmp_path: Path) -> None:
    monkeypatch.setenv("SECRET_KEY", "k" * 50)
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "secret_key"))
    with pytest.raises(ImproperlyConfigured, match="not both"):
        lunchbox_settings.env_secret_key("SECRET_KEY", "")


def test_a_missing_secret_key_file_is_a_configuration_error(monkeypatch,
                                                            tmp_path: Path) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "nowhere"))
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FILE"):
        lunchbox_settings.env_secret_key("SECRET_KEY", "")
