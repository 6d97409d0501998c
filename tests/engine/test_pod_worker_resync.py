"""When the kubelet syncs a failing pod again, and what its status says meanwhile.

Upstream (the docstring of sandbox/engine/kubelet/pod_worker.py has the file names): the PLEG
sees the sandbox the first sync created and has the pod synced again as soon as that sync ends,
so the first `BackOff` follows the first failed pull at once; later retries come from the pod
worker's requeue, 10 s plus up to 50 %. The status a sync writes is generated as it starts, from
the reasonCache of the sync before. A kind cluster prints `ErrImagePull` at 4 s and
`ImagePullBackOff` at 16 s (RUNTIME.md §10); kubernetes/website#56173 and the kind sample of
RUNTIME.md §1 show the Failed and BackOff series starting together.
"""

from __future__ import annotations

from sandbox.engine import evaluate, load_manifests, simulate
from sandbox.engine.trace import Trace

BAD_TAG = "nginx:does-not-exist"  # the catalogue has no such tag: NotFound, ErrImagePull


def pod(*images: str) -> str:
    containers = "".join(f"  - name: c{i}\n    image: {image}\n" for i, image in enumerate(images))
    return f"apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  containers:\n{containers}"


def run(*images: str, horizon: float = 120.0) -> Trace:
    return simulate(load_manifests(pod(*images)), horizon=horizon)


def times(trace: Trace, reason: str, message: str = "") -> list[float]:
    return [e.time for e in trace.events if e.reason == reason and message in e.message]


def syncs(trace: Trace) -> list[float]:
    """When the kubelet started working on the container: one `start` step per sync."""
    return [s.time for s in trace.steps if s.flow == "start"]


def status_at(seconds: float, *images: str) -> str:
    return run(*images, horizon=seconds).pods[0].status


# --- the first BackOff ------------------------------------------------------------------------


def test_first_backoff_comes_one_relist_after_the_first_failed_pull() -> None:
    trace = run(BAD_TAG)
    failed = times(trace, "Failed", "Failed to pull image")
    backoff = times(trace, "BackOff")
    assert failed and backoff
    assert 0 < backoff[0] - failed[0] <= 2.0
    # That second sync pulls nothing: the image is in its 10 s back-off window.
    assert len([t for t in times(trace, "Pulling") if t <= backoff[0]]) == 1


def test_describe_shows_the_failed_and_backoff_series_starting_together() -> None:
    lines = evaluate(pod(BAD_TAG), horizon=120.0).describe_pods().splitlines()

    def first_seen(text: str) -> int:
        row = next(line for line in lines if text in line)
        return int(row.split(" over ")[1].split("s)")[0])

    # Both series' "over" ages are the same, give or take the relist second.
    assert abs(first_seen("Failed to pull image") - first_seen("Back-off pulling image")) <= 1


def test_only_a_sync_that_failed_is_followed_by_the_relist() -> None:
    trace = run("nginx:1.25", horizon=60.0)  # pulls and starts: nothing to retry
    assert len(syncs(trace)) == 1
    assert times(trace, "Started") and not times(trace, "BackOff")


def test_a_first_sync_that_starts_one_container_and_fails_another_is_retried_at_once() -> None:
    trace = run("nginx:1.25", BAD_TAG)
    started, failed = times(trace, "Started")[0], times(trace, "Failed", "Failed to pull")[0]
    backoff = times(trace, "BackOff")[0]
    assert started <= failed < backoff <= failed + 2.0


def test_invalid_name_is_reported_twice_in_the_first_seconds_then_every_ten_to_fifteen() -> None:
    # The kubecf report of RUNTIME.md §8: `InspectFailed 10s (x3 over 24s)`: three syncs within
    # 14 s, which a 10 s requeue after every sync could not give.
    trace = run("Nginx:1.25", horizon=60.0)
    seen = times(trace, "InspectFailed")
    assert seen[1] - seen[0] <= 2.0
    assert all(10.0 <= b - a <= 15.0 for a, b in zip(seen[1:], seen[2:], strict=False))


# --- later retries ----------------------------------------------------------------------------


def test_after_the_relist_each_retry_waits_the_pod_worker_back_off() -> None:
    trace = run(BAD_TAG, horizon=300.0)
    ends = sorted({e.time for e in trace.events if e.reason == "Failed"})
    starts = syncs(trace)
    assert starts[1] - ends[0] <= 1.0 + 1e-6  # the relist
    # Every later sync starts 10 s to 15 s after the one before ended.
    for start in starts[2:]:
        previous = max(t for t in ends if t < start)
        assert 10.0 <= start - previous <= 15.0 + 1e-6


def test_retry_delays_are_the_same_on_every_run() -> None:
    assert syncs(run(BAD_TAG)) == syncs(run(BAD_TAG))


# --- what the status says, and when -----------------------------------------------------------


def test_status_shows_a_sync_result_from_the_next_sync_on() -> None:
    trace = run(BAD_TAG, horizon=60.0)
    first, second, third = syncs(trace)[:3]
    assert status_at(second - 0.01, BAD_TAG) == "ContainerCreating"
    assert status_at(second + 0.01, BAD_TAG) == "ErrImagePull"  # the first sync's result
    assert status_at(third - 0.01, BAD_TAG) == "ErrImagePull"  # though the second backed off
    assert status_at(third + 0.01, BAD_TAG) == "ImagePullBackOff"
    assert first < second < third


def test_get_pods_shows_image_pull_back_off_at_sixteen_seconds() -> None:
    # kind: `ErrImagePull 4s`, `ImagePullBackOff 16s`, `ErrImagePull 32s`.
    assert status_at(4.0, BAD_TAG) == "ErrImagePull"
    assert status_at(10.0, BAD_TAG) == "ErrImagePull"
    assert status_at(16.0, BAD_TAG) == "ImagePullBackOff"
    assert status_at(32.0, BAD_TAG) == "ErrImagePull"
    table = evaluate(pod(BAD_TAG), horizon=16.0).get_pods().splitlines()
    assert table[1].split()[:5] == ["web", "0/1", "ImagePullBackOff", "0", "16s"]


def test_the_status_message_is_the_one_of_the_result_it_shows() -> None:
    trace = run(BAD_TAG, horizon=16.0)
    container = trace.pods[0].containers[0]
    assert container.reason == "ImagePullBackOff"
    assert (container.message or "").startswith(
        f'Back-off pulling image "{BAD_TAG}": ErrImagePull: rpc error: code = NotFound')
