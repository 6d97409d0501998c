"""`make workshop` serves the room: a real daphne, started by scripts/workshop.py as the Makefile
does, on a second loopback address, asked the way a learner's browser on the venue Wi-Fi asks
(`Host: 192.168.1.10:<port>`). Nothing leaves the machine: 192.168.1.10 is only a header.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from serving import REPO, clean_environment, free_port, load_wsclient

BIND = "127.0.0.2"  # a second loopback address: the room's requests do not come from 127.0.0.1
LAN_ADDRESS = "192.168.1.10"
START_TIMEOUT = 90.0  # a first start collects and compresses the static files (about 10 s)
INSTRUCTOR, PASSWORD = "coach", "a-long-workshop-password-1"
DEBUG_PAGE = "DEBUG = True"  # what Django's technical 404/500 pages say


@dataclass(frozen=True)
class Room:
    port: int
    log: Path
    var: Path

    @property
    def host(self) -> str:
        return f"{LAN_ADDRESS}:{self.port}"

    def request(self, method: str, path: str, body: str | None = None,
                **headers: str) -> tuple[http.client.HTTPResponse, str]:
        """Ask the server on the loopback address, with the LAN `Host` unless told otherwise."""
        connection = http.client.HTTPConnection(BIND, self.port, timeout=10)
        connection.request(method, path, body=body, headers={"Host": self.host, **headers})
        response = connection.getresponse()
        return response, response.read().decode("utf-8", "replace")

    def get(self, path: str, **headers: str) -> tuple[http.client.HTTPResponse, str]:
        return self.request("GET", path, **headers)


def cookies_of(response: http.client.HTTPResponse) -> dict[str, str]:
    """Set-Cookie headers by cookie name, each header's whole text."""
    return {header.split("=", 1)[0]: header for header in response.headers.get_all("Set-Cookie")
            or []}


def wait_until_serving(process: subprocess.Popen[bytes], room: Room) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the workshop exited with {process.returncode}:\n{room.log.read_text()}")
        try:
            response, _ = room.get("/healthz")
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the workshop did not answer in {START_TIMEOUT:.0f} s:\n{room.log.read_text()}")


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    try:
        port = free_port(BIND)
    except OSError:
        pytest.skip(f"{BIND} cannot be bound here (only Linux routes all of 127.0.0.0/8)")
    var = tmp_path_factory.mktemp("room")
    room = Room(port=port, log=var / "workshop.log", var=var)
    env = clean_environment(LUNCHBOX_VAR_DIR=str(var))
    with room.log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "scripts/workshop.py", "--bind", BIND, "--port", str(port),
             "--address", LAN_ADDRESS],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(process, room)
        subprocess.run(
            [sys.executable, "manage.py", "createsuperuser", "--noinput", "--username",
             INSTRUCTOR, "--email", "coach@example.org"],
            cwd=REPO, env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}, check=True,
            capture_output=True, timeout=60,
        )
        yield room
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_it_prints_the_address_learners_type_and_a_qr_code(room: Room) -> None:
    log = room.log.read_text()
    assert f"Learners open:  http://{LAN_ADDRESS}:{room.port}/" in log
    assert "█" in log, "the QR code is drawn with block characters"


def test_a_learner_on_the_lan_gets_the_sandbox_not_a_400_or_a_debug_page(room: Room) -> None:
    response, page = room.get("/sandbox/")
    assert response.status == 200, page[:500]
    assert "<title>Sandbox · Lunchbox</title>" in page
    assert DEBUG_PAGE not in page


def test_an_unknown_page_is_the_lunchbox_404_not_the_debug_page(room: Room) -> None:
    response, page = room.get("/no-such-page/")
    assert response.status == 404
    assert "Open the sandbox" in page and DEBUG_PAGE not in page


def test_a_host_that_is_not_this_machine_is_refused(room: Room) -> None:
    response, page = room.get("/sandbox/", Host="lunchbox.evil.example")
    assert response.status == 400
    assert DEBUG_PAGE not in page


def test_the_learners_cookie_is_not_secure_so_it_survives_a_reload_on_plain_http(
        room: Room) -> None:
    first, _ = room.get("/sandbox/")
    session = cookies_of(first)["sessionid"]
    assert "secure" not in session.lower()
    key = SimpleCookie(session)["sessionid"].value
    again, _ = room.get("/sandbox/", Cookie=f"sessionid={key}")
    reissued = cookies_of(again).get("sessionid")
    assert reissued is None or SimpleCookie(reissued)["sessionid"].value == key


