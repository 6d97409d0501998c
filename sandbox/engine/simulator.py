"""`simulate`: admission, scheduling, then every node's kubelet, in simulated time.

The whole evaluation is computed at once; an event queue orders what happens on different nodes
(pod syncs, pulls finishing, tags moving). Nothing here sleeps, prints or reads a clock.
The pod worker (`podworker.py`) and the image puller (`puller.py`) are mixins of the
simulation; the per-pod state they share is in `podstate.py`.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from . import runtime
from .cluster import (
    PodPlan,
    admit_always_pull_images,
    admit_service_account,
    annotate_events,
    expand_workloads,
    schedule,
)
from .credentials import Credential, Keyring, PodIdentity, pod_identity, provider_lookup
from .kubectl import pod_status_column, restarts_counted
from .kubelet import (
    INIT_RUN_SECONDS,
    QPS_EXCEEDED,
    RESYNC_SECONDS,
    UNPACK_BYTES_PER_SECOND,
    ContainerRun,
    Context,
    CrashBackoff,
    Kubelet,
    NodeRuntime,
    PodContext,
    PodRun,
    PodWorker,
    effective_policy,
    secret_uid,
)
from .objects import KubeObject, Manifests
from .reference import parse_reference
from .registry import RegistryState
from .scenario import default_scenario
from .trace import ContainerStatus, Event, PodStatus, Pull, StatusChange, Step, Trace
from .world import Scenario

POD_START_DELAY = 1.0  # scheduled -> first kubelet sync (sandbox creation)


@dataclass
class _Simulation(PodWorker):
    scenario: Scenario
    objects: list[KubeObject]
    horizon: float
    max_steps: int = 20_000
    now: float = 0.0
    steps: list[Step] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    pulls: list[Pull] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pods: list[PodRun] = field(default_factory=list)
    statuses: list[StatusChange] = field(default_factory=list)
    _runs: dict[str, PodRun] = field(default_factory=dict)  # pods by namespace/name
    # Per pod: what its status depends on at the last change, and the columns it showed then.
    _shown: dict[str, tuple[object, tuple[str, str, int, float | None]]] = field(
        default_factory=dict)
    _queue: list[tuple[float, int, Callable[[], None]]] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)
    _context: Context = (None, None, None, None)

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
        if pod is not None:
            self._note_status(pod)

    def _note_status(self, key: str) -> None:
        """Record the pod's get-pods columns if they changed since its last step.

        Every change of a container's state comes before a step of its pod (a sync publishes
        the reasonCache, then decides about each image), so a pod's columns at step i are the
        ones the end of the run would print had it stopped there.
        """
        pod = self._runs.get(key)
        if pod is None:
            return
        inputs = (pod.node, [(r.state, r.reason, r.restart_count, r.exit_code, r.last, r.finished)
                             for r in pod.containers.values()])
        shown = self._shown.get(key)
        if shown is not None and shown[0] == inputs:
            return
        status = self._pod_status(pod, {})
        columns = (status.status, status.ready, *restarts_counted(status))
        self._shown[key] = (inputs, columns)
        if shown is None or shown[1] != columns:
            self.statuses.append(StatusChange(len(self.steps) - 1, key, *columns))

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
            result = admit_service_account(plan, self._accounts_for(plan, accounts))
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

    def _accounts_for(self, plan: PodPlan, accounts: list[KubeObject]) -> list[KubeObject]:
        """The ServiceAccounts that exist when `plan` is admitted. `kubectl apply -f` creates
        objects in file order, so a bare Pod only finds accounts created before it; a
        controller's pods are made a moment after everything was applied (its controller's
        first FailedCreate, if any, is retried before anyone sees it: not modelled)."""
        if plan.owner is not None:
            return accounts
        at = next((k for k, o in enumerate(self.objects) if o.kind == "Pod"
                   and o.name == plan.name and o.effective_namespace == plan.namespace), None)
        if at is None:
            return accounts
        return [o for o in self.objects[:at] if o.kind == "ServiceAccount"]

    def _place(self, plan: PodPlan, node: str | None, placement: object) -> None:
        key = f"{plan.namespace}/{plan.name}"
        run = self._pod_run(plan, node if node in self.nodes else None)
        run.scheduling = tuple(getattr(placement, "scores", ()))
        self.pods.append(run)
        self._runs[key] = run
        self.now = plan.created
        if node is None:
            message = getattr(placement, "message", "") or ""
            self.step("unschedulable", f"No node fits pod {key}: {message}", pod=key)
            self.event("Warning", "FailedScheduling", message, key, source="default-scheduler")
            return
        if node not in self.nodes:
            # spec.nodeName names a node this cluster does not have: nothing ever runs it.
            run.node = None
            self.step("unschedulable", f"Pod {key} is bound to node {node!r}, which does not "
                                       f"exist, so it stays Pending.", pod=key)
            return
        reason = getattr(placement, "reason", "") or ""
        self.step("schedule", f"Pod {key} goes to {node}. {reason}".strip(), pod=key, node=node)
        if not getattr(placement, "bound_directly", False):
            self.event("Normal", "Scheduled",
                       runtime.msg_scheduled(plan.namespace, plan.name, node), key,
                       source="default-scheduler")
        self.at(plan.created + POD_START_DELAY, lambda: self._sync(run))

    def _pod_run(self, plan: PodPlan, node: str | None) -> PodRun:
        containers = {}
        for c in plan.spec.all_containers:
            policy, source = effective_policy(c)
            containers[c.name] = ContainerRun(c, policy, source, reason=(
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
            providers = self.nodes[node].credential_providers
            if providers:  # searched after the pod's secrets and the node's files
                node_keyring += Keyring.from_lookup(provider_lookup(
                    providers, self._identity(plan), lambda: self.now, self._kubelet_step))
        uids = tuple((n, secret_uid(self.secret_objects[(plan.namespace, n)])) for n in found)
        context = PodContext(f"{plan.namespace}/{plan.name}", plan.uid, plan.namespace,
                             tuple(found), pod_keyring + node_keyring, secret_uids=uids)
        return PodRun(plan, node, containers, context, tuple(missing))

    def _identity(self, plan: PodPlan) -> PodIdentity:
        """The pod and its service account, as a per-pod credential provider sees them."""
        name = plan.spec.service_account_name or ""
        account = next((o for o in self.objects if o.kind == "ServiceAccount" and o.name == name
                        and o.effective_namespace == plan.namespace), None)
        return pod_identity(plan.namespace, plan.name, plan.uid, name, account,
                            implicit=name == "default")

    # --- the result -----------------------------------------------------------------------------

    def _trace(self) -> Trace:
        from .hints import compute_hints

        starts: dict[tuple[str, str | None], list[float]] = {}
        for event in self.events:  # when each container instance started, for describe
            if event.reason == "Started":
                starts.setdefault((event.pod, event.field_path), []).append(event.time)
        pods = tuple(self._pod_status(p, starts) for p in self.pods)
        for pod in self.pods:  # a change after a pod's last step shows from the last step on
            self._note_status(pod.key)
        # The recorder's verdict on each occurrence, so the live table shows what describe shows.
        events = annotate_events(self.events)
        trace = Trace(steps=tuple(self.steps), events=events, pods=pods,
                      pulls=tuple(self.pulls), warnings=tuple(self.warnings),
                      horizon=self.horizon, scenario=self.scenario.name,
                      profile=self.scenario.profile, statuses=tuple(self.statuses),
                      settings=tuple((setting.path, setting.in_force)
                                     for setting in self.scenario.learner_settings))
        return replace(trace, hints=tuple(compute_hints(trace, self.objects, self.scenario)))

    def _pod_status(self, pod: PodRun,
                    starts: dict[tuple[str, str | None], list[float]]) -> PodStatus:
        statuses = tuple(_container_status(r, starts.get((pod.key, r.container.field_path), []))
                         for r in pod.containers.values())
        regular = [s for s in statuses if not s.init]
        # getPhase with restartPolicy Always: a container waiting after an exit counts as
        # stopped, not pending, so a crash-looping pod is Running.
        started = bool(regular) and all(s.state != "waiting" or s.last_finished is not None
                                        for s in regular)
        phase = "Running" if started else "Pending"
        ready = f"{sum(1 for s in regular if s.ready)}/{len(regular)}"
        status = pod_status_column(list(statuses), phase) if pod.node else "Pending"
        restarts = sum(s.restart_count for s in statuses)
        return PodStatus(pod.plan.namespace, pod.plan.name, pod.plan.owner, pod.node, phase,
                         status, ready, restarts, statuses, pod.scheduling,
                         pod.plan.spec.image_pull_secrets, self.secrets_from.get(pod.key),
                         **described(pod.plan, pod.node))


def described(plan: PodPlan, node: str | None) -> dict[str, Any]:
    """The PodStatus fields only `kubectl describe pod` reads. startTime is set by the kubelet
    as it takes the pod (kubelet_pods.go `generateAPIPodStatus`), milliseconds after binding,
    which here is the moment the pod is made."""
    return {"service_account": plan.spec.service_account_name or None, "labels": plan.labels,
            "annotations": plan.annotations,
            "start_time": plan.created if node is not None else None,
            "sandbox_at": plan.created + POD_START_DELAY if node is not None else None}


def _container_status(run: ContainerRun, starts: list[float]) -> ContainerStatus:
    last = run.last
    started = starts[-1] if starts and run.state != "waiting" else None
    finished = run.finished if run.state == "terminated" else None
    if started is not None and run.state == "terminated" and (finished is None
                                                               or finished < started):
        finished = started + INIT_RUN_SECONDS  # a completed init container ran this long
    before = [t for t in starts if last is not None and t <= last[2]]
    return ContainerStatus(
        name=run.container.name, image=run.container.image, init=run.container.init,
        pull_policy=run.policy, pull_policy_source=run.policy_source,
        state=run.state,  # type: ignore[arg-type]
        reason=run.reason, message=run.message, image_id=run.image_id,
        ready=run.state == "running", restart_count=run.restart_count,
        exit_code=run.exit_code if run.state == "terminated" else None,
        last_reason=last[0] if last else None, last_exit_code=last[1] if last else None,
        last_finished=round(last[2], 3) if last else None,
        started=started, finished=finished, last_started=before[-1] if before else None,
        ports=run.container.ports, command=run.container.command, args=run.container.args)


def simulate(
    manifests: Manifests | list[KubeObject],
    scenario: Scenario | None = None,
    *,
    horizon: float | None = None,
    max_steps: int = 20_000,
) -> Trace:
    """Run the pasted objects through admission, the scheduler and each node's kubelet.

    The trace is what happened; drawing it is `render/`'s job (`Evaluation.diagrams`).

    The run stops early, with a warning in the trace, once it has made `max_steps` steps
    (thousands of containers retrying for an hour would otherwise make millions).
    """
    if isinstance(manifests, (str, bytes)):
        raise TypeError("simulate takes objects: read text with load_paste (or call evaluate)")
    world = scenario if scenario is not None else default_scenario()
    objects = list(world.objects) + list(manifests)
    sim = _Simulation(world, objects, world.horizon if horizon is None else horizon, max_steps)
    trace = sim.run()
    if isinstance(manifests, Manifests) and manifests.warnings:
        extra = tuple(str(w) for w in manifests.warnings)
        trace = replace(trace, warnings=extra + trace.warnings)
    return trace


__all__ = [
    "INIT_RUN_SECONDS",
    "POD_START_DELAY",
    "QPS_EXCEEDED",
    "RESYNC_SECONDS",
    "UNPACK_BYTES_PER_SECOND",
    "Credential",
    "simulate",
]
