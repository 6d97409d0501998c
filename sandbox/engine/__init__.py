"""The Lunchbox simulator: pure Python, no Django or Channels.

Public names (DESIGN.md "The engine contract"); other code and tests import them from here.
"""

from __future__ import annotations

from .credentials import Credential, Keyring, credentials_match
from .goals import GoalResult, check_goals
from .manifests import load_manifests
from .objects import KubeObject, ManifestError, Manifests, Problem
from .reference import ImageReference, InvalidReference, default_pull_policy, parse_reference
from .scenario import default_scenario, load_scenario
from .simulator import simulate
from .trace import Trace
from .world import Scenario

__all__ = [
    "Credential",
    "GoalResult",
    "ImageReference",
    "InvalidReference",
    "KubeObject",
    "Keyring",
    "ManifestError",
    "Manifests",
    "Problem",
    "Scenario",
    "Trace",
    "check_goals",
    "credentials_match",
    "default_pull_policy",
    "default_scenario",
    "load_manifests",
    "load_scenario",
    "parse_reference",
    "simulate",
]