def test_static_files_are_served_compressed_and_cached(room: Room) -> None:
    _, page = room.get("/sandbox/")
    match = re.search(r'src="(/static/sandbox/sandbox\.[0-9a-f]{12}\.js)"', page)
    assert match, "the page names the hashed (collected) file"
    response, _ = room.get(match[1], **{"Accept-Encoding": "br, gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "br"
    assert "immutable" in response.headers["Cache-Control"]


def test_the_instructor_logs_in_to_the_admin_over_plain_http(room: Room) -> None:
    form, page = room.get("/admin/login/?next=/admin/")
    csrf_cookie = cookies_of(form)["csrftoken"]
    assert "secure" not in csrf_cookie.lower()
    token = SimpleCookie(csrf_cookie)["csrftoken"].value
    field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert field
    response, _ = room.request(
        "POST", "/admin/login/?next=/admin/",
        body=urlencode({"csrfmiddlewaretoken": field[1], "username": INSTRUCTOR,
                        "password": PASSWORD, "next": "/admin/"}),
        **{"Content-Type": "application/x-www-form-urlencoded",
           "Cookie": f"csrftoken={token}", "Origin": f"http://{room.host}"},
    )
    assert response.status == 302, "not a CSRF failure (403) nor the form again (200)"
    assert response.headers["Location"] == "/admin/"
    assert "secure" not in cookies_of(response)["sessionid"].lower()


def websocket_status(room: Room, origin: str) -> str:
    """The status line daphne answers a websocket upgrade of /ws/sandbox/ with."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /ws/sandbox/ HTTP/1.1\r\nHost: {room.host}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n")
    with socket.create_connection((BIND, room.port), timeout=10) as sock:
        sock.sendall(request.encode())
        head = b""
        while b"\r\n" not in head:
            chunk = sock.recv(1024)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n", 1)[0].decode()


def test_the_sandbox_websocket_accepts_the_pages_own_origin_only(room: Room) -> None:
    assert " 101 " in websocket_status(room, f"http://{room.host}")
    assert " 403 " in websocket_status(room, "http://lunchbox.evil.example")


async def open_sandbox_socket(room: Room) -> object:
    """A websocket to /ws/sandbox/ with the Host and Origin of the page on the LAN."""
    wsclient = load_wsclient()
    reader, writer = await asyncio.open_connection(BIND, room.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET /ws/sandbox/ HTTP/1.1\r\nHost: {room.host}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Version: 13\r\nOrigin: http://{room.host}\r\n\r\n").encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert b" 101 " in head.split(b"\r\n", 1)[0], head
    return wsclient.WebSocket(reader, writer)


def test_a_paste_over_a_mib_is_answered_too_large_and_the_socket_stays_open(room: Room) -> None:
    """Daphne's own limit (1 MiB by default) used to drop such a socket without a word."""
    async def paste() -> tuple[dict[str, object], dict[str, object]]:
        socket = await open_sandbox_socket(room)
        manifest = "# " + "x" * (1536 * 1024) + "\n"
        await socket.send_json({"version": 1, "type": "run", "manifest": manifest})
        refused = await socket.receive_json(timeout=30)
        await socket.send_json({"version": 1, "type": "ping"})
        pong = await socket.receive_json(timeout=10)
        await socket.close()
        return refused, pong

    refused, pong = asyncio.run(paste())
    assert (refused["type"], refused["code"]) == ("error", "too_large"), refused
    assert pong["type"] == "pong"


def run_workshop(var: Path, port: int) -> subprocess.CompletedProcess[str]:
    """The launcher when it stops before serving (it would otherwise become daphne)."""
    return subprocess.run(
        [sys.executable, "scripts/workshop.py", "--bind", "127.0.0.1", "--port", str(port),
         "--address", LAN_ADDRESS],
        cwd=REPO, env=clean_environment(LUNCHBOX_VAR_DIR=str(var)), capture_output=True,
        text=True, timeout=60,
    )


def test_a_port_already_taken_stops_it_before_the_slow_steps(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        result = run_workshop(tmp_path, holder.getsockname()[1])
    assert result.returncode == 1
    assert "make workshop: cannot listen on 127.0.0.1:" in result.stderr
    assert not (tmp_path / "lunchbox.sqlite3").exists()


def test_broken_collected_static_files_stop_it_with_a_message_not_error_pages(
        tmp_path: Path) -> None:
    manifest = tmp_path / "staticfiles" / "staticfiles.json"
    manifest.parent.mkdir()
    manifest.write_text('{"paths": {}, "version": "1.1"}')  # newer than every source: kept
    result = run_workshop(tmp_path, free_port("127.0.0.1"))
    assert result.returncode == 1
    assert "make workshop: the sandbox page fails" in result.stderr
    assert "Learners open" not in result.stdout


def test_a_request_whose_headers_never_end_is_answered_408(room: Room) -> None:
    """The room is served through sandbox/serve.py's guard (tests/server/test_connection_guard.py
    tries it at length): a half-open request does not hold its connection."""
    with socket.create_connection((BIND, room.port), timeout=60) as sock:
        sock.sendall(f"GET /sandbox/ HTTP/1.1\r\nHost: {room.host}\r\n".encode())
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408 "), answer
