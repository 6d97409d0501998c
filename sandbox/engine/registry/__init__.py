"""The simulated registries' side of a pull, and `crane digest`.

`resolver` answers one pull as a registry and containerd's resolver would (tag, auth, platform);
`digests` finds the digest a reference points to, as `crane digest` prints it.
"""

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
