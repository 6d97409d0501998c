"""The YAML reader for hostile pastes: a composer with every node's line and column, plain
scalars resolved as YAML 1.2's core schema, and limits on size, depth and aliases.

`compose` builds the tree (`tree`), `resolve` types plain scalars, `load` is the entry point;
`flowquote` and `flowmap` let the C parser read flow collections with colons in their values.
"""

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
