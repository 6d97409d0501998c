"""One daphne process to benchmark, its CPU time and memory read from /proc, and a client.

The server runs with the workshop's production settings (DEBUG off, SQLite, the course loaded)
from `var/bench/` in the repository; static files are collected there once and kept (about 30 s
the first time), the database is made afresh each run. The client is the scale tests' minimal
RFC 6455 client (`tests/scale/wsclient.py`), run in this process on the same machine: what it
measures includes its own share of the two cores, so figures are compared with the bare
consumer's, measured the same way in the same run.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def environment() -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "LUNCHBOX_VAR_DIR": str(VAR),
        "DATABASE_URL": f"sqlite:///{VAR / 'bench.sqlite3'}",
        # Every bench client comes from 127.0.0.1: lift the per-address run limit.
        "LUNCHBOX_ADDRESS_RUNS_PER_MINUTE": "1000000",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def prepare(env: dict[str, str]) -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    if not (VAR / "staticfiles" / "staticfiles.json").exists():
        print("collecting static files into var/bench once (about 30 s)...", flush=True)
        manage("collectstatic", "--noinput", env=env)
    for leftover in VAR.glob("bench.sqlite3*"):
        leftover.unlink()
    manage("migrate", "--noinput", env=env)
    manage("load_content", env=env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    @property
    def ws(self) -> str:
        return "ws" + self.url.removeprefix("http")

    @property
    def headers(self) -> dict[str, str]:
        return {"Origin": self.url}

    def cpu_seconds(self, workers: bool = True) -> float:
        """User + system CPU time the server process has used so far, and (unless `workers` is
        false) its evaluation workers' and their forkserver's: every live process descended
        from it, with the children each has reaped."""
        if not workers:
            return _own_cpu(self.process.pid)
        return sum(_own_cpu(pid, reaped=True) for pid in _descendants(self.process.pid))

    def rss_bytes(self) -> int:
        return int(Path(f"/proc/{self.process.pid}/statm").read_text().split()[1]) * PAGE


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _own_cpu(pid: int, reaped: bool = False) -> float:
    try:
        fields = _stat(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def _descendants(root: int) -> list[int]:
    """`root` and every live process below it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
    found, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


@contextmanager
def serve(env: dict[str, str], app: str = "bench.serverapp:application") -> Iterator[Server]:
    """A daphne process serving `app` on a free port, stopped afterwards."""
    port = free_port()
    log = (VAR / "daphne.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"daphne exited with {process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{server.url}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("daphne did not start in 60 s") from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def cpu_per_call(fn: Callable[[], object], repeat: int = 7, number: int = 50,
                 asleep: float = 0.0, busy: bool = False) -> float:
    """Median CPU seconds per call (CPU time, as the server's is measured: other processes on
    the machine count less than in wall time). With `asleep`, the process sleeps that long
    before each call, as an evaluation worker waits between learners' runs (with `busy`, it
    waits as long without leaving the CPU); the pause is not counted."""
    samples = []
    for _ in range(repeat):
        spent = 0.0
        for _ in range(number):
            if busy:
                until = time.perf_counter() + asleep
                while time.perf_counter() < until:
                    pass
            elif asleep:
                time.sleep(asleep)
            start = time.process_time()
            fn()
            spent += time.process_time() - start
        samples.append(spent / number)
    return statistics.median(samples)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def clean() -> None:
    """Remove the benchmark's database (the collected static files are kept)."""
    for leftover in VAR.glob("bench.sqlite3*"):
        leftover.unlink()
    shutil.rmtree(VAR / "tmp", ignore_errors=True)
