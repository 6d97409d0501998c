"""`load_scenario`: the YAML world an instructor writes, read into `world.Scenario`.

Scenarios are written by instructors, so the reader is strict: an unknown key, a wrong type or a
reference to something the scenario does not define is an error, and every error is collected
(with line, column and field path) before one `ManifestError` is raised. The format is
documented field by field in docs/scenarios.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..manifests import Report
from ..manifests import read_object as read_manifest_object
from ..objects import KubeObject
from ..problems import ManifestError, Problem, suggestion
from ..reference import InvalidReference, parse_reference
from ..runtime import DEFAULT_PROFILE, profile_for
from ..runtime import PROFILES as RUNTIME_PROFILES
from ..units import parse_duration
from ..world import VERIFICATION_POLICIES, KubeletConfig, Push, Registry, Scenario, TimelineEntry
from ..yamlsafe import Document, Mapping, load_yaml_mapping
from ..yamlsafe import Node as YamlNode
from . import catalogue
from .builds import read_builds
from .fields import FieldReader, child, or_default, where
from .learner_settings import FEATURE_GATES, in_force, read_learner_settings
from .nodes import read_nodes
from .providers import read_plugins
from .registries import find_repository, is_tag, read_registries

PROFILES = tuple(RUNTIME_PROFILES)  # RUNTIME.md §12, docs/versions.md
DEFAULT_HORIZON = 300.0
MAX_HORIZON = 3600.0

TOP_FIELDS = ("name", "description", "nodes", "registries", "builds", "timeline", "objects",
              "kubelet", "admission", "horizon", "profile", "credentialProviderPlugins",
              "learnerSettings")
KUBELET_FIELDS = ("serializeImagePulls", "maxParallelImagePulls", "imagePullBackOff",
                  "featureGates", "imagePullCredentialsVerificationPolicy",
                  "preloadedImagesVerificationAllowlist", "registryPullQPS", "registryBurst")


def default_scenario() -> Scenario:
    """Two empty amd64 nodes and Docker Hub: the world of `simulate(manifests)`."""
    return Scenario(registries=(catalogue.docker_hub(),))


# A scenario describes a classroom cluster: the shipped ones are 1–3 KB. These bounds keep a
# hostile or runaway one (10 000 layers, 10 000 node images) to a quick, short refusal.
MAX_SCENARIO_BYTES = 64 * 1024
MAX_SCENARIO_VALUES = 10_000
MAX_SCENARIO_PROBLEMS = 20
PASTE_HINT = "paste only the objects you want to run"
SIZE_HINT = "a scenario is a small classroom cluster: keep only what the lesson uses"


def load_scenario(text: str | bytes) -> Scenario:
    """Read a scenario file; raises ManifestError listing its problems with their positions
    (the first MAX_SCENARIO_PROBLEMS, then how many more)."""
    return read_scenario(parse_scenario(text), text)


def parse_scenario(text: str | bytes) -> Mapping:
    """A scenario file's YAML tree, its size bounded; raises ManifestError."""
    try:
        return load_yaml_mapping(text, what="scenario", max_bytes=MAX_SCENARIO_BYTES,
                                 max_nodes=MAX_SCENARIO_VALUES)
    except ManifestError as error:
        raise ManifestError([replace(p, hint=SIZE_HINT) if p.hint == PASTE_HINT else p
                             for p in error.problems]) from None


def read_scenario(root: Mapping, text: str | bytes) -> Scenario:
    """The scenario a parsed tree describes (`text` places Dockerfile problems)."""
    reader = FieldReader()
    source = text.decode("utf-8") if isinstance(text, bytes) else text
    scenario = _ScenarioReader(reader, source).read(root)
    if reader.problems or scenario is None:
        problems = sorted(reader.problems, key=lambda p: (p.line or 0, p.column or 0))
        if len(problems) > MAX_SCENARIO_PROBLEMS:
            more = len(problems) - MAX_SCENARIO_PROBLEMS
            problems = [*problems[:MAX_SCENARIO_PROBLEMS], Problem(
                f"… and {more} more problems", hint="fix these first")]
        raise ManifestError(problems or [Problem("invalid scenario")])
    return scenario


