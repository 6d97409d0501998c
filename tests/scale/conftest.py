"""Fixtures for scale-out tests: a real Redis, a real PostgreSQL and two daphne processes.

Everything is started here, for the test session only, on free local ports and in temporary
directories that are removed afterwards: nothing is installed as a service, nothing outside
127.0.0.1 is touched. `make test` installs the binaries (scripts/system-deps.sh); without them
these tests are skipped and say why.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
DATABASE = "lunchbox"
TEMPLATE = "lunchbox_template"  # the migrated, loaded database, copied by new_postgres_database


@dataclass(frozen=True)
class Server:
    """One daphne process serving the whole app."""

    url: str  # http://127.0.0.1:<port>
    log: Path

    @property
    def ws(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def open_sandbox_page(self) -> str:
        """Open /sandbox/ as a new browser would; returns the session cookie it was given."""
        with urllib.request.urlopen(f"{self.url}/sandbox/", timeout=10) as response:
            cookie: SimpleCookie = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie.load(header)
        assert "sessionid" in cookie, "the sandbox page must create the learner's session"
        return cookie["sessionid"].value

    def headers(self, session: str | None = None) -> dict[str, str]:
        """Handshake headers a browser on this server's page would send."""
        headers = {"Origin": self.url}
        if session:
            headers["Cookie"] = f"sessionid={session}"
        return headers


@dataclass(frozen=True)
class Cluster:
    a: Server
    b: Server
    database_url: str
    redis_url: str
    env: dict[str, str]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries (Debian keeps them off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the `postgres` user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command[:4])}… failed ({done.returncode}):\n"
                    f"{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_for(check: object, what: str, log: Path | None = None) -> None:
    assert callable(check)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    detail = log.read_text(errors="replace") if log and log.exists() else ""
    pytest.fail(f"{what} did not come up in {START_TIMEOUT:.0f} s\n{detail}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(stack: ExitStack, directory: Path) -> str:
    server = shutil.which("redis-server")
    assert server is not None
    port = free_port()
    log = directory / "redis.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(directory)],
            stdout=output, stderr=subprocess.STDOUT,
        )
    stack.callback(stop, process)
    wait_for(lambda: process.poll() is None and redis_answers(port), "redis-server", log)
    return f"redis://127.0.0.1:{port}/0"


def start_postgres(stack: ExitStack, binaries: Path) -> str:
    """initdb into a fresh directory, pg_ctl start on a free port, create the database."""
    directory = Path(tempfile.mkdtemp(prefix="lunchbox-pg-"))
    stack.callback(shutil.rmtree, directory, True)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data, log, port = directory / "data", directory / "postgres.log", free_port()
    run(as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
                     "--auth=trust", "-E", "UTF8", "--locale=C"]))
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={directory}"
               " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    run(as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                     "-t", str(int(START_TIMEOUT)), "-o", options, "start"]))
    stack.callback(subprocess.run, as_postgres([str(binaries / "pg_ctl"), "-D", str(data),
                                                "-m", "immediate", "-w", "stop"]),
                   capture_output=True, timeout=60, check=False)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres",
                         autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    return f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"


def serving(process: subprocess.Popen[bytes], url: str, log: Path) -> bool:
    if process.poll() is not None:
        pytest.fail(f"daphne exited with {process.returncode}:\n{log.read_text()}")
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def launch_daphne(env: dict[str, str], directory: Path,
                  name: str) -> tuple[subprocess.Popen[bytes], Server]:
    """A daphne process serving the app, once it answers `/healthz`; the caller stops it."""
    port = free_port()
    url, log = f"http://127.0.0.1:{port}", directory / f"daphne-{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "sandbox.asgi:application"],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: serving(process, url, log), f"daphne {name}", log)
    except BaseException:
        stop(process)
        raise
    return process, Server(url=url, log=log)


