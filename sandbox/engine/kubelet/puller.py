"""The node's image puller: queueing, the pull QPS bucket, layer timing and pull records.

A mixin of the simulation: it reads the simulation's clock, nodes and registries, and hands each
finished pull back to the pod worker (`_drive`) that asked for it.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import runtime
from ..registry import RegistryState, Resolution, resolve
from ..trace import LayerTransfer, Pull
from ..world import Image, Scenario
from .image_manager import PullOutcome, PullRequest, record_for
from .node_runtime import NodeRuntime, PullJob
from .pod_state import Context, PodRun, SyncGen

UNPACK_BYTES_PER_SECOND = 150_000_000
# The kubelet's throttled image service refuses a pull when its token bucket is empty. The text
# is from older releases; the master wording is UNVERIFIED (KUBERNETES.md §10).
QPS_EXCEEDED = "pull QPS exceeded"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def stored_digests(node: NodeRuntime) -> frozenset[str]:
    """The manifests, indexes and configs in the node's content store, by digest.

    containerd's content store is keyed by digest alone, whatever name an image was pulled as;
    a pull fetches none of these again (`core/remotes/handlers.go` `FetchHandler`).
    """
    digests = {image.manifest_digest for image in node.images.values()}
    digests.update(image.config_digest for image in node.images.values())
    digests.update(image_id.rpartition("@")[2] for image_id in node.repo_digests.values())
    return frozenset(digests)


def layer_schedule(node: NodeRuntime, image: Image, clock: float, latency: float,
                   bandwidth: int) -> tuple[list[LayerTransfer], float]:
    """When each layer is fetched and unpacked; returns the layers and the pull's end.

    Layers download one after another at the registry's bandwidth and unpack in order as
    they arrive (containerd fetches up to three at once; one at a time gives the same total
    and a readable timeline). A layer already on the node costs nothing: `Already exists`.
    """
    transfers: list[LayerTransfer] = []
    unpacked = clock
    for layer in image.layers:
        if layer.digest in node.layers:
            transfers.append(LayerTransfer(layer.digest, layer.size, layer.label, "present",
                                           round(clock, 3), round(clock, 3), round(clock, 3)))
            continue
        begin = clock
        clock += latency + layer.size / bandwidth
        unpacked = max(unpacked, clock) + layer.size / UNPACK_BYTES_PER_SECOND
        transfers.append(LayerTransfer(layer.digest, layer.size, layer.label, "downloaded",
                                       round(begin, 3), round(unpacked, 3), round(clock, 3)))
    return transfers, max(clock, unpacked)


class ImagePuller:
    """Pulls for the simulation; the simulation provides the state and hooks declared here."""

    now: float
    scenario: Scenario
    registries: RegistryState
    nodes: dict[str, NodeRuntime]
    pulls: list[Pull]
    _context: Context

    def at(self, when: float, action: Callable[[], None]) -> None:
        raise NotImplementedError

    def step(self, flow: str, text: str, outcome: str | None = None, *, pod: str | None = None,
             container: str | None = None, node: str | None = None) -> None:
        raise NotImplementedError

    def _drive(self, pod: PodRun, gen: SyncGen, value: PullOutcome | None) -> None:
        raise NotImplementedError

    def _request_pull(self, pod: PodRun, gen: SyncGen, request: PullRequest) -> None:
        assert pod.node is not None
        node = self.nodes[pod.node]
        # The kubelet resumes this container's decision when the pull ends: remember whose it is.
        job = PullJob(self.now, (pod, gen, request, self._context))
        if node.can_start():
            self._start_pull(node, job)
        else:
            node.queue.append(job)
            self.step("pull", f"The node's image puller is busy: {request.image!r} waits in "
                              f"the queue (serializeImagePulls).", pod=pod.key, node=pod.node)

    def _start_pull(self, node: NodeRuntime, job: PullJob) -> None:
        pod, gen, request, context = job.payload
        node.active += 1
        if node.try_accept_pull(self.now):
            resolution = resolve(self.registries, request.ref, node.node,
                                 list(request.credentials), stored_digests(node))
        else:
            resolution = Resolution(failure=runtime.PullFailure("Unknown", QPS_EXCEEDED))
        registry = self.registries.registries.get(request.ref.domain)
        latency = registry.latency if registry else 0.05
        bandwidth = registry.bandwidth if registry else 1
        started = self.now
        clock = started + resolution.requests * latency  # manifest and config fetched
        transfers: list[LayerTransfer] = []
        downloaded = 0
        if resolution.image is not None:
            transfers, clock = layer_schedule(node, resolution.image, clock, latency, bandwidth)
            downloaded = sum(t.size for t in transfers if t.state == "downloaded")
            self._layer_steps(context, request, tuple(transfers), resolution.stored)
        finish = round(max(clock, started + 0.001), 6)

        def done() -> None:
            node.active -= 1
            outcome = self._finish_pull(node, pod, request, resolution, job, started,
                                        tuple(transfers), downloaded)
            if node.queue and node.can_start():
                self._start_pull(node, node.queue.popleft())
            self._context = context
            self._drive(pod, gen, outcome)

        self.at(finish, done)  # a pull still running at the horizon never finishes

    def _layer_steps(self, context: Context, request: PullRequest,
                     transfers: tuple[LayerTransfer, ...], stored: bool = False) -> None:
        """`docker pull`'s view of the pull, as steps at the simulated times they happen."""
        pod, container, node, _ = context
        present = [t for t in transfers if t.state == "present"]
        fetching = [t for t in transfers if t.state == "downloaded"]
        parts = []
        if present:
            parts.append(f"{len(present)} layer(s) already exist on {node} "
                         f"({_megabytes(sum(t.size for t in present))})")
        if fetching:
            parts.append(f"{len(fetching)} to download "
                         f"({_megabytes(sum(t.size for t in fetching))})")
        elif stored:  # containerd resolved the tag with a HEAD and already had that manifest
            parts.append("nothing to download: the registry was only asked for the manifest's "
                         "digest (a HEAD request), and the node already has that manifest")
        else:
            parts.append("nothing to download: the registry was only asked for the manifest")
        self.step("pull", f"{request.image}: " + "; ".join(parts) + ".", pod=pod,
                  container=container, node=node)
        for transfer in fetching:
            short = transfer.digest.removeprefix("sha256:")[:12]
            for when, text in (
                (transfer.started, f"{short}: Downloading {_megabytes(transfer.size)}."),
                (transfer.finished, f"{short}: Pull complete ({_megabytes(transfer.size)} "
                                    f"in {transfer.finished - transfer.started:.2f}s).")):

                def emit(text: str = text) -> None:
                    self.step("pull", text, pod=pod, container=container, node=node)

                self.at(when, emit)

    def _finish_pull(self, node: NodeRuntime, pod: PodRun, request: PullRequest,
                     resolution: Resolution, job: PullJob, started: float,
                     transfers: tuple[LayerTransfer, ...], downloaded: int) -> PullOutcome:
        container = job.payload[3][1] or ""
        base = dict(node=node.node.name, pod=pod.key, container=container, image=request.image,
                    requested=round(job.requested, 3), started=round(started, 3),
                    finished=round(self.now, 3))
        if resolution.image is None:
            failure = resolution.failure
            if failure is None:
                error = "unknown error"
            elif failure.text == QPS_EXCEEDED:  # the kubelet's own error: no gRPC status
                error = QPS_EXCEEDED
            else:
                error = runtime.render_for_kubelet(failure, self.scenario.profile)
            self.pulls.append(Pull(**base, outcome="failed", error=error,  # type: ignore[arg-type]
                                   username=resolution.tried[-1] if resolution.tried else None,
                                   tried=resolution.tried, exchanges=resolution.exchanges))
            return PullOutcome(False, error=error)
        image = resolution.image
        node.add_image(request.ref, image, resolution.digest or image.manifest_digest)
        credential = (request.credentials[resolution.credential]
                      if resolution.credential is not None else None)
        image_id = f"{request.ref.name}@{resolution.digest}"
        # Pulled records are per image, as upstream keeps them (by image ID, KUBERNETES.md §12).
        node.remember(image_id, record_for(credential, pod.context))
        self.pulls.append(Pull(**base, outcome="pulled", bytes=downloaded,  # type: ignore[arg-type]
                               image_size=image.size, image_id=image_id, layers=transfers,
                               username=resolution.username, tried=resolution.tried,
                               exchanges=resolution.exchanges, digest=resolution.digest))
        return PullOutcome(True, image_id=image_id, size=image.size,
                           pull_seconds=self.now - started,
                           total_seconds=self.now - job.requested, downloaded=downloaded)