@dataclass
class _ScenarioReader:
    r: FieldReader
    source: str = ""  # the file's text, to place Dockerfile problems of `builds`

    def read(self, root: Mapping) -> Scenario | None:
        r = self.r
        top = r.fields(root, "", TOP_FIELDS)
        if top is None:
            return None
        profile = r.choice(top.get("profile"), "profile", PROFILES) or DEFAULT_PROFILE.name
        horizon = self._horizon(top.get("horizon"))
        built = read_builds(r, top.get("builds"), read_registries(r, top.get("registries")),
                            horizon, self.source)
        registries = list(built.registries)
        hosts = {registry.host: registry for registry in registries}
        kubelet = self._kubelet(top.get("kubelet"), profile)
        plugins = read_plugins(r, top.get("credentialProviderPlugins"))
        nodes = read_nodes(r, top.get("nodes"), hosts, plugins,
                           kubelet.service_account_token_for_credential_providers)
        timeline = tuple(sorted(built.timeline + self._timeline(top.get("timeline"), hosts,
                                                                 horizon),
                                key=lambda entry: entry.at))
        admission = r.fields(top.get("admission"), "admission", ("alwaysPullImages",))
        always_pull = False
        if admission is not None:
            always_pull = bool(r.boolean(admission.get("alwaysPullImages"),
                                         "admission.alwaysPullImages"))
        objects = _objects(r, top.get("objects"))
        settings = read_learner_settings(r, top.get("learnerSettings"), root)
        return Scenario(
            name=r.string(top.get("name"), "name") or Scenario.name,
            description=r.string(top.get("description"), "description", empty=True) or "",
            nodes=nodes,
            registries=tuple(registries),
            timeline=timeline,
            objects=objects,
            kubelet=kubelet,
            always_pull_images=always_pull,
            horizon=horizon,
            profile=profile,
            learner_settings=in_force(settings, kubelet, always_pull),
        )

    def _horizon(self, node: YamlNode | None) -> float:
        horizon = self.r.unit(node, "horizon", parse_duration)
        if horizon is None:
            return DEFAULT_HORIZON
        if not 0 < horizon <= MAX_HORIZON:
            self.r.error(node, "horizon", "horizon must be more than 0s and at most 1h")
            return DEFAULT_HORIZON
        return horizon

    # --- timeline ----------------------------------------------------------------------------

    def _timeline(self, node: YamlNode | None, hosts: dict[str, Registry],
                  horizon: float) -> tuple[TimelineEntry, ...]:
        entries: list[TimelineEntry] = []
        for index, item in enumerate(self.r.sequence(node, "timeline")):
            path = f"timeline[{index}]"
            m = self.r.fields(item, path, ("at", "push"), required=("at", "push"))
            if m is None:
                continue
            at = self.r.unit(m.get("at"), f"{path}.at", parse_duration)
            if at is not None and at > horizon:
                self.r.error(m.get("at"), f"{path}.at",
                             f"at {at:g}s is after the horizon ({horizon:g}s): it would "
                             "never happen", hint="move it earlier or raise `horizon`")
                at = None
            push = self._push(m.get("push"), f"{path}.push", hosts)
            if at is not None and push is not None:
                entries.append(TimelineEntry(at, push))
        return tuple(sorted(entries, key=lambda entry: entry.at))

    def _push(self, node: YamlNode | None, path: str,
              hosts: dict[str, Registry]) -> Push | None:
        r = self.r
        m = r.fields(node, path, ("repository", "tag", "image"),
                     required=("repository", "tag", "image"))
        if m is None:
            return None
        found = find_repository(r, m.get("repository"), f"{path}.repository", hosts)
        tag = r.string(m.get("tag"), f"{path}.tag")
        if tag is not None and not is_tag(tag):
            r.error(m.get("tag"), f"{path}.tag", f"{tag!r} is not a valid tag")
            tag = None
        image = r.string(m.get("image"), f"{path}.image")
        if found is None or tag is None or image is None:
            return None
        name, repository = found
        if image not in repository.images:
            r.error(m.get("image"), f"{path}.image",
                    f"repository {name} has no image {image!r}",
                    hint=suggestion(image, repository.images) or "define it under `images:`")
            return None
        return Push(name, tag, image)

    # --- kubelet -----------------------------------------------------------------------------

    def _kubelet(self, node: YamlNode | None, profile: str) -> KubeletConfig:
        r = self.r
        # The gate is on by default from 1.35 (KUBERNETES.md §12).
        gate_default = profile_for(profile).secret_pulled_images_gate
        # KubeletServiceAccountTokenForCredentialProviders: beta, on, from 1.34 (KEP-4412).
        tokens_default = profile != "classic"
        m = r.fields(node, "kubelet", KUBELET_FIELDS)
        if m is None:
            return replace(_kubelet_defaults(gate_default),
                           service_account_token_for_credential_providers=tokens_default)
        serialize = r.boolean(m.get("serializeImagePulls"), "kubelet.serializeImagePulls")
        maximum = r.integer(m.get("maxParallelImagePulls"), "kubelet.maxParallelImagePulls")
        gates = _feature_gates(r, m.get("featureGates"))
        gate = gates.get("KubeletEnsureSecretPulledImages", gate_default)
        initial, cap = _backoff(r, m.get("imagePullBackOff"))
        # KUBERNETES.md §10: validation and defaulting of parallel pulls.
        if maximum is not None and maximum < 1:
            r.error(m.get("maxParallelImagePulls"), "kubelet.maxParallelImagePulls",
                    f"invalid configuration: maxParallelImagePulls {maximum} must be a "
                    "positive number")
            maximum = None
        if serialize is None:
            serialize = maximum is None or maximum < 2
        elif serialize and maximum is not None and maximum > 1:
            r.error(m.get("maxParallelImagePulls"), "kubelet.maxParallelImagePulls",
                    "invalid configuration: maxParallelImagePulls cannot be larger than 1 "
                    "unless SerializeImagePulls (--serialize-image-pulls) is set to false")
        policy, allowlist = _verification(r, m, gate)
        qps = _non_negative(r, m.get("registryPullQPS"), "registryPullQPS", "--registry-qps", 5)
        burst = _non_negative(r, m.get("registryBurst"), "registryBurst", "--registry-burst", 10)
        return KubeletConfig(
            registry_pull_qps=qps,
            registry_burst=burst,
            serialize_image_pulls=serialize,
            max_parallel_image_pulls=maximum,
            backoff_initial=initial,
            backoff_max=cap,
            ensure_secret_pulled_images=gate,
            verification_policy=policy,
            preloaded_images_verification_allowlist=allowlist,
            service_account_token_for_credential_providers=gates.get(
                "KubeletServiceAccountTokenForCredentialProviders", tokens_default),
        )


