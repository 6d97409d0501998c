"""Best-practice hints from the manifest and what the simulation showed.

Each hint names the rule a learner meets in the usual linters and admission policies
(kube-linter `latest-tag`, Polaris `tagNotSpecified`, Kyverno `disallow-latest-tag` and
`require-image-checksum`) and says what the simulated cluster did because of it.
"""

from __future__ import annotations

from .objects import KubeObject
from .reference import InvalidReference, parse_reference
from .trace import Hint, Trace
from .world import Scenario


def _pods_of(trace: Trace, image: str, container: str) -> list[str]:
    return [f"{p.namespace}/{p.name}" for p in trace.pods
            if any(c.name == container and c.image == image for c in p.containers)]


def _image_ids(trace: Trace, image: str, container: str) -> set[str]:
    return {c.image_id for p in trace.pods for c in p.containers
            if c.name == container and c.image == image and c.image_id}


def _present_everywhere(scenario: Scenario, image: str) -> list[str]:
    """Nodes that lack the image (by the reference as written, tag defaulted)."""
    try:
        ref = parse_reference(image)
    except InvalidReference:
        return []
    key = f"{ref.name}@{ref.digest}" if ref.digest else f"{ref.name}:{ref.tag or 'latest'}"
    lacking = []
    for node in scenario.nodes:
        refs = set()
        for held in node.images:
            try:
                held_ref = parse_reference(held.ref)
            except InvalidReference:
                continue
            refs.add(f"{held_ref.name}:{held_ref.tag or 'latest'}")
            refs.add(f"{held_ref.name}@{held.repo_digest}")
        if key not in refs:
            lacking.append(node.name)
    return lacking


def _container_hints(trace: Trace, scenario: Scenario, obj: KubeObject) -> list[Hint]:
    hints: list[Hint] = []
    assert obj.pod_spec is not None
    for c in obj.pod_spec.all_containers:
        try:
            ref = parse_reference(c.image)
        except InvalidReference:
            continue
        pods = _pods_of(trace, c.image, c.name)
        pod = pods[0] if pods else None
        ids = _image_ids(trace, c.image, c.name)
        if ref.digest is None and (ref.tag in (None, "latest")):
            hints.append(Hint(
                "latest-tag",
                f"{c.image!r} uses the tag latest (written or implied): which image runs depends "
                f"on when each node pulled, and imagePullPolicy defaults to Always, so every "
                f"start asks the registry.",
                pod, c.name, "kube-linter latest-tag / Polaris tagNotSpecified / "
                             "Kyverno disallow-latest-tag"))
        elif ref.digest is None:
            seen = (f" In this run the replicas ran {len(ids)} different image IDs."
                    if len(ids) > 1 else "")
            hints.append(Hint(
                "mutable-tag",
                f"{c.image!r} names a tag, and tags can move: pin a digest "
                f"(image@sha256:…) so every node runs the same image.{seen}",
                pod, c.name, "Kyverno require-image-checksum / Gatekeeper k8simagedigests"))
        policy = c.image_pull_policy
        if ref.digest is not None and policy == "Always":
            hints.append(Hint(
                "always-with-digest",
                f"{c.image!r} is pinned by digest, so its content cannot change; "
                f"imagePullPolicy Always still costs a registry round-trip at every start "
                f"(and fails when the registry is down). IfNotPresent is enough.",
                pod, c.name))
        if policy == "Never":
            lacking = _present_everywhere(scenario, c.image)
            if lacking:
                hints.append(Hint(
                    "never-without-image",
                    f"imagePullPolicy Never needs {c.image!r} preloaded on every node a pod can "
                    f"land on; {', '.join(lacking)} lack it, so a pod there fails with "
                    f"ErrImageNeverPull.", pod, c.name))
    return hints


def _wrong_architecture_hints(trace: Trace, scenario: Scenario) -> list[Hint]:
    """Containers whose image has nothing for their node's platform: a single-platform image
    that crashed at exec, or an index without a matching manifest (ErrImagePull)."""
    arch = {n.name: f"{n.os}/{n.architecture}" for n in scenario.nodes}
    found: dict[tuple[str, str], tuple[str, str]] = {}  # (pod, container) -> node, how
    for step in trace.steps:
        if step.outcome == "exec-format-error" and step.pod and step.container and step.node:
            found.setdefault((step.pod, step.container), (step.node, "crashes at exec "
                             "(exec format error, CrashLoopBackOff)"))
    for pull in trace.pulls:
        if pull.outcome == "failed" and "no match for platform" in (pull.error or ""):
            found.setdefault((pull.pod, pull.container), (pull.node, "cannot be pulled "
                             "(no match for platform, ErrImagePull)"))
    hints = []
    for (pod, container), (node, how) in found.items():
        hints.append(Hint(
            "wrong-architecture",
            f"The image of container {container} has no manifest for {node}'s platform "
            f"({arch.get(node, 'unknown')}), so it {how}. Publish a multi-arch index "
            f"(docker buildx build --platform linux/amd64,linux/arm64) or pin the pod to "
            f"matching nodes (nodeSelector kubernetes.io/arch).", pod, container))
    return hints


def compute_hints(trace: Trace, objects: list[KubeObject], scenario: Scenario) -> list[Hint]:
    """Hints for every pasted object with a pod template, in document order."""
    hints: list[Hint] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for obj in objects:
        if obj.pod_spec is None:
            continue
        for hint in _container_hints(trace, scenario, obj):
            key = (hint.id, hint.container, hint.message)
            if key not in seen:
                seen.add(key)
                hints.append(hint)
    return hints + _wrong_architecture_hints(trace, scenario)
