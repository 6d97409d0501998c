"""What a sandbox socket does not spend (issue 13, bench/server.py measures the rest)."""

from __future__ import annotations

import dataclasses
import gc

from channels.layers import get_channel_layer

from sandbox import run_frames
from sandbox.consumers import SandboxConsumer
from sandbox.engine.trace import Recording


def test_a_sandbox_socket_gets_no_channel_on_the_layer() -> None:
    """It joins no group, so it needs no channel and no receive loop on the channel layer, while
    the board (and `progress.broadcast`) still have the configured layer."""
    assert get_channel_layer() is not None
    assert get_channel_layer(SandboxConsumer.channel_layer_alias) is None


def test_dispatch_does_not_hop_to_the_database_thread_per_message() -> None:
    """Channels' own dispatch awaits `aclose_old_connections()` (a hop to the one database
    thread) for every message, each `ack` included; the sandbox's does not."""
    assert "aclose_old_connections" not in SandboxConsumer.dispatch.__code__.co_names
    assert SandboxConsumer.dispatch is not SandboxConsumer.__mro__[1].dispatch


def test_the_server_freezes_its_start_up_heap() -> None:
    """Collections during a run skip what start-up built (bench/gcslope.py: the engine's cost
    grew with pods^1.16 without it, pods^1.04 with it)."""
    import sandbox.asgi

    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == sandbox.asgi.GC_THRESHOLD


def test_an_events_recording_is_sent_as_asdict_would_make_it() -> None:
    """`run_frames.recording_dict` spells out `dataclasses.asdict` for speed: a field added to
    Recording must be added there too, or this fails."""
    recording = Recording("counted", 3, 5, 12.5, "Back-off pulling image", combined=True)
    assert run_frames.recording_dict(recording) == dataclasses.asdict(recording)
