"""Every way Lunchbox starts daphne lets a websocket message bigger than Lunchbox's own limit
through, so that an oversized paste reaches the consumer and is answered `too_large` (daphne
drops a socket whose message is over its limit, close code 1009, without telling anyone).
tests/server/test_workshop_server.py sends such a paste to a real `make workshop` server."""

from __future__ import annotations

import re
from types import ModuleType

import pytest
from django.conf import settings
from serving import REPO

FLAGS = ("--websocket-max-message-size", "--websocket-max-frame-size")
STARTS = {
    "make run": REPO / "Makefile",
    "the container image": REPO / "deploy" / "Dockerfile",
    "docs/hosting.md": REPO / "docs" / "hosting.md",
}


def test_daphnes_limit_is_well_above_lunchboxs() -> None:
    assert settings.DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE >= 2 * settings.LUNCHBOX_MAX_MESSAGE_BYTES
    assert settings.DAPHNE_WEBSOCKET_MAX_FRAME_SIZE >= settings.DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE


@pytest.mark.parametrize("where", sorted(STARTS))
def test_each_daphne_command_line_passes_the_settings_limits(where: str) -> None:
    text = STARTS[where].read_text(encoding="utf-8")
    for flag, value in zip(FLAGS, (settings.DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE,
                                   settings.DAPHNE_WEBSOCKET_MAX_FRAME_SIZE), strict=True):
        found = re.findall(re.escape(flag) + r'"?,?\s*"?(\d+)', text)
        assert found, f"{where} starts daphne without {flag}"
        assert {int(n) for n in found} == {value}, (where, flag, found)


def test_make_workshop_passes_the_settings_limits(workshop: ModuleType) -> None:
    assert workshop.daphne_limits() == [
        FLAGS[0], str(settings.DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE),
        FLAGS[1], str(settings.DAPHNE_WEBSOCKET_MAX_FRAME_SIZE)]
