"""Generated names, template hashes and UIDs, made the way the API server and controllers make them.

A generateName suffix is five characters of apimachinery's `rand` alphabet, a pod-template-hash
is the controllers' `ComputeHash` (FNV-1a, safe-encoded), and every object has a UID. Where the
cluster draws at random (suffixes, UIDs) we derive the characters from a SHA-256 of the names
instead, so the same paste always gives the same names.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

# Kubernetes' `rand` alphabet: no vowels, no 0/1/3, so generated names spell no words.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
GENERATED_SUFFIX_LENGTH = 5
# The API server keeps at most 63 - 5 characters of a generateName before adding the suffix.
MAX_GENERATED_BASE = 58


def fnv32a(data: bytes) -> int:
    """The 32-bit FNV-1a hash (Go's hash/fnv New32a), as the controllers hash templates."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """Map each character onto the safe alphabet by code point, like `rand.SafeEncodeString`."""
    return "".join(SAFE_ALPHABET[ord(char) % len(SAFE_ALPHABET)] for char in text)


def template_hash(template: Any) -> str:
    """A pod-template-hash: FNV-1a of the template, in decimal, safe-encoded.

    Upstream hashes Go's debug dump of the typed template, which we cannot reproduce; we hash
    canonical JSON of the template as pasted. The shape matches: one character per decimal
    digit of a 32-bit number (so usually 10, sometimes fewer), drawn from `4-9 b c d f`.
    """
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":"), default=str)
    return safe_encode(str(fnv32a(canonical.encode())))


def random_suffix(seed: str) -> str:
    """Five characters of the safe alphabet, derived from `seed` instead of drawn at random."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    chars = []
    for _ in range(GENERATED_SUFFIX_LENGTH):
        number, index = divmod(number, len(SAFE_ALPHABET))
        chars.append(SAFE_ALPHABET[index])
    return "".join(chars)


def object_uid(namespace: str, name: str, kind: str = "Pod", occurrence: int = 0) -> str:
    """A uuid-shaped UID derived from the object's identity (real ones are random)."""
    seed = f"{kind}:{namespace}/{name}" + (f"#{occurrence}" if occurrence else "")
    digest = hashlib.sha256(seed.encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))
