"""The workshop's secret key: made once, kept, readable by its owner only, never in git."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from serving import REPO


def test_the_secret_key_file_is_made_once_with_mode_0600(workshop: ModuleType,
                                                        tmp_path: Path) -> None:
    path = workshop.ensure_secret_key(tmp_path / "var" / "secret_key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert len(key) >= 50 and len(set(key)) > 20


def test_the_secret_key_file_is_reused_not_remade(workshop: ModuleType, tmp_path: Path) -> None:
    first = workshop.ensure_secret_key(tmp_path / "secret_key").read_text()
    second = workshop.ensure_secret_key(tmp_path / "secret_key").read_text()
    assert first == second


def test_two_machines_get_different_keys(workshop: ModuleType, tmp_path: Path) -> None:
    one = workshop.ensure_secret_key(tmp_path / "a" / "secret_key").read_text()
    other = workshop.ensure_secret_key(tmp_path / "b" / "secret_key").read_text()
    assert one != other


def test_a_secret_key_file_others_can_read_is_refused(workshop: ModuleType,
                                                      tmp_path: Path) -> None:
    path = workshop.ensure_secret_key(tmp_path / "secret_key")
    path.chmod(0o644)
    with pytest.raises(workshop.WorkshopError, match="chmod 600"):
        workshop.ensure_secret_key(path)


def test_the_var_directory_with_the_key_is_ignored_by_git() -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    for name in ("var/secret_key", "var/staticfiles/staticfiles.json", "var/lunchbox.sqlite3-wal"):
        result = subprocess.run(["git", "check-ignore", "-q", name], cwd=REPO, timeout=30)
        assert result.returncode == 0, f"{name} is not git-ignored"
