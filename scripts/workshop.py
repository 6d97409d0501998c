#!/usr/bin/env python
"""`make workshop`: serve the room from this machine with production settings, then be daphne.

Run by the Makefile after `make setup`. Before Django is set up it sets the environment that
sandbox/settings.py reads: DEBUG off, a secret key made once in var/secret_key (mode 0600;
var/ is git-ignored), ALLOWED_HOSTS for this machine's own addresses, and cookies without the
Secure flag, since a laptop on venue Wi-Fi serves plain HTTP (browsers drop Secure cookies
there). DATABASE_URL and REDIS_URL pass through; without them it is SQLite in WAL mode and the
in-memory channel layer, one process. It migrates, loads the course, collects and compresses
the static files when a source changed, asks for the sandbox page once in-process (so a broken
page stops start-up with a message instead of greeting the room with errors), prints the address
learners type and a QR code of it, and replaces itself with daphne bound to 0.0.0.0 (through
sandbox/serve.py: a request-header deadline and a connection cap per client).

No address is looked up on the network: they come from `ip -j addr` (Linux), `ifconfig`
(macOS, BSD) or the host name, and `--address` names them by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# Interfaces of containers, VMs and clusters on this machine: learners' laptops cannot reach them.
VIRTUAL_INTERFACES = ("docker", "br-", "veth", "virbr", "cni", "flannel", "cali", "kube",
                      "lxc", "vmnet", "vboxnet", "utun", "bridge", "awdl", "llw")
_IFCONFIG_INTERFACE = re.compile(r"^(?P<name>[^\s:]+):? ")
_IFCONFIG_INET = re.compile(r"^\s+inet (?:addr:)?(?P<address>\d+\.\d+\.\d+\.\d+)")


class WorkshopError(Exception):
    """Why the room cannot be served; printed without a traceback."""


def ensure_secret_key(path: Path) -> Path:
    """The file holding this machine's secret key, made on first use with mode 0600.

    The key signs sessions and CSRF tokens, so it is kept across restarts (learners stay who
    they are) and never leaves the machine: it is not in the environment or in git.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise WorkshopError(
                f"{path} can be read by other users (mode {mode:o}): run `chmod 600 {path}`, or "
                "delete it to make a new key (everyone is signed out, learners start afresh)."
            ) from None
        return path
    with os.fdopen(descriptor, "w", encoding="utf-8") as key_file:
        os.fchmod(key_file.fileno(), 0o600)  # whatever the umask
        key_file.write(secrets.token_urlsafe(50) + "\n")
    return path


def _reachable(interface: str, address: str) -> bool:
    return not address.startswith("127.") and not interface.startswith(VIRTUAL_INTERFACES)


def parse_ip_addresses(addresses_json: str, routes_json: str = "[]") -> list[str]:
    """IPv4 addresses from `ip -j -4 addr show up`, the default route's interface first."""
    default_devices = [route.get("dev") for route in json.loads(routes_json or "[]")
                       if route.get("dst") == "default"]
    found: list[tuple[bool, str]] = []
    for interface in json.loads(addresses_json or "[]"):
        name = str(interface.get("ifname", ""))
        for info in interface.get("addr_info", []):
            address = str(info.get("local", ""))
            if info.get("family") == "inet" and _reachable(name, address):
                found.append((name not in default_devices, address))
    return [address for _, address in sorted(found, key=lambda item: item[0])]


def parse_ifconfig(text: str) -> list[str]:
    """IPv4 addresses from `ifconfig` output (macOS, BSD, old Linux), in its order."""
    found: list[str] = []
    interface = ""
    for line in text.splitlines():
        if match := _IFCONFIG_INTERFACE.match(line):
            interface = match["name"]
        elif (match := _IFCONFIG_INET.match(line)) and _reachable(interface, match["address"]):
            found.append(match["address"])
    return found


