"""registry: FRONT_DOC"""

from __future__ import annotations

from .digests import DigestLookup, DigestLookupError, resolve_digest
from .resolver import RegistryState, Resolution, resolve

__all__ = [
    "DigestLookup",
    "DigestLookupError",
    "RegistryState",
    "Resolution",
    "resolve",
    "resolve_digest",
]
