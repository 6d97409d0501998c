"""The question kinds: a cluster built from a seed, run, and the answer read off the trace."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ..evaluation import evaluate
from ..scenario import load_scenario
from ..trace import Trace

REPOS = ("shop", "cart", "billing", "reports", "search", "checkout")
HOST = "registry.example.com"


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Question:
    kind: str
    seed: int
    prompt: str  # plain text; `code` spans in backticks
    choices: tuple[Choice, ...]
    answer: str  # the id of the right choice, read off the simulated run
    explanation: str
    given: tuple[tuple[str, str], ...] = ()  # the values the seed chose, for tests and logs

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.seed}"

    def label(self, choice: str) -> str:
        return next((c.label for c in self.choices if c.id == choice), "")


def _pod(image: str, policy: str | None, secret: str | None = None) -> str:
    lines = ["apiVersion: v1", "kind: Pod", "metadata:", "  name: web", "spec:"]
    if secret:
        lines += ["  imagePullSecrets:", f"    - name: {secret}"]
    lines += ["  containers:", "    - name: web", f"      image: {image}"]
    if policy:
        lines.append(f"      imagePullPolicy: {policy}")
    return "\n".join(lines) + "\n"


def _layers(ids: list[str], sizes: list[int]) -> str:
    pairs = zip(ids, sizes, strict=True)
    return "[" + ", ".join(f"{{id: {i}, size: {s}MB}}" for i, s in pairs) + "]"


def _run(scenario: str, manifest: str) -> Trace:
    return evaluate(manifest, load_scenario(scenario)).trace


def _asked_registry(trace: Trace) -> bool:
    return any(p.container == "web" for p in trace.pulls)


def _waiting_reason(trace: Trace) -> str | None:
    pod = trace.pods[0]
    return pod.containers[0].reason if pod.containers else None


def _policy_words(policy: str | None, tag: str) -> tuple[str, str]:
    """The policy as written, and the one the API server stores (KUBERNETES.md §2)."""
    if policy:
        return f"`imagePullPolicy: {policy}`", policy
    effective = "Always" if tag == "latest" else "IfNotPresent"
    return f"no `imagePullPolicy` (so the API server sets `{effective}`)", effective


RULES = {
    "Always": "`Always`: the kubelet asks the registry what the reference points to every "
              "time a container starts, and uses the node's copy only when the digest matches.",
    "IfNotPresent": "`IfNotPresent`: the kubelet pulls only when no image with that reference is "
                    "on the node; a copy on the node is used as it is, however old.",
    "Never": "`Never`: the kubelet never asks the registry; the image must already be on the "
             "node, or the container waits in `ErrImageNeverPull`.",
}


def moved_tag(seed: int) -> Question:
    """The node caches repo:tag at build N; the registry has since moved the tag to N+1."""
    rng = random.Random(seed)
    repo, tag = rng.choice(REPOS), rng.choice(("stable", "v2", "prod", "latest"))
    old = rng.randint(2, 40)
    new = old + rng.randint(1, 3)
    policy = rng.choice(("Always", "IfNotPresent", "Never", None))
    pinned = rng.random() < 0.2
    scenario = f"""name: question
nodes:
  - name: node-1
    images:
      - {{ref: {HOST}/{repo}:{tag}, image: build-{old}}}
registries:
  - host: {HOST}
    repositories:
      {repo}:
        images:
          build-{old}: {{layers: {_layers(["base-os", f"{repo}-{old}"], [30, 2])}}}
          build-{new}: {{layers: {_layers(["base-os", f"{repo}-{new}"], [30, 2])}}}
        tags: {{{tag}: build-{new}}}
