"""`load_scenario`: the scenario format, its defaults, its cross-checks and hostile files."""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path

import pytest

from sandbox.engine.problems import ManifestError, Problem
from sandbox.engine.scenario import default_scenario, docker_hub, load_scenario
from sandbox.engine.world import ImageIndex, Scenario

SHIPPED = Path(__file__).resolve().parents[2] / "lessons" / "content" / "scenarios"

EXAMPLE = """\
name: Three nodes and a private registry
nodes:
  - name: node-a
    images:                                   # already on the node
      - nginx:1.25
      - ref: registry.company.com/webapp:v2   # cached under v2, but an older build
        image: build-1
  - name: node-b
  - name: node-c
registries:
  - host: registry.company.com
    private: true
    accounts:
      - {username: myuser, password: mypass123}
    bandwidth: 20MB/s
    repositories:
      webapp:
        images:
          build-1: {layers: [{id: debian-12, size: 48MB}, {id: flask-3, size: 12MB}, {id: app-1, size: 1MB}]}
          build-2: {layers: [{id: debian-12, size: 48MB}, {id: flask-3, size: 12MB}, {id: app-2, size: 1MB}]}
        tags: {v1: build-1, v2: build-2}
timeline:
  - at: 60s
    push: {repository: registry.company.com/webapp, tag: v2, image: build-1}
objects:
  - apiVersion: v1
    kind: Secret
    metadata: {name: company-registry-secret}
    type: kubernetes.io/dockerconfigjson
    stringData:
      .dockerconfigjson: '{"auths":{"registry.company.com":{"username":"myuser","password":"mypass123"}}}'
kubelet:
  serializeImagePulls: true
"""  # noqa: E501


def _load(text: str) -> Scenario:
    return load_scenario(textwrap.dedent(text))


def _problems(text: str) -> list[Problem]:
    with pytest.raises(ManifestError) as caught:
        load_scenario(textwrap.dedent(text))
    assert caught.value.problems
    return list(caught.value.problems)


def _only_problem(text: str) -> Problem:
    problems = _problems(text)
    assert len(problems) == 1, problems
    return problems[0]


# --- the worked example ------------------------------------------------------------------------


def test_example_node_holds_an_older_build_under_the_tag_the_registry_has_moved() -> None:
    scenario = load_scenario(EXAMPLE)
    node_a = scenario.nodes[0]
    cached = {image.ref: image.image for image in node_a.images}
    webapp = scenario.registry("registry.company.com")
    assert webapp is not None
    repository = webapp.repository("webapp")
    assert repository is not None
    assert repository.tags == {"v1": "build-1", "v2": "build-2"}
    assert cached["registry.company.com/webapp:v2"] == repository.images["build-1"]
    assert cached["registry.company.com/webapp:v2"] != repository.images["build-2"]


def test_example_node_holds_the_catalogue_nginx_1_25_for_its_architecture() -> None:
    node_a = load_scenario(EXAMPLE).nodes[0]
    nginx = next(image for image in node_a.images if "nginx" in image.ref)
    index = docker_hub().repositories["library/nginx"].images["1.25.5"]
    assert isinstance(index, ImageIndex)
    assert nginx.ref == "docker.io/library/nginx:1.25"
    assert nginx.image == index.for_platform("amd64")


def test_example_builds_share_layers_by_content() -> None:
    repository = load_scenario(EXAMPLE).registries[0].repositories["webapp"]
    build_1, build_2 = repository.images["build-1"], repository.images["build-2"]
    assert not isinstance(build_1, ImageIndex) and not isinstance(build_2, ImageIndex)
    assert [layer.digest for layer in build_1.layers[:2]] == \
        [layer.digest for layer in build_2.layers[:2]]
    assert build_1.layers[2].digest != build_2.layers[2].digest
    assert build_1.layers[0].size == 48_000_000
    assert build_1.manifest_digest != build_2.manifest_digest


