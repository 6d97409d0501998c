"""`manage.py kubectl --cluster FILE ARGS…`: the sandbox's console, from a terminal.

Each call runs one command against the learner's cluster kept in FILE (made from the scenario
on first use, see `sandbox.management.cluster_file`) and prints what kubectl would print: the
command's stdout and stderr as they are, and its exit code. Usage errors of this management
command itself (a damaged FILE, another scenario) are reported as `CommandError`s, exit 1.
Nothing is added to what kubectl prints: `--help` names the Kubernetes and containerd versions
modelled, and `get nodes -o wide` shows them as a real cluster does.
"""

from __future__ import annotations

import shlex
from argparse import REMAINDER, ArgumentParser, RawDescriptionHelpFormatter
from pathlib import Path
from typing import IO, Any

from django.core.management.base import (
    BaseCommand,
    CommandParser,
    DjangoHelpFormatter,
    OutputWrapper,
)

from sandbox.engine.console import CommandResult, run_command
from sandbox.engine.runtime import DEFAULT_PROFILE, PROFILES, modelled_versions
from sandbox.management import STDIN, BadInput, fail, read_input
from sandbox.management.cluster_file import ClusterFile, open_cluster

# Lines the console runs as they are; any other ARGS are kubectl's.
OTHER_TOOLS = ("ssh", "crictl", "crane", "sleep")
FILE_FLAGS = ("-f", "--filename")
# The console hides these flags' values from the history it keeps (`commands.redact`).
PASSWORD_FLAGS = ("--docker-password", "--password")

EPILOG = """\
ARGS are kubectl's words, e.g. `get pods -o wide`: from the first of them on, every word is
kubectl's, flags included. A `--` may come before them (it must when they start with a flag).
ARGS starting with ssh, crictl, crane or sleep run that tool instead:
`-- ssh node-b crictl images`, `crane digest nginx:1.25`, `sleep 60`.

`-f FILE` reads that file, and `-f -` standard input, as kubectl does.

FILE is made from the scenario on the first call and keeps the cluster, and a random key for
the fingerprints of the registry passwords it was given (the passwords themselves are never
written), between calls. It is written readable by you only: treat it like a docker config.
"""


def versions_epilog() -> str:
    """The help's paragraph on the versions modelled, from the runtime profiles."""
    others = [f"  {name}: {modelled_versions(profile)}"
              + ("" if profile.verified else " (partly unverified)")
              for name, profile in PROFILES.items() if profile is not DEFAULT_PROFILE]
    return (f"\nThe cluster is modelled on {modelled_versions(DEFAULT_PROFILE)} (runtime "
            f"profile {DEFAULT_PROFILE.name})\nunless the scenario's `profile` picks another:\n"
            + ";\n".join(others) + ".\n"
            "The output is kubectl's alone, with no banner: `get nodes` shows the versions as "
            "VERSION\nand, with `-o wide`, CONTAINER-RUNTIME. docs/versions.md says which "
            "wording is whose.\n")


def _identity(text: str) -> str:
    return text


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order, with the epilog's lines kept as written."""


