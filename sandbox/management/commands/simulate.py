"""`manage.py simulate MANIFEST`: run a manifest through the simulated cluster from a terminal.

Prints a line naming the Kubernetes and containerd versions modelled, what `kubectl get pods -o
wide` and `kubectl describe pods` would show at the end of the run, then the best-practice hints;
or the whole trace as JSON (its `profile` names the versions), or the decision-flow diagram as
Mermaid text.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from sandbox.engine import Evaluation, ManifestError, Manifests, Trace, evaluate, load_paste
from sandbox.engine.render import describe_pods, get_pods
from sandbox.engine.runtime import modelled_versions, profile_for
from sandbox.engine.scenario import MAX_HORIZON
from sandbox.management import (
    STDIN,
    BadInput,
    fail,
    problem_line,
    problem_lines,
    read_duration,
    read_input,
    read_scenario,
)

FORMATS = ("text", "json", "mermaid")


class Command(BaseCommand):
    help = ("Run a manifest (a file, or - for standard input) through the simulated cluster "
            "and print what kubectl would show, after a line naming the Kubernetes and "
            "containerd versions modelled (the scenario's runtime profile, docs/versions.md).")
    # The engine reads no settings and no database: nothing for the system checks to guard.
    requires_system_checks: list[str] = []
    # call_command("simulate", "-", stdin=io.StringIO(...)) feeds standard input in tests.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("manifest", metavar="MANIFEST",
                            help="a YAML file with Kubernetes objects, or - to read stdin")
        parser.add_argument("--scenario", metavar="FILE",
                            help="the scenario YAML (default: two empty nodes and Docker Hub)")
        parser.add_argument("--format", choices=FORMATS, default="text",
                            help="text (kubectl output and hints), json (the trace) or mermaid "
                                 "(the pull decision flowchart)")
        parser.add_argument("--horizon", metavar="DURATION",
                            help="how much simulated time to run, e.g. 5m (default: the "
                                 "scenario's)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["manifest"]
        if path == STDIN and options["scenario"] == STDIN:
            fail(self.stderr, [], "only one of MANIFEST and --scenario can read stdin (-)")
        lines: list[str] = []
        horizon = scenario = manifests = None
        try:
            horizon = read_duration("--horizon", options["horizon"])
            if horizon is not None and not 0 < horizon <= MAX_HORIZON:
                raise BadInput([f"--horizon: {options['horizon']!r}: a run must last more than "
                                "0s and at most 1h"])
        except BadInput as error:
            lines += error.lines
        try:
            scenario = read_scenario(options["scenario"], options.get("stdin"))
        except BadInput as error:
            lines += error.lines
        label = path
        try:
            label, data = read_input(path, options.get("stdin"))
            manifests = load_paste(data)
        except BadInput as error:
            lines += error.lines
        except ManifestError as error:
            lines += problem_lines(label, error)
        if lines or manifests is None:
            count = len(lines)
            fail(self.stderr, lines,
                 f"nothing was simulated: {count} problem{'s' if count != 1 else ''}")
        for warning in manifests.warnings:
            self.stderr.write(problem_line(label, warning))
        try:
            evaluation = evaluate(manifests, scenario, horizon=horizon)
        except ManifestError as error:
            fail(self.stderr, problem_lines(label, error), "the simulation refused the input")
        self.stdout.write(self.render(evaluation, options["format"]), ending="")

    def render(self, evaluation: Evaluation, fmt: str) -> str:
        if fmt == "json":
            return json.dumps(evaluation.trace.to_dict(), indent=2, sort_keys=False) + "\n"
        if fmt == "mermaid":
            return evaluation.diagrams["flow"]
        return render_text(evaluation.trace, evaluation.objects)


def render_text(trace: Trace, manifests: Manifests) -> str:
    """kubectl's view of the end of the run, then the hints, as a terminal shows them."""
    # Manifest warnings went to stderr with their positions; the rest (admission, workloads)
    # are printed the way kubectl prints server warnings.
    pasted = {str(w) for w in manifests.warnings}
    parts = [versions_line(trace), "\n"]
    parts += [f"Warning: {w}\n" for w in trace.warnings if w not in pasted]
    if len(parts) > 2:
        parts.append("\n")
    parts += ["$ kubectl get pods -o wide\n", get_pods(trace)]
    if trace.pods:
        parts += [f"\n$ {describe_command(trace)}\n", describe_pods(trace).rstrip("\n") + "\n"]
    if trace.hints:
        parts.append("\nHints:\n")
        for hint in trace.hints:
            where = " ".join(x for x in (hint.pod, hint.container and f"({hint.container})") if x)
            parts.append(f"- [{hint.id}] {where + ': ' if where else ''}{hint.message}\n")
            if hint.rule:
                parts.append(f"  rule: {hint.rule}\n")
    return "".join(parts)


def versions_line(trace: Trace) -> str:
    """The header: which Kubernetes and containerd the run modelled, and how sure we are."""
    profile = profile_for(trace.profile)
    caveat = "" if profile.verified else "; wording partly unverified, see docs/versions.md"
    return f"# Modelled: {modelled_versions(profile)} (runtime profile {profile.name}{caveat})\n"


def describe_command(trace: Trace) -> str:
    """The command whose output follows: kubectl 1.36+ leaves the Events out when it describes
    several objects unless asked (RuntimeProfile.describe_many_shows_events)."""
    if len(trace.pods) > 1 and not profile_for(trace.profile).describe_many_shows_events:
        return "kubectl describe pods --show-events"
    return "kubectl describe pods"