def test_example_registry_settings() -> None:
    registry = load_scenario(EXAMPLE).registries[0]
    assert registry.host == "registry.company.com"
    assert registry.private is True
    assert registry.bandwidth == 20_000_000
    assert [(a.username, a.password) for a in registry.accounts] == [("myuser", "mypass123")]


def test_example_timeline_moves_the_tag_at_sixty_seconds() -> None:
    (entry,) = load_scenario(EXAMPLE).timeline
    assert entry.at == 60.0
    assert entry.push is not None
    assert (entry.push.repository, entry.push.tag, entry.push.image) == \
        ("registry.company.com/webapp", "v2", "build-1")


def test_example_secret_object_is_stored_as_the_api_stores_it() -> None:
    (secret,) = load_scenario(EXAMPLE).objects
    assert (secret.kind, secret.name, secret.effective_namespace) == \
        ("Secret", "company-registry-secret", "default")
    assert secret.position is not None
    assert (secret.position.line, secret.position.column) == (26, 5)
    config = json.loads(base64.b64decode(secret.body["data"][".dockerconfigjson"]))
    assert config["auths"]["registry.company.com"]["username"] == "myuser"


def test_example_kubelet_and_docker_hub() -> None:
    scenario = load_scenario(EXAMPLE)
    assert scenario.kubelet.serialize_image_pulls is True
    assert [r.host for r in scenario.registries] == ["registry.company.com", "docker.io"]
    assert scenario.registry("docker.io") is docker_hub()
    assert [node.name for node in scenario.nodes] == ["node-a", "node-b", "node-c"]


# --- defaults ----------------------------------------------------------------------------------


def test_a_scenario_with_only_a_name_gets_every_default() -> None:
    scenario = _load("name: Just a name\n")
    assert scenario.name == "Just a name"
    assert [(n.name, n.architecture, n.images) for n in scenario.nodes] == \
        [("node-1", "amd64", ()), ("node-2", "amd64", ())]
    assert [r.host for r in scenario.registries] == ["docker.io"]
    assert scenario.horizon == 300.0
    assert scenario.profile == "newest"
    assert scenario.always_pull_images is False
    assert scenario.timeline == () and scenario.objects == ()
    kubelet = scenario.kubelet
    assert (kubelet.serialize_image_pulls, kubelet.max_parallel_image_pulls) == (True, None)
    assert (kubelet.backoff_initial, kubelet.backoff_max) == (10.0, 300.0)
    assert kubelet.ensure_secret_pulled_images is True
    assert kubelet.verification_policy == "NeverVerifyPreloadedImages"


def test_default_scenario_is_two_empty_nodes_and_docker_hub() -> None:
    scenario = default_scenario()
    assert [n.name for n in scenario.nodes] == ["node-1", "node-2"]
    assert scenario.registries == (docker_hub(),)


def test_registry_defaults() -> None:
    registry = _load("""\
        registries:
          - host: registry.local:5000
        """).registries[0]
    assert (registry.private, registry.auth, registry.rate_limited) == (False, "bearer", False)
    assert (registry.bandwidth, registry.latency) == (50_000_000, 0.05)


@pytest.mark.parametrize(("profile", "gate", "policy"), [
    ("classic", False, "NeverVerify"),
    ("current", False, "NeverVerify"),
    ("newest", True, "NeverVerifyPreloadedImages"),
    ("k8s-1.37", True, "NeverVerifyPreloadedImages"),
])
def test_profile_sets_the_default_of_the_ensure_secret_pulled_images_gate(
        profile: str, gate: bool, policy: str) -> None:
    kubelet = _load(f"profile: {profile}\n").kubelet
    assert (kubelet.ensure_secret_pulled_images, kubelet.verification_policy) == (gate, policy)


# --- kubelet settings (KUBERNETES.md §10, §12) ------------------------------------------------


