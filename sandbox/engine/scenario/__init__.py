"""scenario: FRONT_DOC"""

from __future__ import annotations

from .catalogue import CATALOGUE_ARCHITECTURES, docker_hub
from .fields import suggestion
from .learner_build import FileVersions, LearnerBuild, apply_learner_build
from .load import MAX_HORIZON, VERIFICATION_POLICIES, default_scenario, load_scenario
from .registries import ARCHITECTURE_ALIASES, ARCHITECTURES, by_digest

__all__ = [
    "CATALOGUE_ARCHITECTURES",
    "ARCHITECTURE_ALIASES",
    "ARCHITECTURES",
    "FileVersions",
    "LearnerBuild",
    "MAX_HORIZON",
    "VERIFICATION_POLICIES",
    "apply_learner_build",
    "by_digest",
    "default_scenario",
    "docker_hub",
    "load_scenario",
    "suggestion",
]
