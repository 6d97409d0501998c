"""The hostile-input corpus, timed: every case must be handled (run or refused) in well under
100 ms (issue 13), measured against a plain paste and a plain scenario in the same run.

The corpus is the one the tests use (tests/hostile/hostile_corpus.py): pastes are read and
simulated in the default cluster, scenarios loaded and, when they load, run with one Pod.
Figures are the best of 3 for each case; the slowest cases are listed.

    python -m bench.hostile
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.engine import ManifestError, load_scenario, simulate
from sandbox.engine.paste import load_paste

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "hostile" / "hostile_corpus.py"
GOAL_MS = 100.0


def corpus() -> Any:
    spec = importlib.util.spec_from_file_location("hostile_corpus", CORPUS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile_corpus"] = module
    spec.loader.exec_module(module)
    return module


def timed(call: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        try:
            call()
        except (ManifestError, ValueError):
            pass  # refused: the time to refuse is what counts
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    hostile = corpus()
    pod = load_paste(hostile.POD)

    def paste(text: str | bytes) -> Callable[[], Any]:
        return lambda: simulate(load_paste(text))

    def scenario(text: str | bytes) -> Callable[[], Any]:
        return lambda: simulate(pod, load_scenario(text))

    baseline_paste = timed(paste(hostile.POD))
    baseline_scenario = timed(scenario("name: x\nnodes:\n  - name: node-1\n"))
    figures = [(f"paste {c.id}", timed(paste(c.text))) for c in hostile.PASTES]
    figures += [(f"scenario {c.id}", timed(scenario(c.text))) for c in hostile.SCENARIOS]
    figures.sort(key=lambda item: -item[1])
    print(f"baseline: a plain Pod paste {baseline_paste:.2f} ms, "
          f"a one-node scenario + Pod {baseline_scenario:.2f} ms")
    print(f"{len(figures)} hostile cases; slowest first:")
    for name, ms in figures[:8]:
        print(f"  {name:<45} {ms:8.1f} ms  ({ms / baseline_paste:6.1f}x the plain paste)")
    worst = figures[0][1]
    over = [name for name, ms in figures if ms > GOAL_MS]
    print(f"slowest {worst:.1f} ms; over {GOAL_MS:.0f} ms: {', '.join(over) or 'none'}")


if __name__ == "__main__":
    main()