@pytest.mark.parametrize(("written", "serialize", "maximum"), [
    ("{}", True, None),
    ("{maxParallelImagePulls: 1}", True, 1),
    ("{maxParallelImagePulls: 2}", False, 2),
    ("{serializeImagePulls: false}", False, None),
    ("{serializeImagePulls: false, maxParallelImagePulls: 5}", False, 5),
    ("{serializeImagePulls: true, maxParallelImagePulls: 1}", True, 1),
])
def test_serialize_image_pulls_defaults_from_max_parallel_image_pulls(
        written: str, serialize: bool, maximum: int | None) -> None:
    kubelet = _load(f"kubelet: {written}\n").kubelet
    assert (kubelet.serialize_image_pulls, kubelet.max_parallel_image_pulls) == \
        (serialize, maximum)


@pytest.mark.parametrize(("written", "fragment"), [
    ("{maxParallelImagePulls: 0}", "maxParallelImagePulls 0 must be a positive number"),
    ("{serializeImagePulls: true, maxParallelImagePulls: 3}",
     "maxParallelImagePulls cannot be larger than 1 unless SerializeImagePulls"),
])
def test_parallel_pull_settings_are_validated_like_the_kubelet(written: str,
                                                              fragment: str) -> None:
    problem = _only_problem(f"kubelet: {written}\n")
    assert fragment in problem.message
    assert problem.path == "kubelet.maxParallelImagePulls"
    assert problem.line == 1


def test_back_off_and_feature_gate_and_policy_are_read() -> None:
    kubelet = _load("""\
        kubelet:
          imagePullBackOff: {initial: 1s, max: 1m}
          featureGates: {KubeletEnsureSecretPulledImages: true}
          imagePullCredentialsVerificationPolicy: NeverVerifyAllowlistedImages
          preloadedImagesVerificationAllowlist: [registry.company.com/*, docker.io/library/nginx]
        profile: current
        """).kubelet
    assert (kubelet.backoff_initial, kubelet.backoff_max) == (1.0, 60.0)
    assert kubelet.ensure_secret_pulled_images is True
    assert kubelet.verification_policy == "NeverVerifyAllowlistedImages"
    assert kubelet.preloaded_images_verification_allowlist == \
        ("registry.company.com/*", "docker.io/library/nginx")


@pytest.mark.parametrize(("entry", "fragment"), [
    ("'test.io/test/image1:tag'", "neither tag nor digest is accepted"),
    ("nginx", "neither tag nor digest is accepted"),  # must be the full normalized name
    ("test.io/te*st", "only patterns ending with '/*' are allowed"),
    ("test.io/*/x", "only patterns ending with '/*' are allowed"),
    ("test.io*", "only patterns ending with '/*' are allowed"),
    ("/*", "at least registry hostname is required"),
    ("' test.io/*'", "leading/trailing spaces are not allowed"),
    ("test.io/app/", "failed to parse as an image name"),
    ("''", "the supplied pattern is too short"),
])
def test_allowlist_entries_are_validated_like_the_kubelet(entry: str, fragment: str) -> None:
    problem = _only_problem(f"""\
        kubelet:
          imagePullCredentialsVerificationPolicy: NeverVerifyAllowlistedImages
          preloadedImagesVerificationAllowlist: [{entry}]
        """)
    assert fragment in problem.message
    assert problem.path == "kubelet.preloadedImagesVerificationAllowlist[0]"
    assert (problem.line, problem.column) == (3, 42)


def test_allowlist_needs_the_allowlist_policy() -> None:
    problem = _only_problem("kubelet: {preloadedImagesVerificationAllowlist: [test.io/*]}\n")
    assert "can't set `preloadedImagesVerificationAllowlist`" in problem.message


def test_verification_policy_needs_the_feature_gate() -> None:
    problem = _only_problem("""\
        kubelet:
          featureGates: {KubeletEnsureSecretPulledImages: false}
          imagePullCredentialsVerificationPolicy: AlwaysVerify
        """)
    assert "must not be set if KubeletEnsureSecretPulledImages feature gate is not enabled" \
        in problem.message
    assert (problem.line, problem.column) == (3, 43)


