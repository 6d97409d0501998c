"""A Dockerfile built into layers, with sizes and content digests, without running anything.

`parse` reads instructions, `values` expands ARG/ENV, `stage` tracks a build stage, `context`
the build context's files, `sizes` what each instruction adds; `steps`, `bases` and `build` are
the builder.
"""

from __future__ import annotations

from .build import build_image
from .context import BuildFile, ContextError, context_files
from .steps import BaseResolver, Build

__all__ = [
    "BaseResolver",
    "Build",
    "BuildFile",
    "ContextError",
    "build_image",
    "context_files",
]
