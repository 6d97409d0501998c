"""Engine benchmarks, reported as ratios to a baseline measured in the same run.

Baselines, measured in the same run on the same text: ruamel.yaml's C-based safe parse (the
least any YAML-in engine must do) and its round-trip parse (what keeping line and column through
ruamel's own loader would cost). Machines here are noisy, so compare ratios, not milliseconds.
Target (issue 3): the seed Deployment's whole evaluation within 5x the C-based parse.

    python -m bench.engine
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from ruamel.yaml import YAML

from sandbox.engine import evaluate, load_manifests, load_scenario
from sandbox.engine.world import (
    Image,
    Layer,
    Node,
    NodeImage,
    Push,
    Registry,
    Repository,
    Scenario,
    TimelineEntry,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "lessons/content/scenarios/private-registry.yaml"

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


TAG_MOVE_ROLLOUT = DEPLOYMENT.replace("replicas: 3", "replicas: 200").replace(
    "image: nginx:1.25", "image: registry.example.com/shop/web:stable").replace(
    "imagePullPolicy: IfNotPresent", "imagePullPolicy: Always")


def tag_move_world() -> Scenario:
    """20 nodes hold build 1 of a 10-layer image under `stable`; the tag has moved to build 2,
    which shares the 9 lower layers, so every Always pull downloads one layer."""
    base = [Layer(f"shop-base-{i}", 8_000_000 + i * 1_000_000) for i in range(9)]
    build1 = Image("build-1", (*base, Layer("shop-app-1", 2_000_000)))
    build2 = Image("build-2", (*base, Layer("shop-app-2", 2_100_000)))
    repo = Repository("shop/web", {"build-1": build1, "build-2": build2}, {"stable": "build-1"})
    registry = Registry("registry.example.com", repositories={"shop/web": repo})
    nodes = tuple(Node(f"node-{i}", images=(NodeImage("registry.example.com/shop/web:stable",
                                                      build1),)) for i in range(20))
    move = TimelineEntry(0.0, Push("registry.example.com/shop/web", "stable", "build-2"))
    return Scenario("tag move", nodes=nodes, registries=(registry,), timeline=(move,))


def evaluate_run(text: str, scenario: Scenario) -> object:
    """What one learner's Run costs: parse, simulate, hints, diagrams, the trace as JSON."""
    evaluation = evaluate(text, scenario)
    evaluation.diagrams  # noqa: B018 - the page draws them from every run
    return evaluation.trace.to_dict()


def main() -> None:
    fast = YAML(typ="safe", pure=False)
    roundtrip = YAML(typ="rt")
    scenario = load_scenario(SCENARIO.read_text())
    twenty = Scenario("20 nodes", nodes=tuple(Node(f"node-{i}") for i in range(20)),
                      registries=scenario.registries)
    rows: list[tuple[str, float, float, float]] = []
    for label, text, world, repeat, number in (
        ("seed Deployment (3 replicas), 3-node scenario", DEPLOYMENT, scenario, 7, 20),
        ("200 pods on 20 nodes", ROLLOUT, twenty, 3, 1),
        ("200-pod rollout of a 10-layer image after a tag move, 20 nodes", TAG_MOVE_ROLLOUT,
         tag_move_world(), 3, 1),
    ):
        c_parse = best_of(lambda text=text: list(fast.load_all(text)), 7, 20)
        rt_parse = best_of(lambda text=text: list(roundtrip.load_all(text)), 7, 5)
        rows.append((f"C safe parse, {label}", c_parse, 1.0, c_parse / rt_parse))
        parse = best_of(lambda text=text: load_manifests(text), 7, 20)
        rows.append((f"load_manifests, {label}", parse, parse / c_parse, parse / rt_parse))
        whole = best_of(lambda text=text, world=world: evaluate_run(text, world), repeat, number)
        rows.append((f"whole evaluation, {label}", whole, whole / c_parse, whole / rt_parse))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'ms/call':>9}  {'x C parse':>9}  {'x rt parse':>10}")
    for name, seconds, c_ratio, rt_ratio in rows:
        print(f"{name:<{width}}  {seconds * 1000:9.3f}  {c_ratio:9.2f}  {rt_ratio:10.2f}")


if __name__ == "__main__":
    main()
