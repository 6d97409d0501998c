"""Every test starts with an empty run cache (sandbox/run_cache.py): a run one test made is never
the reason another test's run is answered without a worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox import run_cache


@pytest.fixture(autouse=True)
def _empty_run_cache() -> Iterator[None]:
    run_cache.CACHE.clear()
    yield
    run_cache.CACHE.clear()
