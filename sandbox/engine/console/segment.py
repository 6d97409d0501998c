"""One command's worth of cluster time: the simulation resumed from a stored state.

`Segment` is the simulator (`simulator._Simulation`) started from a `ClusterState` instead of
from the scenario: node image stores, pulled records, back-off entries, crash-loop windows,
moved tags and every pod's kubelet state are restored, new pods are created at the state's
clock, and the run goes on until the cluster settles or the asked-for time has passed. Then
everything is written back into the state.

When does a segment end? A command takes no time of its own; what it starts runs on. A
segment ends at the first moment after `target` (the clock plus any `sleep`) when nothing is
in flight: every pending action is a retry (a pod worker's resync after a failed pull, a
crash-loop wake) more than SETTLE_GAP seconds away. So `kubectl apply` returns once the first
pull has succeeded or failed, and `sleep 60` moves the clock by 60 s, or a little more when a
pull under way at that moment is let finish. Retries still pending are kept in the state and
run in a later segment.

Simplified, and said so in docs/console.md: a deleted pod's containers stop at once (a real
kubelet gives them terminationGracePeriodSeconds, 30 s by default, and the pod shows
Terminating meanwhile).
"""

from __future__ import annotations

import copy
import heapq
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from .. import runtime
from ..cluster import PodPlan, admit_always_pull_images, admit_service_account
from ..cluster.scheduler import schedule_one
from ..cluster.scoring import image_states
from ..kubelet import PodRun
from ..kubelet.backoff import _Entry as PullEntry
from ..kubelet.crashloop import _Entry as CrashEntry
from ..objects import KubeObject
from ..simulator import _Simulation
from ..trace import Trace
from ..world import Node, NodeImage
from .records import event_data, pod_record, restore_node, save_node
from .state import ClusterState

SETTLE_GAP = 2.0  # a retry this close is still part of what the command set going
RUN_ON_LIMIT = 900.0  # at most this long past `target` for pulls under way to finish
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"


