"""`build_image`: a small Dockerfile and the versions of its files in, a layer stack out.

The model is BuildKit's (the default builder since Docker 23):

* FROM's image gives the first layers. RUN, COPY and ADD each make a layer. WORKDIR makes one
  only when it creates its directory (BuildKit runs a mkdir and keeps the layer only if it
  changed the filesystem); a directory counts as existing when the base image is not `scratch`
  and it is a standard one (`/usr/src`, `/opt`, `/tmp`, …), or an earlier WORKDIR, COPY
  destination or `mkdir` of the stage made it. ENV, ARG, USER, EXPOSE, CMD, ENTRYPOINT, LABEL
  (and VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ONBUILD, MAINTAINER) change only the config.
* Each layer's cache key is a digest of the key below it (the chain down to the base image's
  manifest digest), the instruction text and its inputs: for COPY and ADD the path and version
  of every file taken, for RUN the ENV and ARG values, USER and WORKDIR it runs with. A changed
  input therefore changes that layer's key and every later one, as a build cache does. The
  layer's content label, and so its digest, carries the key: a rebuilt layer is a new blob.
  (A real COPY of unchanged files can reproduce the same blob; the sandbox treats every
  rebuilt layer as new, which is what RUN layers do.) LABEL, EXPOSE, CMD and ENTRYPOINT do not
  feed later keys, as in BuildKit.
* Sizes are plausible, not exact (`dockerfile_sizes`), or given with `# size: 12MB`.

Every problem is collected with its line and column, then raised as one `ManifestError`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..objects import ManifestError, Problem
from ..reference import InvalidReference, parse_reference
from ..world import Image, Layer, content_digest
from .context import BuildFile, ContextError, MatchBudget, context_files, copy_inputs
from .parse import MAX_PROBLEMS, Instruction, read_instructions
from .sizes import COPY_FROM_STAGE, WORKDIR_LAYER, run_size, spread
from .stage import (
    ImageConfig,
    Stage,
    apply_arg,
    apply_command,
    apply_env,
    apply_expose,
    apply_label,
    apply_user,
    arg_declarations,
)
from .values import STANDARD_DIRS, ValueProblem, exec_or_shell, expand, mkdir_paths, stage_name

__all__ = ["Build", "BuildFile", "BuildStep", "ImageConfig", "build_image"]

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


def build_image(dockerfile: str, files: Mapping[str, str | BuildFile], *,
                base: BaseResolver, architecture: str = "amd64", build_id: str) -> Build:
    """Build `dockerfile` against `files`; raises ManifestError listing every problem.

    `base(reference)` gets a normalized reference with a tag or digest
    (`docker.io/library/python:3.12-slim`) and returns the image for the build's architecture,
    or None when it does not exist; it may raise ValueError with a message to show instead.
    """
    instructions, problems = read_instructions(dockerfile)
    try:
        context = context_files(files)
    except ContextError as error:
        raise ManifestError([Problem(f"build context: {error}", 1, 1)]) from None
    builder = _Builder(context, base, architecture)
    builder.problems.extend(problems)
    if instructions:
        builder.run(instructions)
    return builder.result(instructions, build_id)


class _Builder:
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

    # --- driving ---------------------------------------------------------------------------

    def run(self, instructions: tuple[Instruction, ...]) -> None:
        handlers: dict[str, Callable[[Stage, Instruction], None]] = {
            "RUN": self._run, "COPY": self._copy, "ADD": self._copy, "WORKDIR": self._workdir,
            "ENV": self._configure, "ARG": self._configure, "LABEL": self._configure,
            "USER": self._configure, "EXPOSE": self._configure, "CMD": self._command,
            "ENTRYPOINT": self._command,
        }
        for ins in instructions:
            if len(self.problems) >= MAX_PROBLEMS:
                break
            if ins.keyword == "FROM":
                self._from(ins)
            elif not self.stages and ins.keyword == "ARG":
                self._global_arg(ins)
            elif not self.stages:
                if not any((p.line or 0) < ins.line for p in self.problems):
                    # (a line above that could not be read may have been the FROM)
                    self.error(ins, "no build stage in current context",
                               "start with FROM <image>; only ARG may come before the first "
                               "FROM")
                self.stages.append(Stage(0, broken=True))  # check the rest, report this once
            else:
                handlers.get(ins.keyword, self._other)(self.stages[-1], ins)
        if not self.stages and not self.problems:
            first = instructions[0]
            self.error(first, "no build stage in current context",
                       "add FROM <image> after the ARG lines")

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

    # --- steps -----------------------------------------------------------------------------

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

    def _from(self, ins: Instruction) -> None:
        words = ins.args.split()
        stage = Stage(len(self.stages))
        self.stages.append(stage)
        if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
            self.error(ins, "FROM requires either one or three arguments",
                       "FROM <image> [AS <name>]")
            stage.broken = True
            return
        if len(words) == 3:
            stage.name = self._stage_name(ins, words[2])
        platform = ins.flag("platform")
        variables = {**self.platform_args, **self.global_args}
        try:
            if platform is not None and expand(platform, variables) != f"linux/{self.architecture}":
                self.error(ins, f"--platform={platform}: the sandbox builds only for "
                           f"linux/{self.architecture}", "drop --platform, or use $BUILDPLATFORM")
            reference = expand(words[0], variables)
        except ValueProblem as problem:
            self.error(ins, str(problem))
            stage.broken = True
            return
        self._base(stage, ins, reference)

    def _stage_name(self, ins: Instruction, name: str) -> str | None:
        problem = stage_name(name)
        if problem is not None:
            self.error(ins, problem)
            return None
        if any(s.name == name.lower() for s in self.stages):
            self.error(ins, f"duplicate name {name.lower()}", "each stage needs its own name")
            return None
        return name.lower()

    def _base(self, stage: Stage, ins: Instruction, reference: str) -> None:
        earlier = self._earlier_stage(reference, stage.index)
        if reference == "scratch":
            stage.chain = content_digest("build-cache", "scratch")
            self._config(stage, ins, "base image scratch (no layers)")
        elif earlier is not None:
            stage.inherit(earlier)
            self._config(stage, ins, f"base stage {reference} ({len(stage.base_layers)} layers)")
        else:
            image = self._resolve(ins, reference)
            if image is None:
                stage.broken = True
                return
            stage.base, stage.base_layers = _normalized(reference), image.layers
            stage.chain = image.manifest_digest
            stage.dirs = set(STANDARD_DIRS)
            self._config(stage, ins, f"base image {stage.base} ({len(image.layers)} layers)")

    def _earlier_stage(self, name: str, before: int) -> Stage | None:
        for stage in self.stages[:before]:
            if stage.name is not None and stage.name == name.lower():
                return stage
        return None

    def _resolve(self, ins: Instruction, reference: str) -> Image | None:
        """The image `reference` names, or None after recording why not."""
        try:
            normalized = _normalized(reference)
        except InvalidReference as error:
            self.error(ins, f"FROM {reference}: {error}", error.hint)
            return None
        try:
            image = self.base(normalized)
        except ValueError as error:
            self.error(ins, f"FROM {reference}: {error}")
            return None
        if image is None:
            self.error(ins, f"failed to resolve source metadata for {normalized}: not found",
                       "the image must exist in a registry of the scenario or in the Docker "
                       "Hub catalogue")
            return None
        if image.architecture != self.architecture:
            self.error(ins, f"{normalized} is a linux/{image.architecture} image; this build "
                       f"is for linux/{self.architecture}",
                       "build for the image's architecture, or use a multi-architecture base")
            return None
        return image

    def _run(self, stage: Stage, ins: Instruction) -> None:
        command = exec_or_shell(ins, self.problems)
        if command is None:
            return
        joined = " ".join(command[2:] if ins.exec_form is None else command)
        for path in mkdir_paths(joined):
            _add_dirs(stage, posixpath.join(stage.workdir, path))
        state: dict[str, object] = {"variables": sorted(stage.variables().items()),
                                    "user": stage.user, "workdir": stage.workdir}
        if not stage.broken:
            self._layer(stage, ins, (), state, run_size(joined))

    def _copy(self, stage: Stage, ins: Instruction) -> None:
        words = list(ins.exec_form) if ins.exec_form is not None else ins.args.split()
        if len(words) < 2:
            self.error(ins, f"{ins.keyword} requires at least two arguments, but only "
                       f"{'one was' if words else 'none were'} provided. Destination could "
                       "not be determined.", f"{ins.keyword} <source>… <destination>")
            return
        words = [self.expand(stage, ins, word) for word in words]
        sources, destination = words[:-1], words[-1]
        if len(sources) > 1 and not destination.endswith("/"):
            self.error(ins, f"When using {ins.keyword} with more than one source file, the "
                       "destination must be a directory and end with a /")
            return
        origin = ins.flag("from")
        if origin is not None:
            found = self._from_stage_inputs(stage, ins, origin, sources)
        else:
            found = self._context_inputs(ins, sources)
        if found is None:
            return
        inputs, size = found
        target = posixpath.join(stage.workdir, destination)
        directory = destination.endswith(("/", "/.")) or destination == "." or len(words) > 2
        _add_dirs(stage, posixpath.normpath(target) if directory else posixpath.dirname(target))
        if not stage.broken:
            self._layer(stage, ins, inputs, {"workdir": stage.workdir}, size)

    def _context_inputs(self, ins: Instruction,
                        sources: list[str]) -> tuple[tuple[str, ...], int] | None:
        try:
            return copy_inputs(ins.keyword, sources, self.context, self.budget)
        except ContextError as error:
            self.error(ins, str(error), error.hint)
            return None

    def _from_stage_inputs(self, stage: Stage, ins: Instruction, origin: str,
                           sources: list[str]) -> tuple[tuple[str, ...], int] | None:
        if ins.keyword == "ADD":
            self.error(ins, "unknown flag: --from", "ADD copies from the build context only")
            return None
        earlier = self._earlier_stage(origin, stage.index)
        if earlier is None and origin.isdigit():
            index = int(origin)
            earlier = self.stages[index] if index < stage.index else None
            if earlier is None:
                self.error(ins, f"--from={origin}: there is no earlier stage {origin}",
                           "stages are numbered from 0, and only earlier ones can be used")
                return None
        if earlier is not None:
            key = earlier.chain
        else:
            image = self._resolve(ins, origin)
            if image is None:
                return None
            key = image.manifest_digest
        size = sum(spread(COPY_FROM_STAGE, f"{origin} {source}") for source in sources)
        return (f"{origin}={key}", *sorted(sources)), size

    def _workdir(self, stage: Stage, ins: Instruction) -> None:
        path = self.expand(stage, ins, ins.args.strip())
        if not path:
            self.error(ins, "WORKDIR requires exactly one argument", "WORKDIR /app")
            return
        stage.workdir = posixpath.normpath(posixpath.join(stage.workdir, path))
        if stage.workdir in stage.dirs or stage.broken:
            self._config(stage, ins, f"WorkingDir {stage.workdir}")
            return
        _add_dirs(stage, stage.workdir)
        self._layer(stage, ins, (), {"workdir": stage.workdir}, WORKDIR_LAYER)

    def _configure(self, stage: Stage, ins: Instruction) -> None:
        """ENV, ARG, LABEL, USER, EXPOSE: record the config change, or why it is refused."""
        appliers: dict[str, Callable[[Stage, str], str]] = {
            "ENV": apply_env, "LABEL": apply_label, "USER": apply_user, "EXPOSE": apply_expose,
            "ARG": lambda st, args: apply_arg(st, args, {**self.platform_args,
                                                         **self.global_args}),
        }
        try:
            change = appliers[ins.keyword](stage, ins.args)
        except ValueProblem as problem:
            self.error(ins, str(problem), problem.hint)
            return
        self._config(stage, ins, change)

    def _global_arg(self, ins: Instruction) -> None:
        try:
            declared = arg_declarations(ins.args, self.global_args)
        except ValueProblem as problem:
            self.error(ins, str(problem), problem.hint)
            return
        for name, value in declared:
            if value is not None:
                self.global_args[name] = value

    def _command(self, stage: Stage, ins: Instruction) -> None:
        command = exec_or_shell(ins, self.problems)
        if command is not None:
            self._config(stage, ins, apply_command(stage, ins.keyword, command))

    def _other(self, stage: Stage, ins: Instruction) -> None:
        self._config(stage, ins, f"{ins.keyword.capitalize()} {ins.args}".strip())


def _normalized(reference: str) -> str:
    ref = parse_reference(reference)
    return str(ref) if ref.tag or ref.digest else f"{ref}:latest"


def _add_dirs(stage: Stage, path: str) -> None:
    path = posixpath.normpath(path)
    while path not in stage.dirs:
        stage.dirs.add(path)
        path = posixpath.dirname(path)
