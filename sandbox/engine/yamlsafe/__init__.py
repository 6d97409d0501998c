"""yamlsafe: FRONT_DOC"""

from __future__ import annotations

from .compose import MAX_PROBLEMS
from .load import MAX_BYTES, load_yaml_mapping, safe_load_documents
from .tree import Document, Mapping, Node, Scalar, Sequence, describe

__all__ = [
    "Document",
    "MAX_BYTES",
    "MAX_PROBLEMS",
    "Mapping",
    "Node",
    "Scalar",
    "Sequence",
    "describe",
    "load_yaml_mapping",
    "safe_load_documents",
]
