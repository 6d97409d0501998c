"""The kubelet's pod worker: syncing a pod, starting its containers, and crash-loop back-off.

A mixin of the simulation, on top of the image puller: each sync is a generator that yields a
`PullRequest` whenever the kubelet needs an image, and `_drive` resumes it with the pull's outcome.

When the next sync comes, and what the pod's status shows meanwhile (upstream facts, then what we
infer from them):

* `kubelet.go` `SyncPod` sends the status it generated at its *start* to the status manager, and
  only then runs the runtime's `SyncPod`; the result goes into the reasonCache
  (`reason_cache.go` `Update`), which `convertToAPIContainerStatuses` (`kubelet_pods.go`) reads
  for the waiting reason and message. So a start failure reaches the API at the next sync.
* A sync whose containers failed returns an error even when the only failure is a back-off: its
  "only back-offs" exception never applies, because `kuberuntime_manager.go` `SyncPod` always
  adds a successful `ConfigPodSandbox` result. `pod_workers.go` `completeWork` then requeues the
  pod after `wait.Jitter(backOffPeriod, 0.5)`: 10 s to 15 s (`backOffPeriod` in `kubelet.go`).
  (Inferred from the source; the kubelet's own log, kubernetes#119891, shows "Error syncing pod"
  for ImagePullBackOff.)
* The generic PLEG relists every second (`genericPlegRelistPeriod`) and counts sandboxes as
  containers (`pleg/generic.go` `getContainersFromPods`): the sandbox the first sync creates,
  and a container a sync starts, become events, and `syncLoopIteration` turns each into
  `HandlePodSyncs`. An update that arrives while the worker is busy is kept as `pendingUpdate`
  and runs as soon as the sync ends (`completeWork`), once the PLEG cache is newer than that end
  (`podCache.GetNewerThan`). So a failed first sync is followed by another about a second later,
  which finds the image in back-off: the first `BackOff` comes right after the first `Failed`,
  and the status says `ErrImagePull` until the requeue after that, 10 s to 15 s on, shows
  `ImagePullBackOff` (kind: `ErrImagePull` at 4 s, `ImagePullBackOff` at 16 s, RUNTIME.md §10).
  Inferred: we take the relist one full period after the sync ends, as for crashes, and we let
  that sync stand for the backoff requeue the first one queued (the work queue keeps one entry
  per pod, `Enqueue` replaces it). The 1 s `syncCh` tick that picks due pods up is not modelled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator
from functools import partial

from .. import runtime
from ..objects import Container
from ..world import Image
from .crashloop import (
    EXEC_FORMAT_EXIT_CODE,
    PLEG_RELIST_SECONDS,
    CrashBackoff,
    stable_key,
    wrong_platform,
)
from .image_manager import ImageResult, Kubelet, PullOutcome, PullRequest
from .pod_state import PodRun, SyncGen
from .puller import ImagePuller

INIT_RUN_SECONDS = 2.0  # how long a simulated init container runs before it completes
RESYNC_SECONDS = 10.0  # pod worker back-off after a failed sync (pod_workers.go)


def _jitter(key: str, attempt: int) -> float:
    """A deterministic stand-in for wait.Jitter's 0–50 %: the same input, the same delay."""
    digest = hashlib.sha256(f"{key}#{attempt}".encode()).digest()
    return (digest[0] / 255.0) * 0.5


