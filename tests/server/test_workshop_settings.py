"""`make workshop`'s environment gives production settings that work on plain HTTP on a LAN."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from serving import REPO, clean_environment

SHOW_SETTINGS = """\
import json
from django.conf import settings
import django
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECRET_KEY": settings.SECRET_KEY,
    "STORAGE": settings.STORAGES["staticfiles"]["BACKEND"],
    "DATABASE": {k: str(v) for k, v in settings.DATABASES["default"].items()},
    "PROXY_HEADER": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
}))
"""


def settings_under(env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", SHOW_SETTINGS], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.splitlines()[-1]))


def workshop_settings(workshop: ModuleType, tmp_path: Path, **environ: str) -> dict[str, Any]:
    key_file = workshop.ensure_secret_key(tmp_path / "secret_key")
    env = workshop.workshop_environment(environ, key_file=key_file,
                                        addresses=["192.168.1.10", "10.0.0.7"],
                                        hostname="instructor-laptop")
    return settings_under(clean_environment(LUNCHBOX_VAR_DIR=str(tmp_path), **{**environ, **env}))


def test_workshop_mode_is_production_with_cookies_a_plain_http_browser_keeps(
        workshop: ModuleType, tmp_path: Path) -> None:
    shown = workshop_settings(workshop, tmp_path)
    assert shown["DEBUG"] is False
    assert shown["SESSION_COOKIE_SECURE"] is False
    assert shown["CSRF_COOKIE_SECURE"] is False
    assert shown["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert shown["STORAGE"] == "sandbox.storage.ModuleGraphStaticFilesStorage"


def test_workshop_mode_allows_the_machines_addresses_and_localhost_only(
        workshop: ModuleType, tmp_path: Path) -> None:
    hosts = workshop_settings(workshop, tmp_path)["ALLOWED_HOSTS"]
    assert {"192.168.1.10", "10.0.0.7", "localhost", "127.0.0.1", "instructor-laptop.local"} <= set(
        hosts)
    assert "*" not in hosts


def test_workshop_mode_keeps_the_instructors_hosts_and_secure_cookies_behind_tls(
        workshop: ModuleType, tmp_path: Path) -> None:
    shown = workshop_settings(workshop, tmp_path, ALLOWED_HOSTS="lunchbox.example.org",
                              BEHIND_TLS_PROXY="1")
    assert "lunchbox.example.org" in shown["ALLOWED_HOSTS"]
    assert "192.168.1.10" in shown["ALLOWED_HOSTS"]
    assert shown["SESSION_COOKIE_SECURE"] is True
    assert shown["PROXY_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_workshop_mode_uses_sqlite_in_wal_mode_in_the_var_directory(
        workshop: ModuleType, tmp_path: Path) -> None:
    database = workshop_settings(workshop, tmp_path)["DATABASE"]
    assert database["NAME"] == str(tmp_path.resolve() / "lunchbox.sqlite3")
    assert "journal_mode=WAL" in database["OPTIONS"]


def test_workshop_mode_passes_a_postgres_url_through(workshop: ModuleType,
                                                     tmp_path: Path) -> None:
    database = workshop_settings(workshop, tmp_path,
                                 DATABASE_URL="postgres://lb:pw@db:5432/lunchbox")["DATABASE"]
    assert (database["ENGINE"], database["HOST"]) == ("django.db.backends.postgresql", "db")


def test_addresses_come_from_ip_json_default_route_first_without_loopback_or_bridges(
        workshop: ModuleType) -> None:
    addresses = json.dumps([
        {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1"}]},
        {"ifname": "docker0", "addr_info": [{"family": "inet", "local": "172.17.0.1"}]},
        {"ifname": "eth0", "addr_info": [{"family": "inet", "local": "10.1.2.3"}]},
        {"ifname": "wlan0", "addr_info": [{"family": "inet", "local": "192.168.1.23"}]},
    ])
    routes = json.dumps([{"dst": "default", "gateway": "192.168.1.1", "dev": "wlan0"}])
    assert workshop.parse_ip_addresses(addresses, routes) == ["192.168.1.23", "10.1.2.3"]


def test_addresses_come_from_macos_ifconfig(workshop: ModuleType) -> None:
    text = (
        "lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> mtu 16384\n"
        "\tinet 127.0.0.1 netmask 0xff000000\n"
        "en0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
        "\tinet6 fe80::1c2b:3a4d%en0 prefixlen 64 secured scopeid 0x6\n"
        "\tinet 192.168.1.23 netmask 0xffffff00 broadcast 192.168.1.255\n"
        "bridge100: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
        "\tinet 192.168.64.1 netmask 0xffffff00 broadcast 192.168.64.255\n"
    )
    assert workshop.parse_ifconfig(text) == ["192.168.1.23"]


def test_the_address_learners_type_names_the_port_unless_it_is_80(workshop: ModuleType) -> None:
    assert workshop.learner_url("192.168.1.10", 8000) == "http://192.168.1.10:8000/"
    assert workshop.learner_url("192.168.1.10", 80) == "http://192.168.1.10/"
