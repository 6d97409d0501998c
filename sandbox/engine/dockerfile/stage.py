"""One build stage's state, and the instructions that change only its config.

ENV, ARG, LABEL, USER, EXPOSE, CMD and ENTRYPOINT make no layer: each function here updates the
stage and returns the config change in words (`Env FLASK_ENV=production`), or raises
`ValueProblem` with Docker's wording. ENV, ARG, USER (and WORKDIR) also feed the cache key of
later RUN steps, because RUN executes with them; LABEL, EXPOSE, CMD and ENTRYPOINT do not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..world import Layer
from .values import ValueProblem, expand, key_values, ports


@dataclass(frozen=True)
class ImageConfig:
    """The runtime config the final stage leaves (what `docker inspect` shows under Config)."""

    env: tuple[tuple[str, str], ...] = ()
    workdir: str = "/"
    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    cmd: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    labels: tuple[tuple[str, str], ...] = ()


@dataclass
class Stage:
    """What a stage has built so far; mutated step by step while `build_image` runs."""

    index: int
    name: str | None = None
    base: str | None = None  # normalized reference; None for scratch
    base_layers: tuple[Layer, ...] = ()
    layers: list[Layer] = field(default_factory=list)
    chain: str = ""  # cache key of the topmost layer (the base manifest digest at first)
    env: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=lambda: {"/"})
    workdir: str = "/"
    user: str = ""
    ports: list[str] = field(default_factory=list)
    cmd: tuple[str, ...] | None = None
    cmd_set: bool = False  # CMD written in this stage (a later ENTRYPOINT then keeps it)
    entrypoint: tuple[str, ...] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    broken: bool = False  # its FROM failed: later steps are checked but build nothing

    def variables(self) -> dict[str, str]:
        """What `$NAME` expands to: ENV wins over ARG, as in Docker."""
        return {**self.args, **self.env}

    def config(self) -> ImageConfig:
        return ImageConfig(tuple(self.env.items()), self.workdir, self.user, tuple(self.ports),
                           self.cmd, self.entrypoint, tuple(self.labels.items()))

    def inherit(self, earlier: Stage) -> None:
        """Start from an earlier stage (`FROM builder`): its layers, chain and config."""
        self.base, self.base_layers = earlier.base, earlier.base_layers + tuple(earlier.layers)
        self.chain, self.dirs = earlier.chain, set(earlier.dirs)
        self.env, self.labels = dict(earlier.env), dict(earlier.labels)
        self.workdir, self.user, self.ports = earlier.workdir, earlier.user, list(earlier.ports)
        self.cmd, self.entrypoint = earlier.cmd, earlier.entrypoint
        self.broken = earlier.broken


def _pairs(stage: Stage, keyword: str, args: str) -> list[tuple[str, str]]:
    variables = stage.variables()
    return [(key, expand(value, variables)) for key, value in key_values(keyword, args)]


def apply_env(stage: Stage, args: str) -> str:
    pairs = _pairs(stage, "ENV", args)  # every value expands with the values before this line
    stage.env.update(pairs)
    return "Env " + " ".join(f"{key}={value}" for key, value in pairs)


def apply_label(stage: Stage, args: str) -> str:
    pairs = _pairs(stage, "LABEL", args)
    stage.labels.update(pairs)
    return "Labels " + " ".join(f"{key}={value}" for key, value in pairs)


def apply_user(stage: Stage, args: str) -> str:
    words = args.split()
    if len(words) != 1:
        raise ValueProblem("USER requires exactly one argument", "USER app or USER 1000:1000")
    stage.user = expand(words[0], stage.variables())
    return f"User {stage.user}"


def apply_expose(stage: Stage, args: str) -> str:
    found = ports(expand(args, stage.variables()).split())
    stage.ports.extend(port for port in found if port not in stage.ports)
    return "ExposedPorts " + " ".join(found)


def apply_command(stage: Stage, keyword: str, command: tuple[str, ...]) -> str:
    if keyword == "CMD":
        stage.cmd, stage.cmd_set = command, True
        return f"Cmd {json.dumps(list(command))}"
    stage.entrypoint = command
    if not stage.cmd_set:
        stage.cmd = None  # ENTRYPOINT resets a CMD inherited from the base
    return f"Entrypoint {json.dumps(list(command))}"


def arg_declarations(args: str, variables: dict[str, str]) -> list[tuple[str, str | None]]:
    """`ARG NAME[=default] …` as (name, default or None)."""
    words = args.split()
    if not words:
        raise ValueProblem("ARG requires at least one argument", "ARG NAME[=default]")
    found: list[tuple[str, str | None]] = []
    for word in words:
        name, equals, value = word.partition("=")
        if not name:
            raise ValueProblem("ARG names can not be blank")
        found.append((name, expand(value, variables) if equals else None))
    return found


def apply_arg(stage: Stage, args: str, defaults: dict[str, str]) -> str:
    """Declare build arguments in a stage; without a default one takes the global value."""
    declared = arg_declarations(args, stage.variables())
    for name, value in declared:
        default = value if value is not None else defaults.get(name)
        if default is not None:
            stage.args[name] = default
    return "build argument " + ", ".join(name for name, _ in declared)
