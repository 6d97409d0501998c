"""The guard at daphne's door (sandbox/serve.py), tried over loopback on a real server started the
way `make run` starts it: one client holding 1100 never-finished requests does not lock out a
learner at another address, and its half-open connections are closed after the header timeout.
127.0.0.2 is a second loopback address (Linux routes all of 127.0.0.0/8 to lo).
"""

from __future__ import annotations

import base64
import os
import re
import resource
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from serving import REPO, clean_environment, free_port

HOST = "127.0.0.1"
OTHER_CLIENT = "127.0.0.2"
SLOW_CLIENTS = 1100
PARTIAL_HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"
START_TIMEOUT = 60.0
# Open files a process may hold by default on many Linux desktops (macOS: 256). With it, plain
# daphne holding 1100 half-open connections resets every newcomer; this machine's is higher.
LAPTOP_OPEN_FILES = 1024


def laptop_open_files() -> None:
    """In the server's process before it starts: the open-file limit of a laptop."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(LAPTOP_OPEN_FILES, hard), hard))


@dataclass(frozen=True)
class Door:
    port: int
    log: Path
    header_timeout: float
    cap: int

    def connect(self, source: str = HOST, timeout: float = 10.0) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.bind((source, 0))
        sock.connect((HOST, self.port))
        return sock

    def healthz(self, source: str) -> bytes:
        """The status line /healthz is answered with, asked from `source` (b"" if closed)."""
        with self.connect(source) as sock:
            try:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             b"Connection: close\r\n\r\n")
                return read_all(sock).split(b"\r\n", 1)[0]
            except ConnectionError:
                return b""


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def make_run_command(port: int) -> list[str]:
    """The Makefile's `run` recipe with its variables filled in."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    limits = re.search(r"^DAPHNE_LIMITS := (.+)$", makefile, re.M)
    recipe = re.search(r"^run:.*\n(?:#.*\n|\t@.*\n)*\t(.+)$", makefile, re.M)
    assert limits and recipe, "the Makefile's run target and DAPHNE_LIMITS"
    line = (recipe[1].replace("$(PY)", sys.executable).replace("$(HOST)", HOST)
            .replace("$(PORT)", str(port)).replace("$(DAPHNE_LIMITS)", limits[1]))
    return line.split()


def start(tmp: Path, **env: str) -> tuple[subprocess.Popen[bytes], Door]:
    port = free_port(HOST)
    door = Door(port=port, log=tmp / "server.log",
                header_timeout=float(env.get("LUNCHBOX_HEADER_TIMEOUT",
                                             settings.LUNCHBOX_HEADER_TIMEOUT)),
                cap=int(env.get("LUNCHBOX_MAX_CONNECTIONS_PER_CLIENT",
                                settings.LUNCHBOX_MAX_CONNECTIONS_PER_CLIENT)))
    with door.log.open("wb") as output:
        process = subprocess.Popen(make_run_command(port), cwd=REPO, stdout=output,
                                   stderr=subprocess.STDOUT, preexec_fn=laptop_open_files,
                                   env=clean_environment(LUNCHBOX_VAR_DIR=str(tmp), **env))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{door.log.read_text()}")
        try:
            if door.healthz(HOST).startswith(b"HTTP/1.1 200"):
                return process, door
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"the server did not answer in {START_TIMEOUT:.0f} s:\n{door.log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def second_loopback() -> None:
    try:
        free_port(OTHER_CLIENT)
    except OSError:
        pytest.skip(f"{OTHER_CLIENT} cannot be bound here (only Linux routes all of 127.0.0.0/8)")


@pytest.fixture(scope="module")
def door(tmp_path_factory: pytest.TempPathFactory, second_loopback: None) -> Iterator[Door]:
    """A server with the settings' defaults, as `make run` starts it."""
    process, door = start(tmp_path_factory.mktemp("door"))
    try:
        yield door
    finally:
        stop(process)


@pytest.fixture()
def small_door(tmp_path: Path, second_loopback: None) -> Iterator[Door]:
    """A server whose cap is 3 connections per client address, idle HTTP closed after 2 s."""
    process, door = start(tmp_path, LUNCHBOX_MAX_CONNECTIONS_PER_CLIENT="3",
                          LUNCHBOX_HTTP_IDLE_TIMEOUT="2")
    try:
        yield door
    finally:
        stop(process)


def test_make_run_and_make_workshop_start_the_guarded_server() -> None:
    assert make_run_command(8000)[1:3] == ["-m", "sandbox.serve"]
    workshop = (REPO / "scripts" / "workshop.py").read_text(encoding="utf-8")
    assert '"-m", "sandbox.serve"' in workshop and '"-m", "daphne"' not in workshop


