"""A learner's Dockerfile built before and after a change, pushed, preloaded and deployed."""

from __future__ import annotations

import pytest

from sandbox.engine import ManifestError, Scenario, load_paste, load_scenario, simulate
from sandbox.engine.scenario import FileVersions, LearnerBuild, apply_learner_build

PRIVATE = """\
name: Private registry
nodes:
  - name: node-a
    images:
      - ref: registry.company.com/webapp:v2
        image: build-1
  - name: node-b
registries:
  - host: registry.company.com
    private: true
    accounts: [{username: myuser, password: mypass123}]
    repositories:
      webapp:
        images:
          build-1: {layers: [{id: debian-12, size: 48MB}, {id: app-1, size: 1MB}]}
        tags: {v2: build-1}
objects:
  - apiVersion: v1
    kind: Secret
    metadata: {name: company-registry-secret}
    type: kubernetes.io/dockerconfigjson
    stringData:
      .dockerconfigjson: >-
        {"auths":{"registry.company.com":{"username":"myuser","password":"mypass123"}}}
"""

COPY_FIRST = """\
FROM python:3.12-slim
WORKDIR /app
COPY app.py .
RUN pip install flask
CMD ["python", "app.py"]
"""

DEPS_FIRST = """\
FROM python:3.12-slim
WORKDIR /app
RUN pip install flask
COPY app.py .
CMD ["python", "app.py"]
"""

CHANGE = {"app.py": FileVersions("v1", "v2")}
PUSH = "registry.company.com/webapp:v3"


def pod_on(node: str, image: str, policy: str) -> str:
    return f"""\
apiVersion: v1
kind: Pod
metadata: {{name: web-{node}}}
spec:
  nodeName: {node}
  imagePullSecrets: [{{name: company-registry-secret}}]
  containers:
    - name: web
      image: {image}
      imagePullPolicy: {policy}
"""


def private() -> Scenario:
    return load_scenario(PRIVATE)


def build(dockerfile: str = COPY_FIRST, push: str | None = PUSH, **kwargs: object) -> LearnerBuild:
    return apply_learner_build(private(), dockerfile, CHANGE, push, **kwargs)  # type: ignore[arg-type]


def only_problem(error: pytest.ExceptionInfo[ManifestError]) -> dict[str, object]:
    assert len(error.value.problems) == 1, error.value.problems
    return error.value.problems[0].to_dict()


# --- what the change rebuilds ----------------------------------------------------------------

def test_copy_first_rebuilds_the_pip_layer_above_the_changed_copy() -> None:
    built = build(COPY_FIRST)
    steps = built.after.layer_steps
    changed = {steps[i - built.after.base_layers].instruction
               for i in built.changed_layers}
    assert changed == {"COPY", "RUN"}


def test_deps_first_rebuilds_only_the_copy_layer() -> None:
    built = build(DEPS_FIRST)
    layers = built.after.image.layers
    assert len(built.changed_layers) == 1
    assert built.changed_layers[0] == len(layers) - 1
    assert built.after.layer_steps[-1].instruction == "COPY"


def test_moving_the_dependency_install_first_saves_about_the_pip_layer() -> None:
    copy_first, deps_first = build(COPY_FIRST), build(DEPS_FIRST)
    pip = next(s.layer for s in deps_first.after.steps if s.instruction == "RUN")
    assert pip is not None
    saved = copy_first.changed_bytes - deps_first.changed_bytes
    assert pip.size * 0.9 <= saved <= pip.size * 1.1
    assert deps_first.changed_bytes < 10_000 < 10_000_000 < copy_first.changed_bytes


def test_unchanged_files_rebuild_nothing() -> None:
    built = apply_learner_build(private(), COPY_FIRST, {"app.py": "v1"}, PUSH)
    assert built.changed_layers == ()
    assert built.changed_bytes == 0
    assert built.before.image.manifest_digest == built.after.image.manifest_digest


# --- deploying the pushed tag ----------------------------------------------------------------

@pytest.mark.parametrize("dockerfile", [COPY_FIRST, DEPS_FIRST], ids=["copy-first", "deps-first"])
def test_always_pulls_only_the_changed_layers_on_a_node_holding_the_old_build(
    dockerfile: str,
) -> None:
    built = build(dockerfile)
    trace = simulate(load_paste(pod_on("node-b", PUSH, "Always")), built.scenario)
    [pull] = trace.pulls
    assert pull.outcome == "pulled"
    assert pull.bytes == built.changed_bytes
    downloaded = [t.digest for t in pull.layers if t.state == "downloaded"]
    assert downloaded == [built.after.image.layers[i].digest for i in built.changed_layers]
    assert pull.digest == built.after.image.manifest_digest