def test_unknown_verification_policy_lists_the_valid_ones() -> None:
    problem = _only_problem("kubelet: {imagePullCredentialsVerificationPolicy: AlwaysVerfy}\n")
    assert '"NeverVerifyAllowlistedImages"' in problem.message
    assert problem.hint == 'did you mean "AlwaysVerify"?'


# --- images on nodes ---------------------------------------------------------------------------


def test_node_image_from_an_index_is_the_manifest_of_the_node_architecture() -> None:
    node = _load("""\
        nodes:
          - name: pi
            architecture: arm64
            images: ["python:3.12-slim"]
        """).nodes[0]
    (held,) = node.images
    assert held.ref == "docker.io/library/python:3.12-slim"
    assert held.image.architecture == "arm64"


def test_node_image_by_digest_and_by_name_only() -> None:
    digest = _image_digest("busybox", "1.36")
    node = _load(f"""\
        nodes:
          - name: w1
            images: ["busybox@{digest}", busybox]
        """).nodes[0]
    assert [held.ref for held in node.images] == \
        [f"docker.io/library/busybox@{digest}", "docker.io/library/busybox:latest"]
    assert node.images[0].image.manifest_digest == digest


def _image_digest(repository: str, tag: str) -> str:
    repo = docker_hub().repositories[f"library/{repository}"]
    index = repo.images[repo.tags[tag]]
    assert isinstance(index, ImageIndex)
    image = index.for_platform("amd64")
    assert image is not None
    return image.manifest_digest


def test_a_single_platform_image_of_another_architecture_may_sit_on_a_node() -> None:
    node = _load("""\
        nodes:
          - name: w1
            images: ["registry.local/app:1"]
        registries:
          - host: registry.local
            repositories:
              app:
                images: {b1: {architecture: arm64, layers: [{id: app, size: 1MB}]}}
                tags: {"1": b1}
        """).nodes[0]
    assert node.images[0].image.architecture == "arm64"


def test_multi_architecture_scenario_image_is_an_index() -> None:
    repository = _load("""\
        registries:
          - host: registry.local
            repositories:
              team/api:
                images:
                  v1:
                    platforms:
                      - {architecture: amd64, layers: [{id: base, size: 10MB}]}
                      - {architecture: arm64, layers: [{id: base-arm, size: 9MB}]}
                tags: {latest: v1}
        """).registries[0].repositories["team/api"]
    index = repository.images["v1"]
    assert isinstance(index, ImageIndex)
    assert [m.architecture for m in index.manifests] == ["amd64", "arm64"]


# --- Docker Hub in a scenario ------------------------------------------------------------------


def test_docker_hub_in_a_scenario_is_merged_over_the_catalogue() -> None:
    scenario = _load("""\
        registries:
          - host: docker.io
            rateLimited: true
            repositories:
              nginx:
                images: {custom: {layers: [{id: custom, size: 5MB}]}}
                tags: {team: custom, old: 1.25.5}
              acme/tool:
                images: {t1: {layers: [{id: tool, size: 5MB}]}}
                tags: {latest: t1}
        nodes:
          - name: w1
            images: ["nginx:team", acme/tool, "nginx:1.26"]
        """)
    hub = scenario.registry("docker.io")
    assert hub is not None and hub.rate_limited
    nginx = hub.repositories["library/nginx"]
    assert nginx.tags["team"] == "custom" and nginx.tags["old"] == "1.25.5"
    assert nginx.tags["1.26"] == "1.26.2"  # the catalogue's tags are kept
    assert "library/python" in hub.repositories
    assert "acme/tool" in hub.repositories
    assert len(scenario.registries) == 1
    assert len(scenario.nodes[0].images) == 3
    assert docker_hub().repositories["library/nginx"].tags.get("team") is None


