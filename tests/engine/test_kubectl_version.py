"""`kubectl version`: the releases of the profile the scenario runs (pkg/cmd/version)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_console import Console  # noqa: E402


@pytest.mark.parametrize(("profile", "lines"), [
    ("newest", ["Client Version: v1.35.7", "Kustomize Version: v5.7.1",
                "Server Version: v1.35.7"]),
    ("current", ["Client Version: v1.34.10", "Kustomize Version: v5.7.1",
                 "Server Version: v1.34.10"]),
    ("classic", ["Client Version: v1.27.16", "Kustomize Version: v5.0.1",
                 "Server Version: v1.27.16"]),
])
def test_kubectl_version_prints_the_profiles_releases(profile: str, lines: list[str]) -> None:
    """pkg/cmd/version: client, the kustomize module kubectl was built with (its go.mod at
    that release), server."""
    from dataclasses import replace

    c = Console()
    c.state.scenario = replace(c.state.scenario, profile=profile)
    assert c.do("kubectl version").output.splitlines() == lines
    assert c.do("kubectl version --client").output.splitlines() == lines[:2]
    assert c.do("kubectl version extra").error.strip() == "error: extra arguments: [extra]"
    assert c.do("kubectl version -o xml").error.strip() == \
        "error: --output must be 'yaml' or 'json'"