class Command(BaseCommand):
    help = ("Run one kubectl (or crictl, crane, sleep) command against the simulated\n"
            "cluster kept in FILE, and print what it would print.")
    # The engine reads no settings and no database: nothing for the system checks to guard.
    requires_system_checks: list[str] = []
    # call_command("kubectl", …, "apply", "-f", "-", stdin=io.StringIO(...)) in tests.
    stealth_options = ("stdin",)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        return super().create_parser(prog_name, subcommand, epilog=EPILOG + versions_epilog(),
                                     formatter_class=_HelpFormatter, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--cluster", metavar="FILE", required=True,
                            help="the JSON file that keeps the cluster between calls (made on "
                                 "first use)")
        parser.add_argument("--scenario", metavar="SCENARIO",
                            help="a scenario YAML file, or the name of one of the course's "
                                 "(e.g. private-registry), to make the cluster from; later "
                                 "calls may leave it out (default: two empty nodes and Docker "
                                 "Hub)")
        parser.add_argument("--reset", action="store_true",
                            help="start again from the scenario (FILE's, or --scenario's)")
        parser.add_argument("args", nargs=REMAINDER, metavar="ARGS",
                            help="the kubectl command, e.g. get pods -o wide")

    def handle(self, *args: str, **options: Any) -> None:
        words = list(args[1:] if args[:1] == ("--",) else args)
        if not words and not options["reset"]:
            fail(self.stderr, [], "give a kubectl command after the options, e.g. `get pods`")
        try:
            line, files = command_line(words, options.get("stdin"))
            cluster = open_cluster(Path(options["cluster"]), options["scenario"],
                                   reset=options["reset"])
        except BadInput as error:
            fail(self.stderr, error.lines, "nothing was run")
        result = CommandResult("")
        if words:
            result = self.run_line(cluster, line, files)
        if cluster.created or result.changed:
            try:
                cluster.save()
            except OSError as error:
                fail(self.stderr, [f"{cluster.path}: cannot write: {error.strerror or error}"],
                     "the command's result was not kept")
        # kubectl prints the API server's warnings as they arrive, before the result, and an
        # error last.
        streams = [(self.stdout, result.output), (self.stderr, result.error)]
        for stream, text in streams if result.exit_code else streams[::-1]:
            _write(stream, text)
        if result.exit_code:
            raise SystemExit(result.exit_code)

    def run_line(self, cluster: ClusterFile, line: str, files: dict[str, str]) -> CommandResult:
        """Run the line against the file's cluster, keeping the new state on it."""
        try:
            cluster.state, result = run_command(cluster.state, line, files=files,
                                                key=cluster.key)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            # from_json checks the state's shape, not every record in it: a hand-edited file
            # can still hold something the engine never wrote.
            fail(self.stderr, [f"{cluster.path}: the stored cluster cannot be run against "
                               f"({type(error).__name__}: {error}); was it edited? add --reset "
                               "to start again from the scenario"], "nothing was run")
        return result


def command_line(words: list[str], stdin: IO[Any] | None = None) -> tuple[str, dict[str, str]]:
    """The console line for ARGS, and the files its `-f` flags name, read from disk.

    Words are quoted for the console's shell reader; a password flag is written `--flag=VALUE`
    so that the console can hide the value in the history it keeps.
    """
    if not words:
        return "", {}
    if words[0] in OTHER_TOOLS:
        return shlex.join(words), {}
    if words[0] == "kubectl":
        words = words[1:]
    parts = ["kubectl"]
    files: dict[str, str] = {}
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        name, eq, value = word.partition("=")
        if name in PASSWORD_FLAGS and (eq or index < len(words)):
            if not eq:
                value, index = words[index], index + 1
            if any(c.isspace() for c in value):
                # The console hides a value up to the next space; the rest would be kept.
                raise BadInput([f"{name}: a password with whitespace in it cannot be kept out "
                                "of the cluster's history; choose one without"])
            parts.append(f"{name}={shlex.quote(value)}")
            continue
        parts.append(shlex.quote(word))
        path = _file_flag(word, words[index] if index < len(words) else None)
        if path is not None and path not in files:
            files[path] = _read_file(path, stdin)
    return " ".join(parts), files


def _file_flag(word: str, following: str | None) -> str | None:
    """The file a `-f` word names: `-f F`, `-fF`, `-f=F`, `--filename F`, `--filename=F`."""
    if word in FILE_FLAGS:
        return following
    if word.startswith("--filename="):
        return word.partition("=")[2]
    if word.startswith("-f") and len(word) > 2:
        return word[3:] if word[2] == "=" else word[2:]
    return None


def _read_file(path: str, stdin: IO[Any] | None) -> str:
    _, data = read_input(path, stdin if path == STDIN else None)
    # Bytes that are not UTF-8 become lone surrogates, which the console's YAML reader reports
    # at their line and column.
    return data.decode("utf-8", "surrogateescape")


def _write(stream: OutputWrapper, text: str) -> None:
    """The text as the console gave it (kubectl colours nothing), ending its last line."""
    if text:
        stream.write(text if text.endswith("\n") else text + "\n", style_func=_identity,
                     ending="")
    stream.flush()