# --- validation, each with its position --------------------------------------------------------


@pytest.mark.parametrize(("text", "path", "line", "column", "fragment"), [
    pytest.param("nodse: []\n", "nodse", 1, 1, "unknown field 'nodse'", id="unknown-top-key"),
    pytest.param(
        """\
        registries:
          - host: registry.local
            repositories:
              app:
                images: {b1: {layers: [{id: a, size: 1MB}]}}
                tags: {v1: b2}
        """,
        "registries[0].repositories.app.tags.v1", 6, 20, "points to image 'b2'",
        id="tag-to-unknown-image"),
    pytest.param(
        """\
        nodes:
          - name: w1
            images: ["registry.local/nothing:1"]
        registries: [{host: registry.local}]
        """,
        "nodes[0].images[0]", 3, 14, "has no repository 'nothing'", id="node-image-unknown-repo"),
    pytest.param(
        """\
        nodes:
          - name: w1
            images:
              - nginx:1.25
              - ref: nginx:1.25
                image: 9.9.9-nope
        """,
        "nodes[0].images[1].image", 6, 16, "has no image '9.9.9-nope'", id="node-image-unknown-id"),
    pytest.param(
        """\
        nodes:
          - name: w1
            images: ["ghcr.io/acme/app:1"]
        """,
        "nodes[0].images[0]", 3, 14, "no registry 'ghcr.io'", id="node-image-unknown-registry"),
    pytest.param(
        """\
        nodes:
          - name: w1
            images: ["nginx:0.0.1"]
        """,
        "nodes[0].images[0]", 3, 14, "has no tag '0.0.1'", id="node-image-unknown-tag"),
    pytest.param(
        """\
        timeline:
          - at: 1m
            push: {repository: docker.io/library/nginxx, tag: v2, image: 1.25.5}
        """,
        "timeline[0].push.repository", 3, 24, "has no repository 'library/nginxx'",
        id="push-unknown-repo"),
    pytest.param(
        """\
        timeline:
          - at: 1m
            push: {repository: nginx, tag: latest, image: 9.9}
        """,
        "timeline[0].push.image", 3, 51, "must be a string", id="push-image-not-a-string"),
    pytest.param(
        """\
        timeline:
          - at: 1m
            push: {repository: nginx, tag: latest, image: "9.9"}
        """,
        "timeline[0].push.image", 3, 51, "has no image '9.9'", id="push-unknown-image"),
    pytest.param(
        """\
        timeline:
          - at: 6m
            push: {repository: nginx, tag: latest, image: 1.25.5}
        """,
        "timeline[0].at", 2, 9, "after the horizon", id="push-after-horizon"),
    pytest.param(
        """\
        nodes:
          - name: a
          - name: a
        """,
        "nodes[1].name", 3, 11, "node name 'a' is used twice", id="duplicate-node"),
    pytest.param("registries: [{host: my_registry.com}]\n", "registries[0].host", 1, 21,
                 "not a valid registry host", id="host-not-a-domain"),
    pytest.param("registries: [{host: myregistry}]\n", "registries[0].host", 1, 21,
                 "cannot be a registry host", id="host-read-as-docker-hub-user"),
    pytest.param("registries: [{host: a.io}, {host: a.io}]\n", "registries[1].host", 1, 35,
                 "defined twice", id="duplicate-registry"),
    pytest.param("registries: [{host: a.io, bandwidth: 20 MB}]\n", "registries[0].bandwidth",
                 1, 38, "must end in /s", id="bad-bandwidth"),
    pytest.param("registries: [{host: a.io, auth: token}]\n", "registries[0].auth", 1, 33,
                 "not one of bearer, basic", id="bad-auth"),
    pytest.param(
        """\
        registries:
          - host: a.io
            repositories:
              App: {}
        """,
        'registries[0].repositories.App', 4, 7, "must be lowercase", id="repo-uppercase"),
    pytest.param(
        """\
        registries:
          - host: a.io
            repositories:
              app:
                images: {b1: {layers: [{id: a, size: 48 parsecs}]}}
        """,
        "registries[0].repositories.app.images.b1.layers[0].size", 5, 46,
        "unknown size unit 'parsecs'", id="bad-layer-size"),
    pytest.param("nodes: [{name: w1, architecture: x86_64}]\n", "nodes[0].architecture", 1, 34,
                 "unknown architecture", id="bad-architecture"),
    pytest.param("nodes: [{name: N_1}]\n", "nodes[0].name", 1, 16, "not a valid name",
                 id="bad-node-name"),
    pytest.param("nodes: [{name: w1, labels: {zone: 1}}]\n", "nodes[0].labels.zone", 1, 35,
                 "must be a string", id="label-not-a-string"),
    pytest.param("nodes: [{name: w1, taints: [{key: gpu, effect: NoShedule}]}]\n",
                 "nodes[0].taints[0].effect", 1, 48, "not one of NoSchedule", id="bad-effect"),
    pytest.param("nodes: [{name: w1, unreachable: [quay.io]}]\n", "nodes[0].unreachable[0]",
                 1, 34, "no registry 'quay.io'", id="unreachable-unknown-host"),
    pytest.param("nodes: [{name: w1, credentials: {docker.io: {user: a}}}]\n",
                 'nodes[0].credentials["docker.io"].user', 1, 46, "unknown field 'user'",
                 id="bad-credentials"),
    pytest.param("nodes: []\n", "nodes", 1, 8, "at least one entry", id="no-nodes"),
    pytest.param("name: 5\n", "name", 1, 7, "must be a string", id="name-not-a-string"),
    pytest.param("nodes: node-1\n", "nodes", 1, 8, "must be a list", id="nodes-not-a-list"),
    pytest.param("horizon: 2h\n", "horizon", 1, 10, "at most 1h", id="horizon-too-long"),
    pytest.param("admission: {alwaysPullImages: sometimes}\n", "admission.alwaysPullImages",
                 1, 31, "true or false", id="admission-not-bool"),
    pytest.param("profile: modern\n", "profile", 1, 10, "not one of classic", id="bad-profile"),
    pytest.param("kubelet: {featureGates: {SomethingElse: true}}\n",
                 "kubelet.featureGates.SomethingElse", 1, 26, "unrecognized feature gate",
                 id="unknown-gate"),
])
def test_each_mistake_is_reported_with_its_position_and_path(
        text: str, path: str, line: int, column: int, fragment: str) -> None:
    problem = _only_problem(text)
    assert fragment in problem.message
    assert (problem.path, problem.line, problem.column) == (path, line, column)
    assert problem.severity == "error"