# --- kubelet ----------------------------------------------------------------------------------


def _non_negative(r: FieldReader, node: YamlNode | None, name: str, flag: str,
                  default: int) -> int:
    """registryPullQPS / registryBurst: int32 fields the kubelet refuses when negative."""
    value = r.integer(node, f"kubelet.{name}")
    if value is None:
        return default
    if value < 0:
        r.error(node, f"kubelet.{name}", f"invalid configuration: {name} ({flag}) {value} must "
                                         "not be a negative number")
        return default
    return value


def _kubelet_defaults(gate: bool) -> KubeletConfig:
    # With the gate off the kubelet never verifies: say so rather than keep a dormant policy.
    policy = "NeverVerifyPreloadedImages" if gate else "NeverVerify"
    return KubeletConfig(ensure_secret_pulled_images=gate, verification_policy=policy)


def _feature_gates(r: FieldReader, node: YamlNode | None) -> dict[str, bool]:
    path = "kubelet.featureGates"
    mapping = r.mapping(node, path)
    gates: dict[str, bool] = {}
    for key_node, value in mapping.items() if mapping is not None else ():
        name = str(key_node.value)
        if name not in FEATURE_GATES:
            r.error(key_node, child(path, name), f"unrecognized feature gate: {name}",
                    hint=suggestion(name, FEATURE_GATES)
                    or "the simulator models only " + ", ".join(FEATURE_GATES))
            continue
        enabled = r.boolean(value, child(path, name))
        if enabled is not None:
            gates[name] = enabled
    return gates


def _backoff(r: FieldReader, node: YamlNode | None) -> tuple[float, float]:
    path = "kubelet.imagePullBackOff"
    defaults = KubeletConfig()
    m = r.fields(node, path, ("initial", "max"))
    if m is None:
        return defaults.backoff_initial, defaults.backoff_max
    initial = r.unit(m.get("initial"), f"{path}.initial", parse_duration)
    cap = r.unit(m.get("max"), f"{path}.max", parse_duration)
    if initial is not None and initial <= 0:
        r.error(m.get("initial"), f"{path}.initial", "the initial back-off must be more than 0s")
        initial = None
    initial = or_default(initial, defaults.backoff_initial)
    cap = or_default(cap, max(defaults.backoff_max, initial))
    if cap < initial:
        r.error(m.get("max"), f"{path}.max",
                f"the maximum back-off ({cap:g}s) is shorter than the initial one ({initial:g}s)")
        cap = initial
    return initial, cap


