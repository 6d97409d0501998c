"""What the worker processes' forkserver imports and warms once (`sandbox.workers`), so that
every worker forked from it starts with the engine loaded, its caches filled and its heap frozen
out of the cyclic GC's way (as the server's own is: `sandbox.asgi`)."""

from __future__ import annotations

import gc

from sandbox import cluster_work, prepare  # noqa: F401 - what the workers run
from sandbox.engine import default_scenario


def _warm() -> None:
    """One small run through every stage: the flowchart's cached skeleton, reference parsing."""
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: warm}\n"
           "spec:\n  containers:\n  - name: web\n    image: nginx:1.25\n")
    prepare.prepare_run(pod, default_scenario(), None, None, 1, predict=True)
    prepare.lint_problems(pod)


_warm()
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