def _command_output(*command: str) -> str:
    """What a local command prints, or "" when it is missing or fails."""
    program = shutil.which(command[0])
    if program is None:
        return ""
    try:
        result = subprocess.run([program, *command[1:]], capture_output=True, text=True,
                                timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout if result.returncode == 0 else ""


def own_ipv4_addresses() -> list[str]:
    """This machine's IPv4 addresses that other machines on the LAN can reach."""
    addresses_json = _command_output("ip", "-j", "-4", "addr", "show", "up")
    try:
        found = parse_ip_addresses(addresses_json, _command_output("ip", "-j", "-4", "route"))
    except (ValueError, AttributeError):  # an `ip` that is not iproute2's (macOS' iproute2mac)
        found = []
    if not found:
        found = parse_ifconfig(_command_output("ifconfig"))
    if not found:
        try:
            infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        except OSError:
            infos = []
        found = [str(info[4][0]) for info in infos if not str(info[4][0]).startswith("127.")]
    return list(dict.fromkeys(found))


PLAIN_HTTP_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]


def workshop_environment(environ: Mapping[str, str], *, key_file: Path,
                         addresses: Sequence[str], hostname: str = "") -> dict[str, str]:
    """The variables that give sandbox/settings.py production settings for serving the room.

    What the instructor set keeps its value (DATABASE_URL, REDIS_URL, SECRET_KEY,
    SECURE_COOKIES …); ALLOWED_HOSTS gains this machine's names rather than losing theirs.
    """
    hostname = hostname or socket.gethostname()
    names = [hostname, f"{hostname}.local"] if hostname else []
    hosts = [*addresses, *LOCAL_HOSTS, *names,
             *(h.strip() for h in environ.get("ALLOWED_HOSTS", "").split(",") if h.strip())]
    env = {
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": ",".join(dict.fromkeys(h.lower() for h in hosts)),
    }
    if "SECRET_KEY" not in environ:
        env["SECRET_KEY_FILE"] = str(key_file)
    behind_proxy = environ.get("BEHIND_TLS_PROXY", "").strip().lower() in {"1", "true", "yes",
                                                                            "on"}
    silenced: list[str] = []
    if "SECURE_COOKIES" not in environ and not behind_proxy:
        env["SECURE_COOKIES"] = "0"  # plain HTTP: a browser drops Secure cookies
        # A room on plain HTTP has no TLS to redirect to, pin (HSTS) or mark cookies for.
        silenced += PLAIN_HTTP_CHECKS
    # One process on this laptop: the in-memory channel layer and SQLite (in WAL mode) are the
    # design, not a mistake, unless the instructor gave Redis or PostgreSQL.
    if "REDIS_URL" not in environ:
        silenced.append("lunchbox.W001")
    if "DATABASE_URL" not in environ:
        silenced.append("lunchbox.W002")
    if silenced and "SILENCED_CHECKS" not in environ:
        env["SILENCED_CHECKS"] = ",".join(silenced)
    return env


