"""`simulate`: admission, scheduling, then every node's kubelet, in simulated time.

The whole evaluation is computed at once; an event queue orders what happens on different nodes
(pod syncs, pulls finishing, tags moving). Nothing here sleeps, prints or reads a clock.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from functools import partial

from . import kubectl, runtime
from .crashloop import (
    EXEC_FORMAT_EXIT_CODE,
    PLEG_RELIST_SECONDS,
    CrashBackoff,
    stable_key,
    wrong_platform,
)
from .credentials import Credential, Keyring
from .kubelet import (
    ImageResult,
    Kubelet,
    PodContext,
    PullOutcome,
    PullRequest,
    effective_policy,
    record_for,
    secret_uid,
)
from .nodes import NodeRuntime, PullJob
from .objects import Container, KubeObject, Manifests
from .paste import load_paste
from .reference import parse_reference
from .registry import RegistryState, Resolution, resolve
from .scenario import default_scenario
from .scheduler import schedule
from .trace import ContainerStatus, Event, LayerTransfer, NodeScore, PodStatus, Pull, Step, Trace
from .workloads import PodPlan, admit_always_pull_images, admit_service_account, expand_workloads
from .world import Image, Scenario

POD_START_DELAY = 1.0  # scheduled -> first kubelet sync (sandbox creation)
INIT_RUN_SECONDS = 2.0  # how long a simulated init container runs before it completes
RESYNC_SECONDS = 10.0  # pod worker back-off after a failed sync (pod_workers.go)
UNPACK_BYTES_PER_SECOND = 150_000_000
# The kubelet's throttled image service refuses a pull when its token bucket is empty. The text
# is from older releases; the master wording is UNVERIFIED (KUBERNETES.md §10).
QPS_EXCEEDED = "pull QPS exceeded"

SyncGen = Generator[PullRequest, PullOutcome, None]


@dataclass
class _ContainerRun:
    container: Container
    policy: str
    policy_source: str
    state: str = "waiting"
    reason: str | None = None
    message: str | None = None
    image_id: str | None = None
    restart_count: int = 0
    exit_code: int | None = None  # of the current terminated state
    finished: float | None = None  # when the latest instance exited
    last: tuple[str, int, float] | None = None  # lastState.terminated: reason, code, finishedAt

    @property
    def crashed(self) -> bool:
        return self.state == "terminated" and self.exit_code not in (None, 0)

    def keep_last_termination(self) -> None:
        """The current termination becomes lastState (a restart or a back-off wait begins)."""
        if self.crashed and self.finished is not None:
            self.last = (self.reason or "Error", self.exit_code or 0, self.finished)


@dataclass
class _PodRun:
    plan: PodPlan
    node: str | None
    containers: dict[str, _ContainerRun]
    context: PodContext
    missing_secrets: tuple[str, ...] = ()
    scheduling: tuple[NodeScore, ...] = ()
    init_done: int = 0
    syncing: bool = False
    attempts: int = 0
    wakes: set[float] = field(default_factory=set)  # pending crash-loop syncs, by time

    @property
    def key(self) -> str:
        return f"{self.plan.namespace}/{self.plan.name}"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _jitter(key: str, attempt: int) -> float:
    """A deterministic stand-in for wait.Jitter's 0–50 %: the same input, the same delay."""
    digest = hashlib.sha256(f"{key}#{attempt}".encode()).digest()
    return (digest[0] / 255.0) * 0.5


