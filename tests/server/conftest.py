"""Fixtures for serving the room (helpers are in serving.py)."""

from __future__ import annotations

from types import ModuleType

import pytest
from serving import load_workshop


@pytest.fixture(scope="session")
def workshop() -> ModuleType:
    """scripts/workshop.py as a module."""
    return load_workshop()
