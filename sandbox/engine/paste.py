"""What a learner pastes: Kubernetes YAML, or `kubectl create secret docker-registry …` commands."""

from __future__ import annotations

from .kubectl import dry_run_yaml, is_command_paste, parse_commands
from .kubectl.dry_run import DRY_RUN_KINDS
from .manifests import load_manifests, validation_directive
from .objects import Manifests


def load_paste(text: str | bytes, *, validate: str | bool = "strict") -> Manifests:
    """The objects of a paste; kubectl commands become the objects kubectl would create.

    `validate` is kubectl's `--validate` for pasted YAML (strict, warn, ignore, true, false), as
    if the paste were given to `kubectl apply -f -`. Pasted commands (`run`, `create
    deployment`, `create secret`, `create serviceaccount`, `patch`) build objects without unknown
    fields; their own `--validate=` value is checked as kubectl checks it.
    """
    directive = validation_directive(validate)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            # which reports where the bytes are not UTF-8
            return load_manifests(text, validate=directive)
    if isinstance(text, str):
        objects = parse_commands(text)
        if objects is not None:  # an empty Manifests is falsy, so compare with None
            return objects
    return load_manifests(text, validate=directive)


def created_objects(text: str, objects: Manifests) -> list[dict[str, str]]:
    """For a paste of commands: each object as `kubectl … --dry-run=client -o yaml` prints it,
    with secret values masked. Empty for a YAML paste (the learner already sees the YAML)."""
    if not isinstance(text, str) or not is_command_paste(text):
        return []
    return [{"kind": o.kind, "name": o.name, "namespace": o.effective_namespace,
             "yaml": dry_run_yaml(o)} for o in objects if o.kind in DRY_RUN_KINDS]
