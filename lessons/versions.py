"""Which Kubernetes and containerd a scenario models (issue 12), for the sandbox's scenario
picker and the lesson pages: a learner who switches to a `classic` or `k8s-1.37` scenario sees
the versions change (docs/versions.md)."""

from __future__ import annotations

from lessons.lookups import parsed_scenario
from lessons.models import Scenario as ScenarioModel
from sandbox.engine import ManifestError, default_scenario
from sandbox.engine.runtime import RenderError, modelled_versions


def scenario_versions(scenario: ScenarioModel | str | None) -> str:
    """`Kubernetes 1.35 · containerd 2.3.4` for a scenario (its model or its YAML), or for the
    default cluster when None; '' when the YAML does not load (a run says why)."""
    if scenario is None:
        return modelled_versions(default_scenario().profile)
    source = scenario.source if isinstance(scenario, ScenarioModel) else scenario
    try:
        return modelled_versions(parsed_scenario(source).profile)
    except (ManifestError, RenderError):
        return ""
