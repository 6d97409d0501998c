"""The control plane before any kubelet: admission, workloads into pods, the scheduler, events.

`admission` (ServiceAccount, AlwaysPullImages), `workloads` and `naming` (Deployments and the
rest into pods with Kubernetes-style names), `podplan` (a pod about to be scheduled),
`filters`, `scoring` and `scheduler` (kube-scheduler's plugins), `events` (client-go's recorder).
"""

from __future__ import annotations

from .admission import AdmissionError, admit_always_pull_images, admit_service_account
from .events import COMBINED, SPAM_BURST, SPAM_REFILL, annotate_events, record_events, recordings
from .filters import (
    REASON_NODE_AFFINITY,
    REASON_PINNED_ELSEWHERE,
    REASON_TAINT,
    failed_scheduling_message,
    filter_reason,
    tolerates,
)
from .naming import SAFE_ALPHABET, fnv32a, safe_encode, template_hash
from .podplan import PodPlan, sorted_pairs
from .scheduler import schedule
from .scoring import image_locality, normalized_image_name, spread_scores
from .workloads import CRONJOB_SCHEDULED_MINUTES, SIMULATED_EPOCH, expand_workloads

__all__ = [
    "AdmissionError",
    "COMBINED",
    "CRONJOB_SCHEDULED_MINUTES",
    "PodPlan",
    "sorted_pairs",
    "REASON_NODE_AFFINITY",
    "REASON_PINNED_ELSEWHERE",
    "REASON_TAINT",
    "SAFE_ALPHABET",
    "SIMULATED_EPOCH",
    "SPAM_BURST",
    "SPAM_REFILL",
    "admit_always_pull_images",
    "admit_service_account",
    "annotate_events",
    "expand_workloads",
    "failed_scheduling_message",
    "filter_reason",
    "fnv32a",
    "image_locality",
    "normalized_image_name",
    "record_events",
    "recordings",
    "safe_encode",
    "schedule",
    "spread_scores",
    "template_hash",
    "tolerates",
]
