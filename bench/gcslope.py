"""How the engine's cost grows from 200 to 1000 pods, with Python's cyclic GC as the server has it.

The engine is linear in pods (its call counts grow with an exponent of about 1.0), but each
collection of the oldest generation walks every object the process holds: in a server that is
Django, the course, every socket. Here the process first imports the whole server
(`sandbox.asgi`), so the heap is a server's, then times a Deployment of 200, 500 and 1000 pods on
20 nodes (the whole evaluation: simulate, diagrams, `Trace.to_dict()`) under four GC settings:

- `default`: as Python starts;
- `freeze`: `gc.freeze()` after start-up (the start-up heap moves to a permanent generation that
  collections skip);
- `freeze+threshold`: the same plus the thresholds `sandbox/asgi.py` sets (`GC_THRESHOLD`), what
  the server runs with;
- `no gc`: `gc.disable()`, the floor: what the work costs with no collection at all.

It prints ms per evaluation, the ratio to `no gc` at the same size, and the slope: the exponent k
in cost ~ pods^k between 200 and 1000 pods (1.0 is linear).

    python -m bench.gcslope [--big]   # --big adds 2000 pods
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import time

from .engine import ROLLOUT, SCENARIO, evaluate_run

PYTHON_DEFAULT = (700, 10, 10)


def server_heap() -> object:
    """Import the whole server, as a daphne process holds it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    os.environ.setdefault("DEBUG", "1")
    import sandbox.asgi

    return sandbox.asgi.application


def timed(text: str, world: object, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.process_time()  # CPU time: other processes on the machine count less
        evaluate_run(text, world)  # type: ignore[arg-type]
        samples.append(time.process_time() - start)
    return min(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="add 2000 pods")
    args = parser.parse_args()
    server_heap()  # which freezes its heap and sets sandbox.asgi.GC_THRESHOLD: undone below
    from sandbox.asgi import GC_THRESHOLD

    gc.unfreeze()
    from sandbox.engine import load_scenario
    from sandbox.engine.cluster import workloads
    from sandbox.engine.world import Node, Scenario

    # A sandbox evaluation stops at 500 pods; lifted here only, to see the growth beyond it.
    workloads.MAX_PODS = 2000

    registries = load_scenario(SCENARIO.read_text()).registries
    world = Scenario("20 nodes", nodes=tuple(Node(f"node-{i}") for i in range(20)),
                     registries=registries)
    sizes = [200, 500, 1000] + ([2000] if args.big else [])
    texts = {n: ROLLOUT.replace("replicas: 200", f"replicas: {n}") for n in sizes}
    evaluate_run(texts[200], world)  # warm the caches
    defaults = PYTHON_DEFAULT
    modes = {
        "default": lambda: (gc.unfreeze(), gc.enable(), gc.set_threshold(*defaults)),
        "freeze": lambda: (gc.enable(), gc.set_threshold(*defaults), gc.collect(), gc.freeze()),
        "freeze+threshold": lambda: (gc.enable(), gc.set_threshold(*GC_THRESHOLD), gc.collect(),
                                     gc.freeze()),
        "no gc": lambda: (gc.disable(),),
    }
    figures: dict[str, dict[int, float]] = {}
    for name, setup in modes.items():
        setup()
        figures[name] = {n: timed(texts[n], world, 3) for n in sizes}
        gc.unfreeze()
    gc.enable()
    gc.set_threshold(*defaults)
    floor = figures["no gc"]
    print(f"objects the GC tracks in this process (the server's heap): {len(gc.get_objects())}")
    print(f"{'gc':<17}" + "".join(f"{f'{n} pods ms':>13}{'x no gc':>9}" for n in sizes)
          + f"{'slope 200-1000':>16}")
    for name, row in figures.items():
        slope = math.log(row[1000] / row[200]) / math.log(5)
        print(f"{name:<17}" + "".join(f"{row[n] * 1e3:>13.1f}{row[n] / floor[n]:>9.2f}"
                                     for n in sizes) + f"{slope:>16.2f}")


if __name__ == "__main__":
    main()
