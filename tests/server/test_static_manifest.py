"""With DEBUG off, pages name their static files through collectstatic's manifest: a server
without it must refuse to start, clearly, instead of answering every page with an error 500."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from serving import REPO, clean_environment, free_port

from sandbox.checks import static_manifest_check

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "sandbox.storage.ModuleGraphStaticFilesStorage"},
}


def test_daphne_refuses_to_start_without_collected_static_files(tmp_path: Path) -> None:
    env = clean_environment(DEBUG="0", SECRET_KEY="k" * 50, ALLOWED_HOSTS="localhost",
                            LUNCHBOX_VAR_DIR=str(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(free_port("127.0.0.1")),
         "sandbox.asgi:application"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("daphne started serving without the static files manifest")
    assert process.returncode != 0
    message = stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message
    assert str(tmp_path / "staticfiles" / "staticfiles.json") in message
    assert "collectstatic --noinput" in message


@pytest.fixture
def manifest_storage(settings, tmp_path: Path) -> Path:
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    return tmp_path / "staticfiles" / "staticfiles.json"


def test_deploy_check_warns_when_the_manifest_is_missing(manifest_storage: Path) -> None:
    assert [w.id for w in static_manifest_check(None)] == ["lunchbox.W003"]


def test_deploy_check_is_quiet_once_collectstatic_has_run(manifest_storage: Path) -> None:
    manifest_storage.parent.mkdir(parents=True)
    manifest_storage.write_text('{"paths": {}, "version": "1.1"}')
    assert static_manifest_check(None) == []


def test_deploy_check_warns_when_a_static_file_changed_after_collectstatic(
        manifest_storage: Path) -> None:
    manifest_storage.parent.mkdir(parents=True)
    manifest_storage.write_text('{"paths": {}, "version": "1.1"}')
    os.utime(manifest_storage, (0, 0))  # written long before today's sources
    assert [w.id for w in static_manifest_check(None)] == ["lunchbox.W004"]


def test_with_debug_on_static_files_come_from_the_finders_and_need_no_manifest(
        settings) -> None:
    settings.STORAGES = {**MANIFEST_STORAGE, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    assert static_manifest_check(None) == []