class PodWorker(ImagePuller):
    """Pod syncs for the simulation; the simulation provides the state and hooks declared here."""

    kubelets: dict[str, Kubelet]
    crash_backoff: CrashBackoff

    def event(self, type_: str, reason: str, message: str, pod: str, *,
              source: str = "kubelet", field_path: str | None = None) -> None:
        raise NotImplementedError

    def _sync(self, pod: PodRun) -> None:
        if pod.syncing:
            return
        pod.syncing = True
        pod.attempts += 1
        self._drive(pod, self._sync_pod(pod), None)

    def _drive(self, pod: PodRun, gen: SyncGen, value: PullOutcome | None) -> None:
        try:
            request = gen.send(value)  # type: ignore[arg-type]
        except StopIteration:
            pod.syncing = False
            return
        self._request_pull(pod, gen, request)

    def _sync_pod(self, pod: PodRun) -> SyncGen:
        self._publish_status(pod)
        creates_sandbox = pod.attempts == 1  # the first sync of this pod on its node
        if pod.missing_secrets:
            self._context = (pod.key, None, pod.node, None)
            self.event("Warning", "FailedToRetrieveImagePullSecret",
                       runtime.msg_failed_secrets(list(pod.missing_secrets)), pod.key)
        spec = pod.plan.spec
        failed = started = False
        if pod.init_done < len(spec.init_containers):
            container = spec.init_containers[pod.init_done]
            if self._in_crash_backoff(pod, container):
                self._wake_for_crashes(pod)
                return
            result = yield from self._start_container(pod, container)
            if result.ok and pod.containers[container.name].state == "running":
                self.at(self.now + INIT_RUN_SECONDS, lambda: self._init_completed(pod, container))
            failed, started = not result.ok, result.ok
        else:
            for container in spec.containers:
                if pod.containers[container.name].state == "running":
                    continue
                if self._in_crash_backoff(pod, container):
                    continue
                result = yield from self._start_container(pod, container)
                failed = failed or not result.ok
                started = started or result.ok
        if failed:
            if creates_sandbox or started:
                # The PLEG sees the new sandbox or container at its next relist: sync again then.
                self._wake_at(pod, self.now + PLEG_RELIST_SECONDS)
            else:
                self._resync_later(pod)
        self._wake_for_crashes(pod)

    def _publish_status(self, pod: PodRun) -> None:
        """The status manager gets the reasonCache as the sync starts: a container that is not
        running shows why its latest start failed (waiting, with that reason and message)."""
        for run in pod.containers.values():
            if run.reason_cache is None or run.state == "running":
                continue
            run.keep_last_termination()
            run.state = "waiting"
            run.reason, run.message = run.reason_cache

    def _resync_later(self, pod: PodRun) -> None:
        """The pod worker's requeue after a failed sync (`completeWork`): 10 s plus 0–50 %."""
        delay = RESYNC_SECONDS * (1 + _jitter(pod.key, pod.attempts))
        self.at(self.now + delay, partial(self._retry, pod))

    def _retry(self, pod: PodRun) -> None:
        """A sync the pod worker queued after a failure (the console keeps these pending)."""
        self._sync(pod)

    # --- crash loop (kuberuntime_manager.go doBackOff) ------------------------------------------

    def _crash_key(self, pod: PodRun, container: Container) -> str:
        plan = pod.plan
        return stable_key(plan.name, plan.namespace, plan.uid, container.name, container.image)

    def _in_crash_backoff(self, pod: PodRun, container: Container) -> bool:
        """doBackOff: True (and the container waits in CrashLoopBackOff) while the time since
        its latest exit is inside the window; otherwise the window grows and it may restart."""
        run = pod.containers[container.name]
        if run.finished is None or not (run.crashed or run.reason == "CrashLoopBackOff"):
            return False
        key = self._crash_key(pod, container)
        if not self.crash_backoff.in_backoff_since(key, run.finished, self.now):
            self.crash_backoff.next(key, run.finished)
            return False
        window = self.crash_backoff.window(key)
        plan = pod.plan
        run.keep_last_termination()
        run.state, run.reason, run.exit_code = "waiting", "CrashLoopBackOff", None
        run.message = runtime.crash_backoff_status_message(window, container.name, plan.name,
                                                           plan.namespace, plan.uid)
        run.reason_cache = (run.reason, run.message)
        self._context = (pod.key, container.name, pod.node, container.field_path)
        self.step("run", f"Container {container.name} crashed {run.restart_count + 1} time(s); "
                         f"the kubelet waits {window:.0f}s after its last exit before starting "
                         f"it again (CrashLoopBackOff).", "back-off",
                  pod=pod.key, container=container.name, node=pod.node)
        self.event("Warning", "BackOff",
                   runtime.msg_backoff_restart(container.name, plan.name, plan.namespace,
                                               plan.uid), pod.key,
                   field_path=container.field_path)
        return True

    def _wake_for_crashes(self, pod: PodRun) -> None:
        """Sync again when the PLEG notices an exit, or when a crash back-off window ends."""
        for container in pod.plan.spec.all_containers:
            run = pod.containers[container.name]
            if run.finished is None:
                continue
            if run.crashed and run.reason_cache is None:  # not yet a failed restart attempt
                when = max(self.now, run.finished + PLEG_RELIST_SECONDS)
            elif run.reason == "CrashLoopBackOff":
                window = self.crash_backoff.window(self._crash_key(pod, container))
                when = max(self.now, run.finished + window)
            else:
                continue
            self._wake_at(pod, when)

    def _wake_at(self, pod: PodRun, when: float) -> None:
        """A PLEG-driven sync at `when`; events of one relist make one sync, as the pod worker
        keeps a single pending update."""
        when = round(when, 6)
        if when not in pod.wakes:
            pod.wakes.add(when)
            self.at(when, partial(self._wake, pod, when))

    def _wake(self, pod: PodRun, when: float) -> None:
        pod.wakes.discard(when)
        self._sync(pod)

    def _exec_failed(self, pod: PodRun, container: Container, image: Image) -> None:
        """The runtime started the process, and exec refused a binary of another platform."""
        run = pod.containers[container.name]
        assert pod.node is not None
        node = self.nodes[pod.node].node
        run.state, run.reason, run.message = "terminated", "Error", None
        run.exit_code, run.finished = EXEC_FORMAT_EXIT_CODE, self.now
        self.step("run", f"exec format error: the image was built for {image.os}/"
                         f"{image.architecture} and {pod.node} is {node.os}/{node.architecture}, "
                         f"so the container's process exits at once (code {run.exit_code}, "
                         f"reason Error). containerd only checks the platform when it picks a "
                         f"manifest from a multi-arch index; this image is a single manifest.",
                  "exec-format-error", pod=pod.key, container=container.name, node=pod.node)

    def _init_completed(self, pod: PodRun, container: Container) -> None:
        run = pod.containers[container.name]
        run.state, run.reason, run.message = "terminated", "Completed", None
        pod.init_done += 1
        self._sync(pod)

    def _start_container(
        self, pod: PodRun, container: Container
    ) -> Generator[PullRequest, PullOutcome, ImageResult]:
        assert pod.node is not None
        self._context = (pod.key, container.name, pod.node, container.field_path)
        run = pod.containers[container.name]
        run.keep_last_termination()
        kubelet = self.kubelets[pod.node]
        result = yield from kubelet.ensure_image(pod.context, container, lambda: self.now)
        self._context = (pod.key, container.name, pod.node, container.field_path)
        if not result.ok:
            # Into the reasonCache: the status shows it from the next sync (`_publish_status`).
            run.reason_cache = (result.reason or "ErrImagePull", result.message)
            self.event("Warning", "Failed", runtime.msg_error(result.reason or "ErrImagePull"),
                       pod.key, field_path=container.field_path)
            return result
        run.reason_cache = None
        run.image_id = result.image_id
        if run.finished is not None:  # a new instance of a container that exited before
            run.restart_count += 1
        run.state, run.reason, run.message, run.exit_code = "running", None, None, None
        profile = self.scenario.profile
        self.event("Normal", "Created", runtime.msg_created(container.name, profile), pod.key,
                   field_path=container.field_path)
        self.event("Normal", "Started", runtime.msg_started(container.name, profile), pod.key,
                   field_path=container.field_path)
        self.step("run", f"Container {container.name} started from {result.image_id}.",
                  pod=pod.key, container=container.name, node=pod.node)
        image = self.nodes[pod.node].images.get(result.image_id or "")
        if image is not None and wrong_platform(image, self.nodes[pod.node].node):
            self._exec_failed(pod, container, image)
        return result
