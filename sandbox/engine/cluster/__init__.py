"""cluster: FRONT_DOC"""

from __future__ import annotations

from .admission import AdmissionError, admit_always_pull_images, admit_service_account
from .events import COMBINED, SPAM_BURST, SPAM_REFILL, annotate_events, record_events, recordings
from .podplan import PodPlan
from .scheduler import (
    REASON_NODE_AFFINITY,
    REASON_PINNED_ELSEWHERE,
    REASON_TAINT,
    failed_scheduling_message,
    filter_reason,
    image_locality,
    normalized_image_name,
    schedule,
    spread_scores,
    tolerates,
)
from .workloads import (
    CRONJOB_SCHEDULED_MINUTES,
    SAFE_ALPHABET,
    expand_workloads,
    fnv32a,
    safe_encode,
    template_hash,
)

__all__ = [
    "AdmissionError",
    "COMBINED",
    "CRONJOB_SCHEDULED_MINUTES",
    "PodPlan",
    "REASON_NODE_AFFINITY",
    "REASON_PINNED_ELSEWHERE",
    "REASON_TAINT",
    "SAFE_ALPHABET",
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
