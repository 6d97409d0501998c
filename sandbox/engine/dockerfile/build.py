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

The step record is kept by `steps.py`'s recorder and FROM is handled in `bases.py`; this module
drives the build and runs the other instructions.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping

from ..problems import ManifestError, Problem
from .bases import StageStarter
from .context import BuildFile, ContextError, context_files, copy_inputs
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
)
from .steps import BaseResolver, Build, BuildStep
from .values import ValueProblem, exec_or_shell, mkdir_paths

__all__ = ["Build", "BuildFile", "BuildStep", "ImageConfig", "build_image"]


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


class _Builder(StageStarter):
    """The whole build: drives the instructions, and runs those that FROM does not cover."""

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

    # --- steps -----------------------------------------------------------------------------

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

    def _command(self, stage: Stage, ins: Instruction) -> None:
        command = exec_or_shell(ins, self.problems)
        if command is not None:
            self._config(stage, ins, apply_command(stage, ins.keyword, command))

    def _other(self, stage: Stage, ins: Instruction) -> None:
        self._config(stage, ins, f"{ins.keyword.capitalize()} {ins.args}".strip())


def _add_dirs(stage: Stage, path: str) -> None:
    path = posixpath.normpath(path)
    while path not in stage.dirs:
        stage.dirs.add(path)
        path = posixpath.dirname(path)
