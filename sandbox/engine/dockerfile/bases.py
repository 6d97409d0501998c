"""FROM, and the ARGs before it: where each build stage starts.

A stage starts from `scratch`, from an earlier stage (by name or number), or from an image the
resolver finds for the build's architecture; its chain of cache keys starts at that base. ARG
before the first FROM sets the global values FROM may use, as in BuildKit.
"""

from __future__ import annotations

from ..reference import InvalidReference, parse_reference
from ..world import Image, content_digest
from .parse import Instruction
from .stage import Stage, arg_declarations
from .steps import StepRecorder
from .values import STANDARD_DIRS, ValueProblem, expand, stage_name


class StageStarter(StepRecorder):
    """The builder's FROM: each stage's name, its base and the base's layers."""

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

    def _global_arg(self, ins: Instruction) -> None:
        try:
            declared = arg_declarations(ins.args, self.global_args)
        except ValueProblem as problem:
            self.error(ins, str(problem), problem.hint)
            return
        for name, value in declared:
            if value is not None:
                self.global_args[name] = value


def _normalized(reference: str) -> str:
    ref = parse_reference(reference)
    return str(ref) if ref.tag or ref.digest else f"{ref}:latest"