def test_if_not_present_starts_the_old_build_under_the_same_tag_without_pulling() -> None:
    built = build(COPY_FIRST)
    trace = simulate(load_paste(pod_on("node-b", PUSH, "IfNotPresent")), built.scenario)
    assert trace.pulls == ()
    assert [pod.status for pod in trace.pods] == ["Running"]
    [status] = trace.pods[0].containers
    assert status.image_id == f"registry.company.com/webapp@{built.before.image.manifest_digest}"


def test_every_node_holds_the_old_build_when_preloaded() -> None:
    built = build(COPY_FIRST)
    for node in built.scenario.nodes:
        held = {image.ref: image.image for image in node.images}
        assert held["registry.company.com/webapp:v3"] == built.before.image


def test_without_preloading_a_node_downloads_the_whole_new_build() -> None:
    built = build(COPY_FIRST, preloaded=False)
    trace = simulate(load_paste(pod_on("node-b", PUSH, "IfNotPresent")), built.scenario)
    [pull] = trace.pulls
    assert pull.bytes == built.after.image.size
    assert all(t.state == "downloaded" for t in pull.layers)


def test_preloading_replaces_what_a_node_held_under_the_same_tag() -> None:
    built = build(COPY_FIRST, push="registry.company.com/webapp:v2")
    [node_a] = [n for n in built.scenario.nodes if n.name == "node-a"]
    held = [image for image in node_a.images if image.ref == "registry.company.com/webapp:v2"]
    assert [image.image for image in held] == [built.before.image]


def test_the_push_moves_the_tag_and_keeps_the_old_build_and_other_images() -> None:
    scenario = private()
    built = apply_learner_build(scenario, COPY_FIRST, CHANGE, "registry.company.com/webapp:v2")
    registry = built.scenario.registry("registry.company.com")
    assert registry is not None
    repository = registry.repositories["webapp"]
    assert repository.images[repository.tags["v2"]] == built.after.image
    assert built.before.image in repository.images.values()
    assert "build-1" in repository.images
    original = scenario.registry("registry.company.com")
    assert original is not None and original.repositories["webapp"].tags == {"v2": "build-1"}


def test_build_ids_do_not_collide_with_the_repository_images() -> None:
    first = build(COPY_FIRST)
    again = apply_learner_build(first.scenario, DEPS_FIRST, CHANGE, PUSH)
    registry = again.scenario.registry("registry.company.com")
    assert registry is not None
    images = registry.repositories["webapp"].images
    assert images["learner-after"] == first.after.image
    assert images["learner-after-2"] == again.after.image


def test_a_base_image_resolves_from_the_scenarios_own_registry() -> None:
    dockerfile = "FROM registry.company.com/webapp:v2\nCOPY app.py /srv/\n"
    built = build(dockerfile)
    assert built.after.base == "registry.company.com/webapp:v2"
    assert built.after.base_layers == 2


# --- where it goes ---------------------------------------------------------------------------

def test_without_a_tag_the_build_goes_to_the_first_registry_that_is_not_docker_hub() -> None:
    assert build(push=None).reference == "registry.company.com/learner/app:dev"


def test_without_a_tag_or_a_private_registry_the_build_goes_to_docker_hub() -> None:
    built = apply_learner_build(load_scenario("nodes: [{name: node-1}]\n"), COPY_FIRST, CHANGE)
    assert built.reference == "docker.io/learner/app:dev"


def test_a_push_without_tag_goes_to_latest_as_docker_does() -> None:
    assert build(push="registry.company.com/webapp").reference == \
        "registry.company.com/webapp:latest"


def test_the_build_is_for_the_first_nodes_architecture_and_preloaded_only_there() -> None:
    scenario = load_scenario("nodes: [{name: pi, architecture: arm64}, {name: x86}]\n")
    built = apply_learner_build(scenario, COPY_FIRST, CHANGE, "docker.io/learner/app:v1")
    assert built.after.image.architecture == "arm64"
    held = {node.name: [image.ref for image in node.images] for node in built.scenario.nodes}
    assert held == {"pi": ["docker.io/learner/app:v1"], "x86": []}


# --- refused input ---------------------------------------------------------------------------

