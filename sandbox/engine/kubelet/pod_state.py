"""The mutable state of one pod (and its containers) during a simulated run."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from ..cluster import PodPlan
from ..objects import Container
from ..trace import NodeScore
from .image_manager import PodContext, PullOutcome, PullRequest

SyncGen = Generator[PullRequest, PullOutcome, None]
# Who the kubelet is working for right now: pod key, container name, node name, field path.
Context = tuple[str | None, str | None, str | None, str | None]


@dataclass
class ContainerRun:
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
    # The kubelet's reasonCache entry (pkg/kubelet/reason_cache.go): why the latest start attempt
    # failed, as (error name, message). The pod's status shows it from the next sync on.
    reason_cache: tuple[str, str | None] | None = None

    @property
    def crashed(self) -> bool:
        return self.state == "terminated" and self.exit_code not in (None, 0)

    def keep_last_termination(self) -> None:
        """The current termination becomes lastState (a restart or a back-off wait begins)."""
        if self.crashed and self.finished is not None:
            self.last = (self.reason or "Error", self.exit_code or 0, self.finished)


@dataclass
class PodRun:
    plan: PodPlan
    node: str | None
    containers: dict[str, ContainerRun]
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