def test_unknown_fields_suggest_the_closest_known_one() -> None:
    problem = _only_problem("registries: [{host: a.io, bandwith: 20MB/s}]\n")
    assert problem.hint == 'did you mean "bandwidth"?'
    assert problem.path == "registries[0].bandwith"


def test_every_problem_of_a_file_is_reported_at_once_in_text_order() -> None:
    problems = _problems("""\
        nodes:
          - name: a
            architecture: sparc
        registries:
          - host: a.io
            latency: 5 parsecs
        horizon: forever
        """)
    assert [p.path for p in problems] == \
        ["nodes[0].architecture", "registries[0].latency", "horizon"]
    assert [p.line for p in problems] == [3, 6, 7]


def test_object_problems_carry_the_entry_path_and_scenario_positions() -> None:
    problem = _only_problem("""\
        objects:
          - apiVersion: v1
            kind: Secret
            metadata: {name: s}
            data: {a: "!!!"}
        """)
    assert problem.path is not None and problem.path.startswith("objects[0].data")
    assert problem.line == 5


def test_scenario_objects_are_only_namespaces_service_accounts_and_secrets() -> None:
    problem = _only_problem("""\
        objects:
          - apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec: {containers: [{name: c, image: nginx}]}
        """)
    assert "cannot hold a Pod" in problem.message
    assert (problem.path, problem.line) == ("objects[0].kind", 3)


