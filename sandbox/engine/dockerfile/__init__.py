"""dockerfile: FRONT_DOC"""

from __future__ import annotations

from .build import BaseResolver, Build, build_image
from .context import BuildFile, ContextError, context_files

__all__ = [
    "BaseResolver",
    "Build",
    "BuildFile",
    "ContextError",
    "build_image",
    "context_files",
]