def require_free_port(bind: str, port: int) -> None:
    """Fail before the slow steps when another server (`make run`?) holds the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((bind, port))
        except OSError as error:
            raise WorkshopError(
                f"cannot listen on {bind}:{port} ({error.strerror}); another server may hold "
                f"it: stop it, or choose another port (make workshop PORT={port + 80})."
            ) from None


def learner_url(address: str, port: int) -> str:
    return f"http://{address}/" if port == 80 else f"http://{address}:{port}/"


def prepare(smoke_host: str) -> None:
    """Migrate, load the course, collect static files if needed and check the sandbox page."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.test import Client

    from sandbox.checks import require_static_manifest, static_manifest, static_manifest_is_stale

    try:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_content")
    except CommandError as error:
        raise WorkshopError(str(error)) from None
    manifest = static_manifest()
    if manifest is None:
        raise WorkshopError("the static files storage keeps no manifest: is DEBUG really off?")
    if static_manifest_is_stale(manifest):
        print("Collecting and compressing the static files (about 10 s)…", flush=True)
        try:
            call_command("collectstatic", interactive=False, verbosity=0)
        except (CommandError, OSError, ValueError) as error:
            raise WorkshopError(f"collectstatic failed: {error}") from None
    try:
        require_static_manifest()
    except ImproperlyConfigured as error:
        raise WorkshopError(str(error)) from None
    client = Client(raise_request_exception=True)
    try:
        response = client.get("/sandbox/", HTTP_HOST=smoke_host,
                              secure=settings.SECURE_SSL_REDIRECT)
    except Exception as error:  # whatever breaks the page would break it for the whole room
        raise WorkshopError(
            f"the sandbox page fails ({type(error).__name__}: {error}). When a static file is "
            f"missing, delete {settings.STATIC_ROOT} to collect them afresh (files under vendor/ "
            "come from `make setup`)."
        ) from None
    if response.status_code != 200:
        raise WorkshopError(f"the sandbox page answers {response.status_code} instead of 200.")


def daphne_limits() -> list[str]:
    """Daphne's websocket size limits from the settings: above ours, so that an oversized paste
    is answered `too_large` instead of the socket being dropped (sandbox/settings.py)."""
    from django.conf import settings

    return ["--websocket-max-message-size", str(settings.DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE),
            "--websocket-max-frame-size", str(settings.DAPHNE_WEBSOCKET_MAX_FRAME_SIZE)]


def print_banner(urls: Sequence[str], port: int) -> None:
    import segno

    print()
    if not urls:
        print("No network address found: learners cannot reach this machine. Join the Wi-Fi,")
        print("or name the address: scripts/workshop.py --address 192.168.1.10")
        print(f"Serving on port {port} anyway (http://localhost:{port}/ here).")
        return
    print(f"Learners open:  {urls[0]}")
    for other in urls[1:]:
        print(f"            or  {other}")
    print()
    # Regular QR, not Micro QR: phone cameras read only the former. Drawn for a dark terminal.
    segno.make_qr(urls[0], error="m").terminal(compact=True)
    print(f"Instructor: {urls[0]}admin/ (account: make instructor), board {urls[0]}lessons/board/")
    print("Ctrl+C stops the server; learners' progress stays in the database.")
    print()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--bind", default="0.0.0.0", help="the address daphne listens on")
    parser.add_argument("--address", action="append", default=[],
                        help="an address or name learners use (repeatable); default: found")
    args = parser.parse_args(argv)
    from django.core.exceptions import ImproperlyConfigured  # reads no settings

    key_file = Path(os.environ.get("LUNCHBOX_VAR_DIR") or REPO / "var").resolve() / "secret_key"
    try:
        require_free_port(args.bind, args.port)
        if "SECRET_KEY" not in os.environ:
            ensure_secret_key(key_file)
        addresses = [a.lower() for a in args.address] or own_ipv4_addresses()
        os.environ.update(workshop_environment(os.environ, key_file=key_file,
                                               addresses=addresses))
        sys.path.insert(0, str(REPO))
        os.chdir(REPO)
        prepare(addresses[0] if addresses else "localhost")
    except (WorkshopError, ImproperlyConfigured) as error:
        print(f"make workshop: {error}", file=sys.stderr)
        return 1
    print_banner([learner_url(address, args.port) for address in addresses], args.port)
    from django.db import connections

    connections.close_all()
    sys.stdout.flush()
    # Daphne with a request-header deadline and a connection cap per client (sandbox/serve.py).
    daphne = [sys.executable, "-m", "sandbox.serve", "-b", args.bind, "-p", str(args.port),
              *daphne_limits(), "sandbox.asgi:application"]
    os.execv(sys.executable, daphne)
    return 0  # not reached: execv replaces this process


if __name__ == "__main__":
    sys.exit(main())
