"""Prepared frames' JSON text (`protocol.frame_text`): orjson's, or the standard library's for
what orjson refuses, in one compact shape that `run_cache` can renumber and a browser parses."""

from __future__ import annotations

import json

import pytest

from sandbox import prepare, protocol, run_cache
from sandbox.prepare import PreparedStep

FRAME = protocol.frame("step", run=7, index=0,
                       step={"time": 0.25, "text": "pull nginx:1.25 — done", "pod": None},
                       events=[{"message": "<script>alert(1)</script>", "count": 2**40}])


@pytest.mark.parametrize("odd", [
    "\ud800",  # a lone surrogate, which a JSON message from a browser may carry
    2**70,  # past 64 bits
])
def test_what_orjson_refuses_is_written_by_the_standard_library_in_the_same_shape(
        odd: object) -> None:
    value = {**FRAME, "step": {**FRAME["step"], "text": odd}}
    text = protocol.frame_text(value)
    assert json.loads(text) == value
    assert text.startswith('{"version":1,"type":"step","run":7,')
    fast = protocol.frame_text(FRAME)
    assert json.loads(fast) == FRAME and fast.startswith('{"version":1,"type":"step","run":7,')


def test_a_fallback_frame_is_renumbered_like_any_other() -> None:
    text = protocol.frame_text({**FRAME, "events": [{"message": "\udc80"}]})
    step = PreparedStep(0, 0.0, text, len(text.encode("utf-8", "surrogatepass")))
    kept = prepare.PreparedRun(run=7, steps=1, accepted=protocol.frame_text(
        protocol.frame("accepted", run=7, steps=1)), frames=(step,),
        result=protocol.frame_text(protocol.frame("result", run=7, trace={})), goals=None,
        summary={}, questions=None)
    renumbered = run_cache._numbered(kept, 12)
    assert json.loads(renumbered.frames[0].text)["run"] == 12
    assert json.loads(renumbered.frames[0].text)["events"] == [{"message": "\udc80"}]
    assert renumbered.frames[0].size == step.size + 1
    assert json.loads(prepare.with_ack(renumbered.frames[0].text, "ab12"))["ack"] == "ab12"