def _verification(r: FieldReader, m: Mapping, gate: bool) -> tuple[str, tuple[str, ...]]:
    """The credential verification policy and allowlist, validated as KUBERNETES.md §12 says."""
    policy_node = m.get("imagePullCredentialsVerificationPolicy")
    list_node = m.get("preloadedImagesVerificationAllowlist")
    policy_path = "kubelet.imagePullCredentialsVerificationPolicy"
    list_path = "kubelet.preloadedImagesVerificationAllowlist"
    if not gate:
        for node, name in ((policy_node, "imagePullCredentialsVerificationPolicy"),
                           (list_node, "preloadedImagesVerificationAllowlist")):
            if node is not None:
                r.error(node, f"kubelet.{name}", f"invalid configuration: `{name}` must not be "
                        "set if KubeletEnsureSecretPulledImages feature gate is not enabled",
                        hint="enable the gate under kubelet.featureGates")
        return "NeverVerify", ()
    policy = r.string(policy_node, policy_path) or "NeverVerifyPreloadedImages"
    if policy not in VERIFICATION_POLICIES:
        r.error(policy_node, policy_path, f'invalid configuration: option "{policy}" specified '
                "for imagePullCredentialsVerificationPolicy. Valid options are "
                + ", ".join(f'"{p}"' for p in VERIFICATION_POLICIES),
                hint=suggestion(policy, VERIFICATION_POLICIES))
        policy = "NeverVerifyPreloadedImages"
    entries: list[str] = []
    for index, item in enumerate(r.sequence(list_node, list_path)):
        entry = r.string(item, f"{list_path}[{index}]", empty=True)
        if entry is None:
            continue
        problem = allowlist_entry_problem(entry)
        if problem is not None:
            r.error(item, f"{list_path}[{index}]", "invalid configuration: invalid image "
                    f"pattern in `preloadedImagesVerificationAllowlist`: {problem}",
                    hint="a full image name without tag (docker.io/library/nginx) or a "
                         "prefix ending in /* (registry.company.com/*)")
            continue
        entries.append(entry)
    if entries and policy != "NeverVerifyAllowlistedImages":
        r.error(list_node, list_path, "invalid configuration: can't set "
                "`preloadedImagesVerificationAllowlist` if "
                "`imagePullCredentialsVerificationPolicy` is not \"NeverVerifyAllowlistedImages\"")
        entries = []
    return policy, tuple(entries)


def allowlist_entry_problem(pattern: str) -> str | None:
    """Why the kubelet rejects a `preloadedImagesVerificationAllowlist` entry, or None."""
    if pattern != pattern.strip():
        return f"leading/trailing spaces are not allowed: {pattern}"
    wildcard = pattern.endswith("/*")
    trimmed = pattern[:-1] if wildcard else pattern
    if not trimmed:
        return f"the supplied pattern is too short: {pattern}"
    if "*" in trimmed:
        return f"not a valid wildcard pattern, only patterns ending with '/*' are allowed: " \
               f"{pattern}"
    if wildcard:
        return "at least registry hostname is required" if len(trimmed) == 1 else None
    try:
        name = parse_reference(trimmed).name
    except InvalidReference as error:
        return f"failed to parse as an image name: {error}"
    if name != trimmed:
        return f"neither tag nor digest is accepted in an image reference: {pattern}"
    return None


# --- objects ----------------------------------------------------------------------------------

SCENARIO_KINDS = ("Namespace", "ServiceAccount", "Secret")


def _objects(r: FieldReader, node: YamlNode | None) -> tuple[KubeObject, ...]:
    """The cluster objects that exist before the learner's manifest is applied.

    Each entry is read exactly as `load_manifests` reads a document, positions included; its
    problems get the entry's path in front, and its warnings (unknown fields) count as errors
    because scenarios are strict.
    """
    objects: list[KubeObject] = []
    first: dict[tuple[str, str, str], YamlNode] = {}
    for index, item in enumerate(r.sequence(node, "objects")):
        path = f"objects[{index}]"
        report = Report()
        # warn: each unknown field once, turned into an error below (no kubectl BadRequest line)
        built = read_manifest_object(Document(index, item, item.line, item.column), report,
                                     validate="warn")
        for problem in report.problems:
            r.problems.append(replace(problem, severity="error",
                                      path=f"{path}.{problem.path}" if problem.path else path))
        if built is None:
            continue
        if built.kind not in SCENARIO_KINDS:
            kind_node = item.get("kind") if isinstance(item, Mapping) else item
            r.error(kind_node, f"{path}.kind", f"a scenario cannot hold a {built.kind}",
                    hint="scenario objects are " + ", ".join(SCENARIO_KINDS)
                    + "; Pods and workloads belong in the learner's manifest")
            continue
        key = (built.kind, built.effective_namespace, built.name)
        if key in first:
            r.error(item, path, f"{built.ref} is defined twice",
                    hint=f"first at {where(first[key])}")
            continue
        first[key] = item
        objects.append(built)
    return tuple(objects)
