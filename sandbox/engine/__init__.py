"""The Lunchbox simulator: pure Python, no Django or Channels.

Public names (DESIGN.md "The engine contract"); other code and tests import them from here.
`evaluate` is the one use case: paste and scenario in, an `Evaluation` out. The subpackages, each
fronted by its `__init__`:

- `yamlsafe/`: a hostile-input-safe YAML reader that keeps every node's line and column
- `manifests/`: Kubernetes objects read from that tree, with the API server's validation
- `kubectl/`: kubectl's command line (`create secret docker-registry`, flags, `--dry-run -o yaml`)
  and its printers (`get pods`, `describe pod`)
- `reference/`: image references, parsed and normalized as distribution/reference does
- `credentials/`: docker config files, credential provider plugins and the kubelet's keyring of
  pull credentials
- `runtime/`: what containerd and the kubelet say: profiles, pull errors, event messages
- `registry/`: how a simulated registry answers a pull, and `crane digest`
- `kubelet/`: the image manager, puller, pod workers and back-off of each node
- `cluster/`: admission, workloads into pods, the scheduler, the event recorder
- `scenario/`: the world a paste lands in, read from YAML; the learner's own build
- `dockerfile/`: a Dockerfile built into layers with sizes and digests
- `render/`: kubectl text and Mermaid diagrams drawn from a trace
"""

from __future__ import annotations

from .credentials import Credential, Keyring, credentials_match
from .evaluation import BuildError, Evaluation, GoalsError, evaluate
from .goals import Goal, GoalResult, check_goals, load_goals, rescore
from .manifests import load_manifests
from .objects import KubeObject, Manifests
from .paste import load_paste
from .problems import ManifestError, Position, Problem
from .reference import ImageReference, InvalidReference, default_pull_policy, parse_reference
from .scenario import (
    BuildRequest,
    FileVersions,
    SettingsError,
    apply_settings,
    default_scenario,
    load_scenario,
)
from .simulator import simulate
from .trace import Trace
from .world import Scenario

__all__ = [
    "BuildError",
    "BuildRequest",
    "Credential",
    "Evaluation",
    "FileVersions",
    "Goal",
    "GoalResult",
    "GoalsError",
    "ImageReference",
    "InvalidReference",
    "KubeObject",
    "Keyring",
    "ManifestError",
    "Manifests",
    "Position",
    "Problem",
    "Scenario",
    "SettingsError",
    "Trace",
    "apply_settings",
    "check_goals",
    "rescore",
    "credentials_match",
    "default_pull_policy",
    "default_scenario",
    "evaluate",
    "load_goals",
    "load_manifests",
    "load_paste",
    "load_scenario",
    "parse_reference",
    "simulate",
]