"""
    world = load_scenario(scenario)
    reference = f"{HOST}/{repo}:{tag}"
    if pinned:
        image = world.registries[0].repositories[repo].images[f"build-{old}"].manifest_digest
        reference = f"{HOST}/{repo}@{image}"
    written, effective = _policy_words(policy, "" if pinned else tag)
    trace = _run(scenario, _pod(reference, policy))
    reason = _waiting_reason(trace)
    if trace.pods[0].phase != "Running":
        answer = "none"
    else:
        pulled = [p for p in trace.pulls if p.outcome == "pulled" and p.bytes > 0]
        answer = "new" if pulled else "old"
    how = f"pinned by digest to build {old} (`@sha256:…`)" if pinned else f"`{tag}`"
    prompt = (f"`node-1` holds `{repo}:{tag}` as build {old}. Since then the team pushed build "
              f"{new} under the same tag. A pod asks for `{repo}` {how} with {written}. "
              "Which build does its container run?")
    explanation = RULES[effective]
    if pinned:
        explanation += " A digest names one build for good: moving the tag changes nothing."
    if answer == "none":
        explanation += f" Here the container waits in `{reason}`."
    return Question("moved-tag", seed, prompt, (
        Choice("old", f"Build {old}, the copy on the node"),
        Choice("new", f"Build {new}, from the registry"),
        Choice("none", "Neither: the container does not start"),
    ), answer, explanation, (("policy", effective), ("pinned", str(pinned)), ("tag", tag)))


def pull_or_not(seed: int) -> Question:
    """Policy × tag × present on the node: does the kubelet go to the registry?"""
    rng = random.Random(seed)
    repo, tag = rng.choice(REPOS), rng.choice(("1.4", "latest", "2.0.1"))
    present = rng.random() < 0.6
    policy = rng.choice(("Always", "IfNotPresent", "Never", None))
    cached = f"\n    images:\n      - {{ref: {HOST}/{repo}:{tag}, image: b1}}" if present else ""
    scenario = f"""name: question
nodes:
  - name: node-1{cached}
registries:
  - host: {HOST}
    repositories:
      {repo}:
        images:
          b1: {{layers: {_layers(["base-os", f"{repo}-app"], [25, 3])}}}
        tags: {{"{tag}": b1}}
"""
    written, effective = _policy_words(policy, tag)
    trace = _run(scenario, _pod(f"{HOST}/{repo}:{tag}", policy))
    if _waiting_reason(trace) == "ErrImageNeverPull":
        answer = "refuse"
    else:
        answer = "registry" if _asked_registry(trace) else "node"
    where = "already holds" if present else "does not hold"
    prompt = (f"`node-1` {where} `{repo}:{tag}`. A pod asks for it with {written}. "
              "What does the kubelet do?")
    explanation = RULES[effective]
    if answer == "registry" and present:
        explanation += (" It asks even though the image is there; when the digest is "
                        "unchanged nothing is downloaded, but the registry must answer.")
    return Question("pull-or-not", seed, prompt, (
        Choice("registry", "Asks the registry (a `Pulling` event)"),
        Choice("node", "Uses the copy on the node without asking"),
        Choice("refuse", "Refuses to start it: `ErrImageNeverPull`"),
    ), answer, explanation, (("policy", effective), ("present", str(present))))


def shared_layers(seed: int) -> Question:
    """A new build shares its first layers with one the node has: how many are downloaded?"""
    rng = random.Random(seed)
    repo = rng.choice(REPOS)
    total = rng.randint(3, 5)
    shared = rng.randint(0, total - 1)
    names = ["base-os", "runtime", "deps", "assets", "app"][:total]
    sizes = [rng.choice((20, 40, 60)), 15, 10, 4, 1][:total]
    old_ids = [f"{n}-1" for n in names]
    new_ids = old_ids[:shared] + [f"{n}-2" for n in names[shared:]]
    scenario = f"""name: question
nodes:
  - name: node-1
    images:
      - {{ref: {HOST}/{repo}:v1, image: v1}}
registries:
  - host: {HOST}
    repositories:
      {repo}:
        images:
          v1: {{layers: {_layers(old_ids, sizes)}}}
          v2: {{layers: {_layers(new_ids, sizes)}}}
        tags: {{v1: v1, v2: v2}}