def start_daphne(stack: ExitStack, env: dict[str, str], directory: Path, name: str) -> Server:
    process, server = launch_daphne(env, directory, name)
    stack.callback(stop, process)
    return server


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the database `env` names and load the course into it (one Django start-up)."""
    run([sys.executable, "manage.py", "shell", "-c",
         "from django.core.management import call_command\n"
         "call_command('migrate', interactive=False, verbosity=0)\n"
         "call_command('load_content')"], env)


class ManagePy:
    """`manage.py` for a test, in the environment of the servers it started."""

    def __call__(self, env: dict[str, str], *args: str) -> str:
        """Run `manage.py <args>`; its stdout (a failure fails the test)."""
        return run([sys.executable, "manage.py", *args], env)

    def prepare(self, env: dict[str, str]) -> None:
        prepare_database(env)


Launch = Callable[[dict[str, str], str], tuple[subprocess.Popen[bytes], Server]]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL for the test session, migrated, the course loaded; its URL."""
    binaries = postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL's initdb is not installed "
                    "(make system-deps, or apt-get install postgresql)")
    with ExitStack() as stack:
        database_url = start_postgres(stack, binaries)
        prepare_database({**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings",
                          "DEBUG": "1", "DATABASE_URL": database_url})
        with psycopg.connect(_server_url(database_url, "postgres"), autocommit=True) as db:
            # Nobody connects to the copy, so `new_postgres_database` can copy it at any time.
            db.execute(f'CREATE DATABASE "{TEMPLATE}" TEMPLATE "{DATABASE}"')
        yield database_url


def _server_url(database_url: str, name: str) -> str:
    """`database_url` naming database `name`, in the spelling psycopg takes."""
    base = database_url.rsplit("/", 1)[0].replace("postgres://", "postgresql://", 1)
    return f"{base}/{name}"


def new_postgres_database(postgres_url: str, name: str) -> str:
    """A new database on the session's PostgreSQL, migrated and loaded as `postgres_url`'s was
    (a copy of its template); its URL."""
    with psycopg.connect(_server_url(postgres_url, "postgres"), autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def manage() -> ManagePy:
    return ManagePy()


@pytest.fixture
def daphne(tmp_path: Path) -> Iterator[Launch]:
    """Start daphne processes (`daphne(env, name)`) that the test may kill; whatever is still
    running is stopped afterwards. Test modules cannot import from this file (another
    directory's conftest may hold the name), so helpers reach them as fixtures."""
    started: list[subprocess.Popen[bytes]] = []

    def launch(env: dict[str, str], name: str) -> tuple[subprocess.Popen[bytes], Server]:
        process, server = launch_daphne(env, tmp_path, name)
        started.append(process)
        return process, server

    yield launch
    for process in started:
        stop(process)


@pytest.fixture
def fresh_postgres_url(postgres_url: str, request: pytest.FixtureRequest) -> str:
    """A database of its own for the test, copied from the session's migrated, loaded one."""
    name = "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:60]
    return new_postgres_database(postgres_url, name)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Cluster]:
    """Redis + PostgreSQL + two daphne processes sharing both, as a scaled-out deployment."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed "
                    "(make system-deps, or apt-get install redis-server)")
    directory = tmp_path_factory.mktemp("scale")
    with ExitStack() as stack:
        redis_url = start_redis(stack, directory)
        database_url = postgres_url
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DEBUG": "1",
               "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"}
        a = start_daphne(stack, env, directory, "a")
        b = start_daphne(stack, env, directory, "b")
        yield Cluster(a=a, b=b, database_url=database_url, redis_url=redis_url, env=env)


def login_session(cluster: Cluster, username: str, staff: bool) -> str:
    """A logged-in session in the cluster's database; returns its `sessionid` cookie value."""
    code = (
        "from django.contrib.auth.models import User\n"
        "from django.test import Client\n"
        f"user = User.objects.create_user({username!r}, is_staff={staff!r})\n"
        "client = Client()\n"
        "client.force_login(user)\n"
        "print(client.cookies['sessionid'].value)\n"
    )
    return run([sys.executable, "manage.py", "shell", "-c", code], cluster.env).split()[-1]


@pytest.fixture(scope="session")
def staff_session(cluster: Cluster) -> str:
    return login_session(cluster, "coach", staff=True)


@pytest.fixture(scope="session")
def student_session(cluster: Cluster) -> str:
    """A logged-in user who is not staff."""
    return login_session(cluster, "student", staff=False)