@dataclass
class Segment(_Simulation):
    """The simulation from `state.clock` to at least `target`, then written back to `state`."""

    state: ClusterState | None = None
    target: float = 0.0
    key: bytes | None = None
    # Called whenever a container starts or a pod goes, so controllers can react (rollouts).
    on_change: Callable[[Segment], None] | None = None
    runs: dict[str, PodRun] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    created_at: dict[str, float] = field(default_factory=dict)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        assert self.state is not None
        data = self.state.data
        self.now = self.state.clock
        self.registries.fingerprint_key = self.key
        for name, value in data["tags"].items():
            host, path, tag = name.split("|", 2)
            self.registries.moved[(host, path, tag)] = value
        for name, node in self.nodes.items():
            restore_node(node, data["nodes"][name], data["images"])
            kubelet = self.kubelets[name]
            kubelet.backoff._entries = {k: PullEntry(w, t) for k, (w, t)
                                        in data["nodes"][name]["backoff"].items()}
            kubelet.last_errors = {k: (a, b) for k, (a, b)
                                   in data["nodes"][name]["last_errors"].items()}
        self.crash_backoff._entries = {k: CrashEntry(w, t) for k, (w, t)
                                       in data.get("crash", {}).items()}

    # --- pods ----------------------------------------------------------------------------------

    def restore_pod(self, plan: PodPlan, record: dict[str, Any]) -> None:
        """A pod that already exists: its kubelet state as stored, its pending syncs queued."""
        run = self._pod_run(plan, record["node"])
        for name, saved in record["containers"].items():
            container = run.containers.get(name)
            if container is None:
                continue
            for attr in ("policy", "policy_source", "state", "reason", "message", "image_id",
                         "restart_count", "exit_code", "finished"):
                setattr(container, attr, saved[attr])
            container.last = tuple(saved["last"]) if saved["last"] else None
            cached = saved.get("reason_cache")  # what the next sync publishes (pod_worker.py)
            container.reason_cache = (cached[0], cached[1]) if cached else None
        run.init_done, run.attempts = record["init_done"], record["attempts"]
        self.pods.append(run)
        self.runs[run.key] = run
        self.created_at[run.key] = record["created"]
        self.bodies[run.key] = record["body"]
        for kind, when in record["syncs"]:
            if kind == "wake":
                run.wakes.add(when)
                self.at(when, partial(self._wake, run, when))
            else:
                self.at(when, partial(self._retry, run))
        if record["node"] is None:  # the scheduler tries an unschedulable pod again
            self.at(self.now, partial(self._reschedule, run))

    def create_pod(self, plan: PodPlan, body: dict[str, Any], accounts: list[KubeObject],
                   policy_sources: dict[str, str] | None = None) -> str | None:
        """Admission, scheduling and the first sync of a new pod; an admission error's text.

        `body` is the Pod as stored; admission's changes are written into it."""
        plan = replace(plan, created=self.now)
        result = admit_service_account(plan, accounts)
        if not isinstance(result, PodPlan):
            return result.message
        if self.scenario.always_pull_images:
            result = admit_always_pull_images(result)
        body = _admitted_body(body, result, self.scenario.always_pull_images)
        if plan.spec.image_pull_secrets:
            self.secrets_from[result.key] = "pod"
        elif result.spec.image_pull_secrets:
            self.secrets_from[result.key] = "serviceaccount"
        placement = schedule_one(result, self.current_nodes(), self._placed(),
                                 image_states(self.current_nodes()))
        self._place(result, placement.node, placement)
        run = self.pods[-1]
        for name, source in (policy_sources or {}).items():
            if name in run.containers:
                run.containers[name].policy_source = source
        self.runs[run.key] = run
        self.created_at[run.key] = self.now
        self.bodies[run.key] = body
        if run.node is not None:
            body["spec"]["nodeName"] = run.node
        return None

    def restart_containers(self, key: str, plan: PodPlan, names: list[str]) -> None:
        """A Pod's image was changed: the kubelet kills those containers and starts them again
        from the new image (`Container … definition changed, will be restarted`)."""
        run = self.runs.get(key)
        if run is None:
            return
        run.plan = replace(run.plan, spec=plan.spec)
        by_name = {c.name: c for c in plan.spec.all_containers}
        for name in names:
            container = run.containers.get(name)
            if container is None or name not in by_name:
                continue
            container.container = by_name[name]
            if run.node is not None and container.state == "running":
                self._context = (key, name, run.node, container.container.field_path)
                self.event("Normal", "Killing", f"Container {name} definition changed, "
                                                "will be restarted", key,
                           field_path=container.container.field_path)
                container.last = ("Completed", 0, self.now)
                container.finished = self.now
            container.state, container.reason, container.message = "waiting", \
                "ContainerCreating", None
            container.exit_code = None
        if run.node is not None:
            self.at(self.now, lambda: self._sync(run))

    def delete_pod(self, key: str) -> None:
        """The pod goes: its running containers are stopped (images stay on the node)."""
        run = self.runs.get(key)
        if run is None or key in self.deleted:
            return
        self.deleted.add(key)
        if run.node is not None:
            for name, container in run.containers.items():
                if container.state == "running":
                    self._context = (key, name, run.node, container.container.field_path)
                    self.event("Normal", "Killing", f"Stopping container {name}", key,
                               field_path=container.container.field_path)
        self.pods = [p for p in self.pods if p.key != key]
        if self.on_change is not None:
            self.at(self.now, partial(self.on_change, self))

    def _placed(self) -> dict[str, Counter[str]]:
        placed: dict[str, Counter[str]] = {}
        for run in self.pods:
            if run.node is not None and run.plan.owner is not None:
                placed.setdefault(run.node, Counter())[run.plan.owner] += 1
        return placed

    def current_nodes(self) -> list[Node]:
        """The scenario's nodes as they are now: cordon as a taint, images as stored."""
        assert self.state is not None
        nodes = []
        for node in self.scenario.nodes:
            saved = self.state.data["nodes"][node.name]
            taints = node.taints
            if saved["cordoned"]:
                from ..world import Taint
                taints = taints + (Taint(UNSCHEDULABLE_TAINT, None, "NoSchedule"),)
            held = self.nodes[node.name]
            images = tuple(NodeImage(ref, image, held.repo_digests[ref].split("@", 1)[1])
                           for ref, image in held.images.items() if "@" not in ref)
            nodes.append(replace(node, taints=taints, images=images))
        return nodes

    def _reschedule(self, run: PodRun) -> None:
        if run.key in self.deleted or run.node is not None:
            return
        placement = schedule_one(run.plan, self.current_nodes(), self._placed(),
                                 image_states(self.current_nodes()))
        if placement.node is None:
            return  # still unschedulable: the FailedScheduling event is not repeated
        run.node = placement.node
        self.bodies[run.key]["spec"]["nodeName"] = run.node
        fresh = self._pod_run(run.plan, run.node)
        run.context, run.missing_secrets = fresh.context, fresh.missing_secrets
        key = run.key
        self.step("schedule", f"Pod {key} goes to {run.node}. {placement.reason}".strip(),
                  pod=key, node=run.node)
        self.event("Normal", "Scheduled", runtime.msg_scheduled(run.plan.namespace,
                                                                run.plan.name, run.node), key,
                   source="default-scheduler")
        self.at(self.now + 1.0, lambda: self._sync(run))

    # --- the kubelet's hooks -------------------------------------------------------------------

    def _sync(self, pod: PodRun) -> None:
        if pod.key in self.deleted:
            return
        super()._sync(pod)

    def event(self, type_: str, reason: str, message: str, pod: str, *,
              source: str = "kubelet", field_path: str | None = None) -> None:
        super().event(type_, reason, message, pod, source=source, field_path=field_path)
        if reason == "Started" and self.on_change is not None:
            self.at(self.now, partial(self.on_change, self))

    # --- running -------------------------------------------------------------------------------

    def _is_retry(self, action: Callable[[], None]) -> bool:
        return isinstance(action, partial) and action.func in (self._retry, self._wake)

    def advance(self) -> Trace:
        """Run until the cluster settles at or after `target`; write the state back."""
        assert self.state is not None
        start = self.state.clock
        for entry in self.scenario.timeline:
            if entry.push is not None and start < entry.at <= self.target:
                self.at(entry.at, partial(self._push, entry.push.repository, entry.push.tag,
                                          entry.push.image))
        limit = self.target + RUN_ON_LIMIT
        while self._queue:
            when, _, action = self._queue[0]
            if when > self.target and self._is_retry(action) and when > self.now + SETTLE_GAP:
                break
            if when > limit:
                break
            if len(self.steps) >= self.max_steps:
                self.warnings.append(f"This command stopped after {self.max_steps} steps; "
                                     "the cluster is shown as it stood.")
                break
            heapq.heappop(self._queue)
            self.now = max(self.now, when)
            action()
        self.now = max(self.now, self.target)
        self.horizon = self.now
        trace = self._trace()
        self._write_back(trace)
        return trace

    def _write_back(self, trace: Trace) -> None:
        assert self.state is not None
        data = self.state.data
        data["clock"] = round(self.now, 3)
        data["tags"] = {f"{h}|{p}|{t}": v for (h, p, t), v in sorted(self.registries.moved.items())}
        for name, node in self.nodes.items():
            saved = data["nodes"][name]
            save_node(node, saved, data["images"])
            kubelet = self.kubelets[name]
            saved["backoff"] = {k: [e.window, e.last_update]
                                for k, e in sorted(kubelet.backoff._entries.items())}
            saved["last_errors"] = {k: list(v) for k, v in sorted(kubelet.last_errors.items())}
        data["crash"] = {k: [e.window, e.last_update]
                         for k, e in sorted(self.crash_backoff._entries.items())}
        pending: dict[str, list[list[Any]]] = {}
        for when, _, action in sorted(self._queue, key=lambda item: (item[0], item[1])):
            if self._is_retry(action):
                assert isinstance(action, partial)
                run = action.args[0]
                kind = "wake" if action.func == self._wake else "sync"
                pending.setdefault(run.key, []).append([kind, round(when, 6)])
        statuses = {f"{p.namespace}/{p.name}": p for p in trace.pods}
        pods: dict[str, Any] = {}
        for run in self.pods:
            if run.key in self.deleted:
                continue
            old = data["pods"].get(run.key, {})
            pods[run.key] = pod_record(run, self.bodies[run.key], statuses[run.key], old,
                                        self.created_at.get(run.key, self.now),
                                        pending.get(run.key, []),
                                        self.secrets_from.get(run.key, old.get("secrets_from")))
        for pull in self.pulls:  # what each pod's pulls downloaded, for compare
            if pull.pod in pods:
                pods[pull.pod]["pulled_bytes"] = pods[pull.pod].get("pulled_bytes", 0) + pull.bytes
        data["pods"] = pods
        events = [e for e in data["events"] if e["time"] >= self.now - 3600.0]
        uids = {key: run.plan.uid for key, run in self.runs.items()}
        events += [event_data(e, uids.get(e.pod)) for e in self.events]
        data["events"] = events[-1000:]


def _admitted_body(body: dict[str, Any], plan: PodPlan, always: bool) -> dict[str, Any]:
    """The stored Pod after admission: its service account, any pull secrets copied from it,
    and `Always` everywhere under AlwaysPullImages."""

    body = copy.deepcopy(body)
    spec = body.setdefault("spec", {})
    spec["serviceAccountName"] = plan.spec.service_account_name
    if plan.spec.image_pull_secrets and "imagePullSecrets" not in spec:
        spec["imagePullSecrets"] = [{"name": n} for n in plan.spec.image_pull_secrets]
    if always:
        for field_name in ("initContainers", "containers"):
            for item in spec.get(field_name) or []:
                if isinstance(item, dict):
                    item["imagePullPolicy"] = "Always"
    return body