"""
    trace = _run(scenario, _pod(f"{HOST}/{repo}:v2", "IfNotPresent"))
    pull = next(p for p in trace.pulls if p.outcome == "pulled")
    downloaded = sum(1 for layer in pull.layers if layer.state == "downloaded")
    same = ", ".join(f"`{n}`" for n in names[:shared]) or "none"
    prompt = (f"`node-1` holds `{repo}:v1`, {total} layers. `{repo}:v2` was built from the same "
              f"Dockerfile; its first {shared} layers are byte-for-byte the same ({same}), the "
              f"rest changed. A pod asks for `{repo}:v2`. How many layers does the node "
              "download?")
    explanation = ("Layers are stored by digest, and an identical layer has the same digest in "
                   "both builds: the node has it already (`Already exists`). Every layer after "
                   "the first change is new, because each layer is built on the one before.")
    return Question("shared-layers", seed, prompt, tuple(
        Choice(str(n), str(n)) for n in range(total + 1)), str(downloaded), explanation,
        (("total", str(total)), ("shared", str(shared))))


def pull_secret(seed: int) -> Question:
    """A private registry, and a secret that is right, misnamed, for another host, or wrong."""
    rng = random.Random(seed)
    repo = rng.choice(REPOS)
    case = rng.choice(("right", "misnamed", "other-host", "wrong-password", "none"))
    host = "index.docker.io/v1/" if case == "other-host" else HOST
    password = "not-the-password" if case == "wrong-password" else "s3cret-pass"
    secret = {"misnamed": "regcreds", "none": None}.get(case, "regcred")
    scenario = f"""name: question
nodes:
  - name: node-1
registries:
  - host: {HOST}
    private: true
    accounts:
      - {{username: deploy, password: s3cret-pass}}
    repositories:
      {repo}:
        images:
          b1: {{layers: {_layers(["base-os", f"{repo}-app"], [25, 3])}}}
        tags: {{"1.0": b1}}
objects:
  - apiVersion: v1
    kind: Secret
    metadata: {{name: regcred}}
    type: kubernetes.io/dockerconfigjson
    stringData:
      .dockerconfigjson: '{{"auths":{{"{host}":{{"username":"deploy","password":"{password}"}}}}}}'
"""
    trace = _run(scenario, _pod(f"{HOST}/{repo}:1.0", None, secret))
    phase = trace.pods[0].phase
    answer = "running" if phase == "Running" else "backoff"
    facts = {
        "right": f"holds the right login for `{HOST}`",
        "misnamed": f"is named `regcred`, but the pod lists `{secret}`",
        "other-host": "holds the right login, but for Docker Hub (`index.docker.io/v1/`)",
        "wrong-password": f"is for `{HOST}` with a wrong password",
        "none": "exists, but the pod lists no `imagePullSecrets`",
    }
    prompt = (f"`{HOST}` is private. The Secret `regcred` {facts[case]}. A pod asks for "
              f"`{HOST}/{repo}:1.0`. Where does the pod end up?")
    explanation = ("The kubelet offers the registry only the secrets the pod (or its "
                   "ServiceAccount) lists whose server matches the image's host; a missing "
                   "secret is a warning, not an error, so the pull goes ahead without it and "
                   "the registry refuses it.")
    return Question("pull-secret", seed, prompt, (
        Choice("running", "Running"),
        Choice("backoff", "`ErrImagePull`, then `ImagePullBackOff`"),
        Choice("pending", "Not created until the Secret matches"),
    ), answer, explanation, (("case", case),))


KINDS: dict[str, Callable[[int], Question]] = {
    "moved-tag": moved_tag,
    "pull-or-not": pull_or_not,
    "shared-layers": shared_layers,
    "pull-secret": pull_secret,
}


def question(kind: str, seed: int) -> Question:
    """The question of `kind` for `seed`; KeyError for an unknown kind."""
    return KINDS[kind](seed)
