"""What a run costs a process that slept before it: the CPU time of one `prepare_run` of the
starter (what an evaluation worker does for a learner's run), back to back and after a pause.

A worker process sleeps on its pipe between two learners' runs. On the virtual machines this
project is measured on, a process's next few milliseconds after a sleep run far slower than
the same work done back to back, and the longer the sleep the slower. The pause is also done
as a busy wait (the process never leaves the CPU), which separates "slept" from "time passed".
Baseline, in the same run: the same call back to back.

    python -m bench.asleep [--calls 200]
"""

from __future__ import annotations

import argparse
import os

from .engine import DEPLOYMENT, SCENARIO
from .harness import cpu_per_call

PAUSES = (0.0005, 0.002, 0.005, 0.020)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per round (default 200)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    from sandbox.engine import load_scenario
    from sandbox.prepare import prepare_run

    scenario = load_scenario(SCENARIO.read_text())

    def work() -> object:
        return prepare_run(DEPLOYMENT, scenario, None, None, 1)

    for _ in range(50):
        work()
    baseline = cpu_per_call(work, repeat=5, number=args.calls)
    print(f"prepare_run of the starter, back to back: {baseline * 1e3:.2f} ms of CPU")
    print(f"\n{'pause (ms)':>10}  {'how':>9}  {'ms of CPU':>9}  {'x back to back':>14}")
    for pause in PAUSES:
        for busy in (False, True) if pause == 0.005 else (False,):
            cost = cpu_per_call(work, repeat=5, number=args.calls // 2, asleep=pause,
                                busy=busy)
            print(f"{pause * 1e3:>10g}  {'busy wait' if busy else 'asleep':>9}  "
                  f"{cost * 1e3:>9.2f}  {cost / baseline:>14.2f}")


if __name__ == "__main__":
    main()