def outcomes(socks: list[socket.socket], patience: float) -> dict[str, int]:
    """How each socket ends: answered 408, closed without a word, or still open at the end."""
    selector = selectors.DefaultSelector()
    received: dict[socket.socket, bytes] = {}
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        received[sock] = b""
    counts = {"408": 0, "closed": 0, "open": 0}
    deadline = time.monotonic() + patience
    while received and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.5):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                chunk = sock.recv(4096)
            except BlockingIOError:
                continue
            except ConnectionError:
                chunk = b""
            if chunk:
                received[sock] += chunk
                continue
            counts["408" if received[sock].startswith(b"HTTP/1.1 408 ") else "closed"] += 1
            selector.unregister(sock)
            del received[sock]
    counts["open"] = len(received)
    selector.close()
    return counts


def test_1100_unfinished_requests_from_one_client_lock_no_one_out(door: Door) -> None:
    slow: list[socket.socket] = []
    began = time.monotonic()
    try:
        for _ in range(SLOW_CLIENTS):
            sock = door.connect()
            try:
                sock.sendall(PARTIAL_HEAD)
            except ConnectionError:
                pass  # refused already: it is counted as closed below
            slow.append(sock)
        opened_in = time.monotonic() - began
        # A learner at another address is served while all 1100 are pending.
        assert door.healthz(OTHER_CLIENT).startswith(b"HTTP/1.1 200"), door.log.read_text()
        # The patience is the test's own limit, well past the server's header timeout.
        ends = outcomes(slow, patience=door.header_timeout + 30)
    finally:
        for sock in slow:
            sock.close()
    assert ends["open"] == 0, f"half-open connections never closed: {ends}"
    assert ends["408"] + ends["closed"] == SLOW_CLIENTS
    if opened_in < door.header_timeout:  # no deadline can have freed a place meanwhile:
        # the first `cap` waited for the header timeout, the others were turned away unanswered.
        assert ends == {"408": door.cap, "closed": SLOW_CLIENTS - door.cap, "open": 0}
    # And the slow client is served again once it asks properly.
    assert door.healthz(HOST).startswith(b"HTTP/1.1 200")


def test_a_request_dripped_byte_by_byte_is_cut_off_at_the_header_timeout(door: Door) -> None:
    with door.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # one served request
        sock.settimeout(door.header_timeout + 30)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        answer = b""
        try:
            for _ in range(int(door.header_timeout * 4) + 120):  # a header line that never ends
                sock.sendall(b"X")
                time.sleep(0.5)
        except ConnectionError:
            pass
        try:
            answer = read_all(sock)
        except ConnectionError:
            pass
    assert answer.startswith(b"HTTP/1.1 408 "), answer


def open_websocket(door: Door, source: str = HOST) -> socket.socket:
    sock = door.connect(source)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws/sandbox/ HTTP/1.1\r\nHost: 127.0.0.1:{door.port}\r\n"
                  f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{door.port}\r\n\r\n"
                  ).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, "the upgrade was not answered"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101 "), head
    return sock


def test_websockets_count_against_the_cap_and_free_their_place_when_closed(
        small_door: Door) -> None:
    sockets = [open_websocket(small_door) for _ in range(3)]
    try:
        assert small_door.healthz(HOST) == b"", "a fourth connection from the same address"
        assert small_door.healthz(OTHER_CLIENT).startswith(b"HTTP/1.1 200")
        # A websocket outlives the header timeout and the idle HTTP timeout (2 s here): it is
        # no longer a request being read, nor an idle HTTP connection.
        time.sleep(small_door.header_timeout + 1)
        sockets[0].setblocking(False)
        with pytest.raises(BlockingIOError):
            sockets[0].recv(1)
        sockets.pop(0).close()
        deadline = time.monotonic() + 30
        served = b""
        while time.monotonic() < deadline and not served.startswith(b"HTTP/1.1 200"):
            served = small_door.healthz(HOST)  # once the server has seen the close
            time.sleep(0.1)
        assert served.startswith(b"HTTP/1.1 200")
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.parametrize(("pieces", "done_after"), [
    ([b"GET / HTTP/1.1\r\nHost: a\r\n", b"\r\n"], 2),
    ([b"GET / HTTP/1.1\r\nHost: a\r", b"\n\r", b"\n"], 3),
    ([b"GET / HTTP/1.1\nHost: a\n\n"], 1),  # bare LF, as Twisted also reads it
    ([b"\r\n", b"\r\n", b"GET / HTTP/1.1\r\n", b"Host: a\r\n", b"\r\n"], 5),
    ([b"GET / HTTP/1.1\r\nHost: a\r\n", b"X-Slow: 1\r\n", b"X"], None),
])
def test_the_head_is_done_at_the_first_blank_line_after_the_request_line(
        pieces: list[bytes], done_after: int | None) -> None:
    from sandbox.serve import HeadWatch

    watch = HeadWatch()
    results = [watch.feed(piece) for piece in pieces]
    first = results.index(True) + 1 if True in results else None
    assert first == done_after
