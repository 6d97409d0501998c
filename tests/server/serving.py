"""Helpers for the tests of serving the room: the workshop launcher as a module, a clean
environment for subprocesses, a free port.

scripts/ is not a package (the launcher runs before Django is importable), so the launcher is
loaded from its path.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
# What the instructor's shell might hold that would change the settings under test.
OUR_VARIABLES = ("DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "DATABASE_URL",
                 "REDIS_URL", "SECURE_COOKIES", "BEHIND_TLS_PROXY", "LUNCHBOX_VAR_DIR",
                 "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "DJANGO_SETTINGS_MODULE")


def load_workshop() -> ModuleType:
    """scripts/workshop.py, imported once."""
    name = "lunchbox_workshop"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "workshop.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without our settings' variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in OUR_VARIABLES}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def load_wsclient() -> ModuleType:
    """tests/scale/wsclient.py (a minimal websocket client), imported once."""
    name = "lunchbox_wsclient"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "scale" / "wsclient.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
