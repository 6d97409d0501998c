"""The build's record: a `BuildStep` per instruction, the `Build` they add up to, and the recorder.

Every instruction ends as one step, a layer or a config change, each with its cache key chained
to the step below it, so a changed input changes every later key as a build cache does. The
recorder also collects every problem with its line and column, to raise them as one
`ManifestError` at the end instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..problems import ManifestError, Problem
from ..world import Image, Layer, content_digest
from .context import BuildFile, MatchBudget
from .parse import Instruction
from .stage import ImageConfig, Stage
from .values import ValueProblem, expand

BaseResolver = Callable[[str], Image | None]
_LABEL_TEXT = 60  # characters of the instruction kept in a layer's label


@dataclass(frozen=True)
class BuildStep:
    """One instruction of the build: the layer it made, or the config it changed."""

    line: int
    instruction: str  # the keyword: RUN, COPY, ENV, …
    text: str  # as a build log prints it
    stage: int  # 0-based stage (FROM) index
    makes_layer: bool
    cache_key: str  # sha256: of the parent key, the instruction and its inputs
    layer: Layer | None = None
    config: str | None = None  # the config change, e.g. `Env FLASK_ENV=production`
    inputs: tuple[str, ...] = ()  # context files as `path@version`, or a stage or URL


@dataclass(frozen=True)
class Build:
    """The built image (the last stage) and every step of every stage."""

    image: Image
    steps: tuple[BuildStep, ...]
    config: ImageConfig
    base: str | None  # the last stage's base image reference; None for scratch
    base_layers: int  # how many of image.layers come from the base

    @property
    def layer_steps(self) -> tuple[BuildStep, ...]:
        """The steps of the final stage that made a layer, bottom to top."""
        last = self.steps[-1].stage if self.steps else 0
        return tuple(s for s in self.steps if s.stage == last and s.makes_layer)


class StepRecorder:
    """The builder's state (context, resolver, stages, global ARGs) and what it records."""

    def __init__(self, context: dict[str, BuildFile], base: BaseResolver,
                 architecture: str) -> None:
        self.context = context
        self.base = base
        self.architecture = architecture
        self.platform_args = {
            "TARGETPLATFORM": f"linux/{architecture}", "TARGETOS": "linux",
            "TARGETARCH": architecture, "BUILDPLATFORM": f"linux/{architecture}",
            "BUILDOS": "linux", "BUILDARCH": architecture,
        }
        self.global_args: dict[str, str] = {}
        self.budget = MatchBudget()
        self.stages: list[Stage] = []
        self.steps: list[BuildStep] = []
        self.problems: list[Problem] = []

    def result(self, instructions: tuple[Instruction, ...], build_id: str) -> Build:
        if not self.problems and self.stages:
            final = self.stages[-1]
            if not final.base_layers and not final.layers:
                last = instructions[-1]
                self.error(last, "the image has no layers",
                           "FROM scratch needs at least one COPY, ADD or RUN")
        if self.problems or not self.stages:
            raise ManifestError(sorted(self.problems, key=lambda p: (p.line or 0,
                                                                     p.column or 0)))
        final = self.stages[-1]
        image = Image(build_id, final.base_layers + tuple(final.layers),
                      architecture=self.architecture)
        return Build(image, tuple(self.steps), final.config(), final.base,
                     len(final.base_layers))

    def error(self, ins: Instruction, message: str, hint: str | None = None,
              column: int | None = None) -> None:
        self.problems.append(Problem(message, ins.line, column or ins.column, hint=hint))

    def expand(self, stage: Stage | None, ins: Instruction, text: str) -> str:
        variables = stage.variables() if stage is not None else self.global_args
        try:
            return expand(text, variables)
        except ValueProblem as problem:
            self.error(ins, str(problem))
            return text

    def _layer(self, stage: Stage, ins: Instruction, inputs: tuple[str, ...],
               state: dict[str, object], size: int) -> None:
        key = content_digest("build-cache", {"parent": stage.chain, "instruction": ins.text,
                                             "inputs": list(inputs), "state": state})
        text = ins.text if len(ins.text) <= _LABEL_TEXT else ins.text[:_LABEL_TEXT - 1] + "…"
        layer = Layer(f"{text} ({key[7:19]})",
                      ins.size_hint if ins.size_hint is not None else size)
        stage.chain = key
        stage.layers.append(layer)
        self.steps.append(BuildStep(ins.line, ins.keyword, ins.text, stage.index, True, key,
                                    layer=layer, inputs=inputs))

    def _config(self, stage: Stage, ins: Instruction, change: str) -> None:
        if ins.size_hint is not None:
            self.error(ins, f"{ins.keyword} makes no layer, so a size hint does not apply",
                       "put `# size:` above RUN, COPY or ADD")
        key = content_digest("build-cache", {"parent": stage.chain, "instruction": ins.text})
        self.steps.append(BuildStep(ins.line, ins.keyword, ins.text, stage.index, False, key,
                                    config=change))
