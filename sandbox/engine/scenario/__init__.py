"""The world a paste lands in: nodes, registries, history, read from scenario YAML.

`load` is the entry (`load_scenario`, `default_scenario`), reading with `fields`; `nodes`,
`registries` and `builds` read their sections, `catalogue` holds the built-in Docker Hub images,
`learner_build` pushes a learner's own Dockerfile build into a scenario, and `learner_settings` /
`apply_settings` read and apply the settings a scenario lets a learner change.
"""

from __future__ import annotations

from ..world import VERIFICATION_POLICIES
from .apply_settings import SettingsError, apply_settings
from .catalogue import docker_hub
from .learner_build import BuildRequest, FileVersions, LearnerBuild, apply_learner_build
from .learner_settings import SETTABLE
from .load import MAX_HORIZON, default_scenario, load_scenario
from .registries import ARCHITECTURE_ALIASES, ARCHITECTURES, by_digest

__all__ = [
    "ARCHITECTURE_ALIASES",
    "ARCHITECTURES",
    "BuildRequest",
    "FileVersions",
    "LearnerBuild",
    "MAX_HORIZON",
    "SETTABLE",
    "SettingsError",
    "VERIFICATION_POLICIES",
    "apply_learner_build",
    "apply_settings",
    "by_digest",
    "default_scenario",
    "docker_hub",
    "load_scenario",
]
