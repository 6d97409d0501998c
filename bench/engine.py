"""Engine benchmarks, reported as ratios to a baseline measured in the same run.

Baseline: ruamel.yaml's C-based safe parse of the same text (the least any YAML-in engine must
do). Machines here are noisy, so only the ratios are meant to be compared between runs.

    python -m bench.engine
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from ruamel.yaml import YAML

from sandbox.engine import load_manifests, simulate
from sandbox.engine.scenario import default_scenario
from sandbox.engine.world import Node, Scenario

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 80
"""

ROLLOUT = DEPLOYMENT.replace("replicas: 3", "replicas: 200")


def best_of(fn: Callable[[], object], repeat: int = 7, number: int = 5) -> float:
    """Median seconds per call over `repeat` batches of `number` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def main() -> None:
    bare = YAML(typ="safe", pure=False)
    base = default_scenario()
    twenty = Scenario("20 nodes", nodes=tuple(Node(f"node-{i}") for i in range(20)),
                      registries=base.registries)
    rows = []
    parse_base = best_of(lambda: list(bare.load_all(DEPLOYMENT)))
    rows.append(("bare C safe parse, 20-line Deployment (baseline)", parse_base, 1.0))
    t = best_of(lambda: load_manifests(DEPLOYMENT))
    rows.append(("load_manifests, same text", t, t / parse_base))
    objects = load_manifests(DEPLOYMENT)
    t = best_of(lambda: simulate(objects, base))
    rows.append(("simulate, 3 replicas on 2 nodes", t, t / parse_base))
    rollout_base = best_of(lambda: list(bare.load_all(ROLLOUT)))
    rows.append(("bare C safe parse, 200-replica Deployment (baseline)", rollout_base, 1.0))
    rollout = load_manifests(ROLLOUT)
    t = best_of(lambda: simulate(rollout, twenty), repeat=3, number=1)
    rows.append(("simulate, 200 pods on 20 nodes", t, t / rollout_base))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'ms/call':>9}  {'× baseline':>10}")
    for name, seconds, ratio in rows:
        print(f"{name:<{width}}  {seconds * 1000:9.3f}  {ratio:10.1f}")


if __name__ == "__main__":
    main()