def test_an_unknown_registry_is_refused_with_the_scenarios_registries_as_hint() -> None:
    with pytest.raises(ManifestError) as error:
        build(push="ghcr.io/me/app:v1")
    problem = only_problem(error)
    assert problem["line"] is None and problem["path"] == "build.push"
    assert "no registry 'ghcr.io'" in str(problem["message"])
    assert "registry.company.com, docker.io" in str(problem["hint"])


@pytest.mark.parametrize("push", ["python:mine", "docker.io/library/python:3.12-slim"])
def test_pushing_into_docker_hubs_official_images_is_refused(push: str) -> None:
    with pytest.raises(ManifestError) as error:
        build(push=push)
    assert "official images are not yours to push" in str(only_problem(error)["message"])


@pytest.mark.parametrize(
    ("push", "words"),
    [
        ("Registry.company.com/WebApp:v3", "must be lowercase"),
        ("registry.company.com/webapp@sha256:" + "a" * 64, "not a digest"),
        ("registry.company.com/webapp:v 3", "invalid reference format"),
    ],
    ids=["uppercase", "digest", "space"],
)
def test_a_bad_push_reference_is_refused(push: str, words: str) -> None:
    with pytest.raises(ManifestError) as error:
        build(push=push)
    problem = only_problem(error)
    assert words in str(problem["message"]) and problem["path"] == "build.push"


def test_dockerfile_problems_keep_their_line_and_column_under_build_dockerfile() -> None:
    with pytest.raises(ManifestError) as error:
        build("FROM python:3.12-slim\nRUNN pip install flask\nCOPY ap.py .\n")
    problems = [p.to_dict() for p in error.value.problems]
    assert [(p["line"], p["column"], p["path"]) for p in problems] == [
        (2, 1, "build.dockerfile"), (3, 1, "build.dockerfile")]
    assert "unknown instruction: RUNN" in str(problems[0]["message"])


def test_an_unknown_base_image_is_a_positioned_dockerfile_problem() -> None:
    with pytest.raises(ManifestError) as error:
        build("FROM pythn:3.12\n")
    problem = only_problem(error)
    assert problem["line"] == 1 and "failed to resolve source metadata" in str(problem["message"])


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ({f"f{i}.py": "v1" for i in range(51)}, "more than 50 files"),
        ({"../app.py": "v1"}, "build context"),
        ({"app.py": FileVersions("v1", "")}, "1 to 64 printable characters"),
        ({"app.py": "v\n1"}, "1 to 64 printable characters"),
        ({"app.py": "v" * 65}, "1 to 64 printable characters"),
    ],
    ids=["too-many", "outside-context", "empty-version", "control-character", "long-version"],
)
def test_bad_build_files_are_refused_without_position(files: dict[str, object],
                                                     words: str) -> None:
    with pytest.raises(ManifestError) as error:
        apply_learner_build(private(), COPY_FIRST, files, PUSH)  # type: ignore[arg-type]
    problem = only_problem(error)
    assert words in str(problem["message"]) and problem["path"] == "build.files"


def test_an_unknown_architecture_is_refused() -> None:
    with pytest.raises(ManifestError) as error:
        build(architecture="s390x")
    assert only_problem(error)["path"] == "build.architecture"


# --- the summary the page shows --------------------------------------------------------------

def test_summary_marks_the_rebuilt_layers_and_counts_the_bytes_to_download() -> None:
    summary = build(COPY_FIRST).to_dict()
    rows = [(s["line"], s["instruction"], s["makes_layer"], s["changed"])
            for s in summary["steps"]]
    assert rows == [(1, "FROM", False, False), (2, "WORKDIR", True, False),
                    (3, "COPY", True, True), (4, "RUN", True, True), (5, "CMD", False, False)]
    from_size = summary["steps"][0]["size"]
    layer_sizes = [s["size"] for s in summary["steps"] if s["makes_layer"]]
    assert from_size + sum(layer_sizes) == summary["after_size"]
    changed = sum(s["size"] for s in summary["steps"] if s["changed"])
    assert summary["changed_bytes"] == changed and summary["changed_layers"] == 2
    assert summary["reference"] == PUSH and summary["digest"].startswith("sha256:")
    assert all(len(s["digest"]) == 12 for s in summary["steps"] if s["makes_layer"])


def test_summary_of_deps_first_marks_only_the_copy() -> None:
    summary = build(DEPS_FIRST).to_dict()
    assert [s["instruction"] for s in summary["steps"] if s["changed"]] == ["COPY"]