@dataclass
class _Simulation:
    scenario: Scenario
    objects: list[KubeObject]
    horizon: float
    max_steps: int = 20_000
    now: float = 0.0
    steps: list[Step] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    pulls: list[Pull] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pods: list[_PodRun] = field(default_factory=list)
    _queue: list[tuple[float, int, Callable[[], None]]] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)
    _context: tuple[str | None, str | None, str | None, str | None] = (None, None, None, None)

    def __post_init__(self) -> None:
        self.registries = RegistryState({r.host: r for r in self.scenario.registries},
                                        runtime.profile_for(self.scenario.profile))
        self.nodes = {n.name: NodeRuntime.start(n, self.scenario.kubelet)
                      for n in self.scenario.nodes}
        self.kubelets = {
            name: Kubelet(node, self.scenario.kubelet, self.scenario.profile,
                          self._kubelet_step, self._kubelet_event)
            for name, node in self.nodes.items()
        }
        self.secret_objects = {(o.effective_namespace, o.name): o
                               for o in self.objects if o.kind == "Secret"}
        self.secrets = {key: o.body for key, o in self.secret_objects.items()}
        self.secrets_from: dict[str, str] = {}  # pod key -> where its pull secrets came from
        self.crash_backoff = CrashBackoff()

    # --- recording ---------------------------------------------------------------------------

    def at(self, when: float, action: Callable[[], None]) -> None:
        if when <= self.horizon:
            heapq.heappush(self._queue, (when, next(self._seq), action))

    def step(self, flow: str, text: str, outcome: str | None = None, *, pod: str | None = None,
             container: str | None = None, node: str | None = None) -> None:
        self.steps.append(Step(round(self.now, 3), flow, text, pod, container, node, outcome))

    def event(self, type_: str, reason: str, message: str, pod: str, *,
              source: str = "kubelet", field_path: str | None = None) -> None:
        self.events.append(Event(round(self.now, 3), type_, reason, message,  # type: ignore[arg-type]
                                 pod, source, field_path, len(self.steps) - 1))

    def _kubelet_step(self, flow: str, text: str, outcome: str | None = None) -> None:
        pod, container, node, _ = self._context
        self.step(flow, text, outcome, pod=pod, container=container, node=node)

    def _kubelet_event(self, type_: str, reason: str, message: str) -> None:
        pod, _, _, field_path = self._context
        self.event(type_, reason, message, pod or "", field_path=field_path)

    # --- the run ------------------------------------------------------------------------------

    def run(self) -> Trace:
        for entry in self.scenario.timeline:
            if entry.push is not None:
                self.at(entry.at, partial(self._push, entry.push.repository, entry.push.tag,
                                          entry.push.image))
        self._create_pods()
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            if len(self.steps) >= self.max_steps:
                # Thousands of containers retrying for an hour would make millions of steps:
                # stop here, say so, and report the cluster as it stood.
                self.warnings.append(
                    f"The simulation stopped at {self.now:.0f}s of the {self.horizon:.0f}s "
                    f"horizon after {self.max_steps} steps; fewer pods or a shorter horizon show "
                    f"the whole run.")
                self.horizon = self.now
                break
            self.now = when
            action()
        self.now = self.horizon
        return self._trace()

    def _push(self, repository: str, tag: str, image_id: str) -> None:
        ref = parse_reference(repository)
        self.registries.push(ref.domain, ref.path, tag, image_id)
        self.step("timeline", f"{ref.familiar}:{tag} now points to image {image_id} in the "
                              f"registry; nodes that already hold the old image keep it.")

    def _create_pods(self) -> None:
        plans, warnings = expand_workloads(self.objects, list(self.scenario.nodes))
        self.warnings.extend(warnings)
        admitted: list[PodPlan] = []
        accounts = [o for o in self.objects if o.kind == "ServiceAccount"]
        for plan in plans:
            result = admit_service_account(plan, accounts)
            if isinstance(result, PodPlan):
                if self.scenario.always_pull_images:
                    result = admit_always_pull_images(result)
                if plan.spec.image_pull_secrets:
                    self.secrets_from[result.key] = "pod"
                elif result.spec.image_pull_secrets:
                    self.secrets_from[result.key] = "serviceaccount"
                admitted.append(result)
            else:
                self.warnings.append(str(result))
        for placement in schedule(admitted, list(self.scenario.nodes)):
            self._place(placement.pod, placement.node, placement)

    def _place(self, plan: PodPlan, node: str | None, placement: object) -> None:
        key = f"{plan.namespace}/{plan.name}"
        run = self._pod_run(plan, node if node in self.nodes else None)
        run.scheduling = tuple(getattr(placement, "scores", ()))
        self.pods.append(run)
        self.now = plan.created
        if node is None:
            message = getattr(placement, "message", "") or ""
            self.step("unschedulable", f"No node fits pod {key}: {message}", pod=key)
            self.event("Warning", "FailedScheduling", message, key, source="default-scheduler")
            return
        if node not in self.nodes:
            # spec.nodeName names a node this cluster does not have: nothing ever runs it.
            self.step("unschedulable", f"Pod {key} is bound to node {node!r}, which does not "
                                       f"exist, so it stays Pending.", pod=key)
            run.node = None
            return
        reason = getattr(placement, "reason", "") or ""
        self.step("schedule", f"Pod {key} goes to {node}. {reason}".strip(), pod=key, node=node)
        if not getattr(placement, "bound_directly", False):
            self.event("Normal", "Scheduled",
                       runtime.msg_scheduled(plan.namespace, plan.name, node), key,
                       source="default-scheduler")
        self.at(plan.created + POD_START_DELAY, lambda: self._sync(run))

    def _pod_run(self, plan: PodPlan, node: str | None) -> _PodRun:
        containers = {}
        for c in plan.spec.all_containers:
            policy, source = effective_policy(c)
            containers[c.name] = _ContainerRun(c, policy, source, reason=(
                "PodInitializing" if plan.spec.init_containers and not c.init
                else "ContainerCreating"))
        found: list[str] = []
        missing: list[str] = []
        for name in plan.spec.image_pull_secrets:
            (found if (plan.namespace, name) in self.secrets else missing).append(name)
        pod_keyring = Keyring.from_pull_secrets([self.secrets[(plan.namespace, n)] for n in found])
        node_keyring = Keyring.from_docker_config({}, source="node", strict=False)
        if node is not None:
            node_keyring = Keyring.from_docker_config(
                dict(self.nodes[node].node.credentials), source="node", strict=False)
        uids = tuple((n, secret_uid(self.secret_objects[(plan.namespace, n)])) for n in found)
        context = PodContext(f"{plan.namespace}/{plan.name}", plan.uid, plan.namespace,
                             tuple(found), pod_keyring + node_keyring, secret_uids=uids)
        return _PodRun(plan, node, containers, context, tuple(missing))

    # --- pod worker -----------------------------------------------------------------------------

    def _sync(self, pod: _PodRun) -> None:
        if pod.syncing:
            return
        pod.syncing = True
        pod.attempts += 1
        self._drive(pod, self._sync_pod(pod), None)

    def _drive(self, pod: _PodRun, gen: SyncGen, value: PullOutcome | None) -> None:
        try:
            request = gen.send(value)  # type: ignore[arg-type]
        except StopIteration:
            pod.syncing = False
            return
        self._request_pull(pod, gen, request)

    def _sync_pod(self, pod: _PodRun) -> SyncGen:
        if pod.missing_secrets:
            self._context = (pod.key, None, pod.node, None)
            self.event("Warning", "FailedToRetrieveImagePullSecret",
                       runtime.msg_failed_secrets(list(pod.missing_secrets)), pod.key)
        spec = pod.plan.spec
        if pod.init_done < len(spec.init_containers):
            container = spec.init_containers[pod.init_done]
            if self._in_crash_backoff(pod, container):
                self._wake_for_crashes(pod)
                return
            result = yield from self._start_container(pod, container)
            if result.ok and pod.containers[container.name].state == "running":
                self.at(self.now + INIT_RUN_SECONDS, lambda: self._init_completed(pod, container))
            elif not result.ok:
                self._resync_later(pod)
            self._wake_for_crashes(pod)
            return
        failed = False
        for container in spec.containers:
            if pod.containers[container.name].state == "running":
                continue
            if self._in_crash_backoff(pod, container):
                continue
            result = yield from self._start_container(pod, container)
            failed = failed or not result.ok
        if failed:
            self._resync_later(pod)
        self._wake_for_crashes(pod)

    def _resync_later(self, pod: _PodRun) -> None:
        delay = RESYNC_SECONDS * (1 + _jitter(pod.key, pod.attempts))
        self.at(self.now + delay, lambda: self._sync(pod))

    # --- crash loop (kuberuntime_manager.go doBackOff) ------------------------------------------

    def _crash_key(self, pod: _PodRun, container: Container) -> str:
        plan = pod.plan
        return stable_key(plan.name, plan.namespace, plan.uid, container.name, container.image)

    def _in_crash_backoff(self, pod: _PodRun, container: Container) -> bool:
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

    def _wake_for_crashes(self, pod: _PodRun) -> None:
        """Sync again when the PLEG notices an exit, or when a crash back-off window ends."""
        for container in pod.plan.spec.all_containers:
            run = pod.containers[container.name]
            if run.finished is None:
                continue
            if run.crashed:
                when = max(self.now, run.finished + PLEG_RELIST_SECONDS)
            elif run.reason == "CrashLoopBackOff":
                window = self.crash_backoff.window(self._crash_key(pod, container))
                when = max(self.now, run.finished + window)
            else:
                continue
            when = round(when, 6)
            if when not in pod.wakes:
                pod.wakes.add(when)
                self.at(when, partial(self._wake, pod, when))

    def _wake(self, pod: _PodRun, when: float) -> None:
        pod.wakes.discard(when)
        self._sync(pod)

    def _exec_failed(self, pod: _PodRun, container: Container, image: Image) -> None:
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

    def _init_completed(self, pod: _PodRun, container: Container) -> None:
        run = pod.containers[container.name]
        run.state, run.reason, run.message = "terminated", "Completed", None
        pod.init_done += 1
        self._sync(pod)

    def _start_container(
        self, pod: _PodRun, container: Container
    ) -> Generator[PullRequest, PullOutcome, ImageResult]:
        assert pod.node is not None
        self._context = (pod.key, container.name, pod.node, container.field_path)
        run = pod.containers[container.name]
        run.keep_last_termination()
        kubelet = self.kubelets[pod.node]
        result = yield from kubelet.ensure_image(pod.context, container, lambda: self.now)
        self._context = (pod.key, container.name, pod.node, container.field_path)
        if not result.ok:
            run.state, run.reason, run.message = "waiting", result.reason, result.message
            self.event("Warning", "Failed", runtime.msg_error(result.reason or "ErrImagePull"),
                       pod.key, field_path=container.field_path)
            return result
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

    # --- the image puller -----------------------------------------------------------------------

    def _request_pull(self, pod: _PodRun, gen: SyncGen, request: PullRequest) -> None:
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
                                 list(request.credentials))
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
            transfers, clock = self._layer_schedule(node, resolution.image, clock, latency,
                                                    bandwidth)
            downloaded = sum(t.size for t in transfers if t.state == "downloaded")
            self._layer_steps(context, request, tuple(transfers))
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

    @staticmethod
    def _layer_schedule(node: NodeRuntime, image: Image, clock: float, latency: float,
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

    def _layer_steps(self, context: tuple[str | None, str | None, str | None, str | None],
                     request: PullRequest, transfers: tuple[LayerTransfer, ...]) -> None:
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

    def _finish_pull(self, node: NodeRuntime, pod: _PodRun, request: PullRequest,
                     resolution: object, job: PullJob, started: float,
                     transfers: tuple[LayerTransfer, ...], downloaded: int) -> PullOutcome:
        from .registry import Resolution

        assert isinstance(resolution, Resolution)
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
        node.records.setdefault(image_id, []).append(record_for(credential, pod.context))
        self.pulls.append(Pull(**base, outcome="pulled", bytes=downloaded,  # type: ignore[arg-type]
                               image_size=image.size, image_id=image_id, layers=transfers,
                               username=resolution.username, tried=resolution.tried,
                               exchanges=resolution.exchanges, digest=resolution.digest))
        return PullOutcome(True, image_id=image_id, size=image.size,
                           pull_seconds=self.now - started,
                           total_seconds=self.now - job.requested, downloaded=downloaded)

    # --- the result -----------------------------------------------------------------------------

    def _trace(self) -> Trace:
        from .charts import all_charts
        from .diagrams import flow_diagram
        from .hints import compute_hints

        pods = tuple(self._pod_status(p) for p in self.pods)
        trace = Trace(steps=tuple(self.steps), events=tuple(self.events), pods=pods,
                      pulls=tuple(self.pulls), warnings=tuple(self.warnings),
                      horizon=self.horizon, scenario=self.scenario.name,
                      profile=self.scenario.profile)
        trace = replace(trace, hints=tuple(compute_hints(trace, self.objects, self.scenario)))
        return replace(trace, diagrams={"flow": flow_diagram(trace),
                                        "flow_plain": flow_diagram(trace, marked=False),
                                        **all_charts(trace)})

    def _pod_status(self, pod: _PodRun) -> PodStatus:
        statuses = tuple(_container_status(r) for r in pod.containers.values())
        regular = [s for s in statuses if not s.init]
        # getPhase with restartPolicy Always: a container waiting after an exit counts as
        # stopped, not pending, so a crash-looping pod is Running.
        started = bool(regular) and all(s.state != "waiting" or s.last_finished is not None
                                        for s in regular)
        phase = "Running" if started else "Pending"
        ready = f"{sum(1 for s in regular if s.ready)}/{len(regular)}"
        status = kubectl.pod_status_column(list(statuses), phase) if pod.node else "Pending"
        restarts = sum(s.restart_count for s in statuses)
        return PodStatus(pod.plan.namespace, pod.plan.name, pod.plan.owner, pod.node, phase,
                         status, ready, restarts, statuses, pod.scheduling,
                         pod.plan.spec.image_pull_secrets, self.secrets_from.get(pod.key))


def _container_status(run: _ContainerRun) -> ContainerStatus:
    last = run.last
    return ContainerStatus(
        name=run.container.name, image=run.container.image, init=run.container.init,
        pull_policy=run.policy, pull_policy_source=run.policy_source,
        state=run.state,  # type: ignore[arg-type]
        reason=run.reason, message=run.message, image_id=run.image_id,
        ready=run.state == "running", restart_count=run.restart_count,
        exit_code=run.exit_code if run.state == "terminated" else None,
        last_reason=last[0] if last else None, last_exit_code=last[1] if last else None,
        last_finished=round(last[2], 3) if last else None)


def simulate(
    manifests: Manifests | list[KubeObject] | str,
    scenario: Scenario | None = None,
    *,
    horizon: float | None = None,
    max_steps: int = 20_000,
) -> Trace:
    """Run the pasted objects through admission, the scheduler and each node's kubelet.

    The run stops early, with a warning in the trace, once it has made `max_steps` steps
    (thousands of containers retrying for an hour would otherwise make millions).
    """
    if isinstance(manifests, str):
        manifests = load_paste(manifests)
    world = scenario if scenario is not None else default_scenario()
    objects = list(world.objects) + list(manifests)
    sim = _Simulation(world, objects, world.horizon if horizon is None else horizon, max_steps)
    trace = sim.run()
    if isinstance(manifests, Manifests) and manifests.warnings:
        extra = tuple(str(w) for w in manifests.warnings)
        trace = replace(trace, warnings=extra + trace.warnings)
    return trace


__all__ = ["simulate", "Credential"]
