"""`manage.py digest IMAGE`: the sandbox's `crane digest`, for pinning an image by digest.

Prints the digest the reference points to in the scenario's registries (at a simulated time,
after the timeline's pushes up to it), then the `name@sha256:…` form to paste into a manifest.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from sandbox.engine import default_scenario
from sandbox.engine.registry import DigestLookup, DigestLookupError, resolve_digest
from sandbox.engine.scenario import ARCHITECTURES
from sandbox.management import BadInput, fail, read_duration, read_scenario


class Command(BaseCommand):
    help = ("Print the digest an image reference points to in the scenario's registries, and "
            "the pinned reference to paste into a manifest.")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("image", metavar="IMAGE", help="an image reference, e.g. nginx:1.25")
        parser.add_argument("--scenario", metavar="FILE",
                            help="the scenario YAML whose registries answer (default: Docker "
                                 "Hub's built-in catalogue)")
        parser.add_argument("--at", metavar="DURATION", default=None,
                            help="the simulated time to ask at, e.g. 60s: timeline pushes up "
                                 "to then have happened (default: 0s, before any)")
        parser.add_argument("--arch", metavar="ARCH",
                            help="also print the manifest of this architecture when the tag "
                                 "points to an index (" + ", ".join(ARCHITECTURES) + ")")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scenario = read_scenario(options["scenario"]) or default_scenario()
            at = read_duration("--at", options["at"]) or 0.0
        except BadInput as error:
            count = len(error.lines)
            fail(self.stderr, error.lines,
                 f"nothing was looked up: {count} problem{'s' if count != 1 else ''}")
        try:
            lookup = resolve_digest(scenario, options["image"], at=at,
                                    architecture=options["arch"])
        except DigestLookupError as error:
            hint = f" ({error.hint})" if error.hint else ""
            fail(self.stderr, [f"{error}{hint}"], "the lookup failed")
        self.stdout.write(render(lookup), ending="")


def render(lookup: DigestLookup) -> str:
    """The digest alone on the first line (as `crane digest` prints it), then the details."""
    lines = [lookup.digest, f"pinned: {lookup.pinned}"]
    if lookup.media_type == "index":
        platforms = ", ".join(f"{p.os}/{p.architecture}" for p in lookup.platforms)
        lines.append(f"index of {len(lookup.platforms)} manifests ({platforms})")
    else:
        only = lookup.platforms[0] if lookup.platforms else None
        lines.append(f"single-platform manifest ({only.os}/{only.architecture})" if only
                     else "single-platform manifest")
    if lookup.platform_digest is not None:
        lines.append(f"linux/{lookup.architecture}: {lookup.platform_digest}")
    return "\n".join(lines) + "\n"
