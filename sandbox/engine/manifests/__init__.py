"""manifests: FRONT_DOC"""

from __future__ import annotations

from .load import NOTHING_TO_RUN, load_manifests, read_object
from .schema import Report, check_dns_label, check_dns_subdomain

__all__ = [
    "NOTHING_TO_RUN",
    "Report",
    "check_dns_label",
    "check_dns_subdomain",
    "load_manifests",
    "read_object",
]
