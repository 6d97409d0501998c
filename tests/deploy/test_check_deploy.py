"""`manage.py check --deploy` under the settings Lunchbox is served with.

Two sets of settings, each built from where it is defined, not retyped: the cluster's from
deploy/kubernetes/15-configmap.yaml plus the three values of the lunchbox-secrets Secret (fakes
here: nothing connects during the check), and the room's from scripts/workshop.py's
`workshop_environment`. The image runs collectstatic at build time; here a manifest file stands
in for its output (tests/server covers lunchbox.W003 and W004 themselves).

Both are clean: the cluster sets HSTS with subdomains and silences only the preload check (a
decision for the domain's owner); the room, on plain HTTP and one process by design, silences
Django's W004, W008, W012 and W016 and Lunchbox's W001 and W002, and says why where it does.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CONFIGMAP = REPO / "deploy" / "kubernetes" / "15-configmap.yaml"
# What a shell might hold that would change the settings under test.
OUR_VARIABLES = ("DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "DATABASE_URL",
                 "REDIS_URL", "SECURE_COOKIES", "BEHIND_TLS_PROXY", "LUNCHBOX_VAR_DIR",
                 "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
                 "DJANGO_SETTINGS_MODULE", "LOG_LEVEL", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                 "SECURE_HSTS_PRELOAD", "SILENCED_CHECKS")
FAKE_SECRETS = {
    "SECRET_KEY": "test-only-" + "k" * 50,
    "DATABASE_URL": "postgres://lunchbox:test-only@postgres.invalid:5432/lunchbox",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}
PLAIN_HTTP_AND_ONE_PROCESS = {"security.W004", "security.W008", "security.W012",
                              "security.W016", "lunchbox.W001", "lunchbox.W002"}


def check_deploy(var_dir: Path, settings: dict[str, str]) -> set[str]:
    """The ids of what `manage.py check --deploy` reports with only `settings` set."""
    manifest = var_dir / "staticfiles" / "staticfiles.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text('{"paths": {}, "version": "1.1"}')
    env = {k: v for k, v in os.environ.items() if k not in OUR_VARIABLES}
    env.update(settings, LUNCHBOX_VAR_DIR=str(var_dir))
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return set(re.findall(r"^\S*: \(([\w.]+)\)", result.stderr + result.stdout, re.M))


@pytest.fixture(scope="module")
def cluster_warnings(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    settings = dict(yaml.safe_load(CONFIGMAP.read_text(encoding="utf-8"))["data"])
    # The image sets DEBUG=0 (deploy/Dockerfile); the Deployment adds the Secret's values.
    return check_deploy(tmp_path_factory.mktemp("cluster"),
                        {"DEBUG": "0", **settings, **FAKE_SECRETS})


@pytest.fixture(scope="module")
def workshop_warnings(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    spec = importlib.util.spec_from_file_location("lunchbox_workshop_for_deploy",
                                                  REPO / "scripts" / "workshop.py")
    assert spec is not None and spec.loader is not None
    workshop = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(workshop)
    var_dir = tmp_path_factory.mktemp("workshop")
    key_file = workshop.ensure_secret_key(var_dir / "secret_key")
    settings = workshop.workshop_environment({}, key_file=key_file, addresses=["192.168.1.10"],
                                             hostname="instructor-laptop")
    return check_deploy(var_dir, settings)


def test_check_deploy_has_no_lunchbox_warning_under_the_cluster_settings(
        cluster_warnings: set[str]) -> None:
    assert {w for w in cluster_warnings if w.startswith("lunchbox.")} == set()


def test_check_deploy_is_clean_under_the_cluster_settings(cluster_warnings: set[str]) -> None:
    """HSTS with subdomains from the ConfigMap; only the preload check is silenced there, with
    its reason (a decision for the domain's owner)."""
    assert cluster_warnings == set()


def test_check_deploy_is_clean_under_the_workshop_settings(workshop_warnings: set[str]) -> None:
    """The room's settings silence exactly the plain-HTTP and one-process checks, on purpose
    (scripts/workshop.py says why)."""
    assert workshop_warnings == set()


def test_the_workshop_silences_only_what_its_design_explains() -> None:
    spec = importlib.util.spec_from_file_location("lunchbox_workshop_silenced",
                                                  REPO / "scripts" / "workshop.py")
    assert spec is not None and spec.loader is not None
    workshop = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(workshop)
    plain = workshop.workshop_environment({}, key_file=Path("k"), addresses=[], hostname="h")
    assert set(plain["SILENCED_CHECKS"].split(",")) == PLAIN_HTTP_AND_ONE_PROCESS
    scaled = workshop.workshop_environment(
        {"BEHIND_TLS_PROXY": "1", "REDIS_URL": "redis://r", "DATABASE_URL": "postgres://p"},
        key_file=Path("k"), addresses=[], hostname="h")
    assert "SILENCED_CHECKS" not in scaled