def test_service_account_and_namespace_objects() -> None:
    objects = _load("""\
        objects:
          - {apiVersion: v1, kind: Namespace, metadata: {name: team}}
          - apiVersion: v1
            kind: ServiceAccount
            metadata: {name: builder, namespace: team}
            imagePullSecrets: [{name: regcred}]
        """).objects
    assert [(o.kind, o.name, o.namespace) for o in objects] == \
        [("Namespace", "team", None), ("ServiceAccount", "builder", "team")]


# --- hostile files -----------------------------------------------------------------------------


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    with pytest.raises(ManifestError, match="alias"):
        load_scenario("\n".join(lines) + "\n")


def test_huge_file_is_refused_before_parsing() -> None:
    text = "description: " + "x" * 400_000 + "\n"
    with pytest.raises(ManifestError, match="KiB"):
        load_scenario(text)


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(ManifestError, match="deeper"):
        load_scenario("description: " + "[" * 500 + "]" * 500 + "\n")


@pytest.mark.parametrize("text", [
    "",
    "- a\n- b\n",
    "just text\n",
    "name: a\n---\nname: b\n",
    "name: !!python/object:os.system ls\n",
    "name: [unclosed\n",
    "name: a\x00b\n",
    "nodes: [{name: w1, images: [{ref: [nginx]}]}]\n",
    "nodes: [{name: w1, images: [[nginx]]}]\n",
    "registries: [{host: {a: b}}]\n",
    "registries: [{host: a.io, repositories: [webapp]}]\n",
    "registries: [{host: a.io, repositories: {app: {images: {b: {layers: {id: x}}}}}}]\n",
    "timeline: {at: 1s}\n",
    "kubelet: [serializeImagePulls]\n",
    "objects: [{kind: Secret}]\n",
    "objects: [5]\n",
    "nodes: [{name: w1, credentials: [a]}]\n",
    "name: 99999999999999999999999999\n",
])
def test_malformed_files_raise_manifest_error_only(text: str) -> None:
    with pytest.raises(ManifestError) as caught:
        load_scenario(text)
    assert all(isinstance(p, Problem) for p in caught.value.problems)


def test_bytes_input_is_accepted() -> None:
    assert load_scenario(b"name: bytes\n").name == "bytes"


# --- shipped scenarios -------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_load(path: Path) -> None:
    scenario = load_scenario(path.read_text())
    assert scenario.name


def test_two_nodes_starter_has_nginx_on_node_1() -> None:
    scenario = load_scenario((SHIPPED / "two-nodes.yaml").read_text())
    assert [n.name for n in scenario.nodes] == ["node-1", "node-2"]
    assert [i.ref for i in scenario.nodes[0].images] == ["docker.io/library/nginx:1.25"]
    assert scenario.nodes[1].images == ()


def test_private_registry_scenario_is_the_documented_example() -> None:
    assert (SHIPPED / "private-registry.yaml").read_text() == EXAMPLE


def test_registry_pull_qps_and_burst_are_read_and_negative_values_refused() -> None:
    from sandbox.engine import ManifestError, load_scenario

    scenario = load_scenario("name: q\nkubelet:\n  registryPullQPS: 0\n  registryBurst: 3\n")
    assert (scenario.kubelet.registry_pull_qps, scenario.kubelet.registry_burst) == (0, 3)
    with pytest.raises(ManifestError) as caught:
        load_scenario("name: q\nkubelet:\n  registryPullQPS: -1\n")
    problem = caught.value.problems[0]
    assert problem.line == 3
    assert "registryPullQPS (--registry-qps) -1 must not be a negative number" in problem.message
