"""`build_image`: which instructions make layers, how the build cache chains, sizes, errors,
the scenario `builds:` field, and the shipped layer-cache scenario."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sandbox.engine import load_manifests, load_scenario, simulate
from sandbox.engine.dockerfile import Build, BuildFile, build_image
from sandbox.engine.problems import ManifestError, Problem
from sandbox.engine.world import Image, Layer

SHIPPED = Path(__file__).resolve().parents[2] / "lessons" / "content" / "scenarios"
MB = 1_000_000

PYTHON = Image("3.12-slim", (Layer("debian bookworm-slim rootfs", 29 * MB),
                             Layer("python 3.12 build", 16 * MB)))
PYTHON_NEXT = Image("3.12.9-slim", (Layer("debian bookworm-slim rootfs", 29 * MB),
                                    Layer("python 3.12.9 build", 16 * MB)))
ARM = Image("arm", (Layer("alpine arm64", 3 * MB),), architecture="arm64")
IMAGES = {
    "docker.io/library/python:3.12-slim": PYTHON,
    "docker.io/library/python:3.12.9-slim": PYTHON_NEXT,
    "docker.io/library/golang:1.23": Image("1.23", (Layer("golang", 300 * MB),)),
    "docker.io/library/alpine:arm": ARM,
}

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


def _build(dockerfile: str, files: dict[str, str | BuildFile] | None = None,
           architecture: str = "amd64") -> Build:
    return build_image(textwrap.dedent(dockerfile), files if files is not None else {},
                       base=IMAGES.get, architecture=architecture, build_id="test")


def _problems(dockerfile: str, files: dict[str, str | BuildFile] | None = None) -> list[Problem]:
    with pytest.raises(ManifestError) as caught:
        _build(dockerfile, files)
    return list(caught.value.problems)


def _digests(build: Build) -> list[str]:
    return [layer.digest for layer in build.image.layers]


# --- which instructions make a layer --------------------------------------------------------


def test_from_image_layers_are_the_first_layers() -> None:
    build = _build(COPY_FIRST, {"app.py": "v1"})
    assert build.image.layers[:2] == PYTHON.layers
    assert build.base == "docker.io/library/python:3.12-slim"
    assert build.base_layers == 2


@pytest.mark.parametrize("instruction", [
    "RUN pip install flask",
    "COPY app.py /app/",
    "ADD app.py /app/",
    "ADD https://example.com/tool.tar.gz /opt/",
])
def test_run_copy_and_add_each_make_a_layer(instruction: str) -> None:
    build = _build(f"FROM python:3.12-slim\n{instruction}\n", {"app.py": "v1"})
    step = build.steps[-1]
    assert step.makes_layer and step.layer is not None
    assert build.image.layers == PYTHON.layers + (step.layer,)


@pytest.mark.parametrize("instruction, change", [
    ("ENV FLASK_ENV=production", "Env FLASK_ENV=production"),
    ("USER 1000:1000", "User 1000:1000"),
    ("EXPOSE 8000", "ExposedPorts 8000/tcp"),
    ('CMD ["python", "app.py"]', 'Cmd ["python", "app.py"]'),
    ("ENTRYPOINT python", 'Entrypoint ["/bin/sh", "-c", "python"]'),
    ("ARG VERSION=1", "build argument VERSION"),
    ('LABEL org.opencontainers.image.title="shop"', "Labels org.opencontainers.image.title=shop"),
])
def test_env_changes_config_but_makes_no_layer(instruction: str, change: str) -> None:
    build = _build(f"FROM python:3.12-slim\n{instruction}\n")
    assert build.image.layers == PYTHON.layers
    assert not build.steps[-1].makes_layer
    assert build.steps[-1].layer is None
    assert build.steps[-1].config == change


@pytest.mark.parametrize("dockerfile, makes_layer", [
    ("FROM python:3.12-slim\nWORKDIR /app\n", True),  # new directory: BuildKit's mkdir
    ("FROM python:3.12-slim\nWORKDIR /usr/src\n", False),  # exists in every base image
    ("FROM python:3.12-slim\nWORKDIR /app\nWORKDIR /app\n", False),  # made by the first one
    ("FROM python:3.12-slim\nRUN mkdir -p /srv/app\nWORKDIR /srv/app\n", False),
    ("FROM python:3.12-slim\nCOPY app.py /app/\nWORKDIR /app\n", False),
    ("FROM python:3.12-slim\nWORKDIR /app\nWORKDIR src\n", True),  # /app/src is new
])
def test_workdir_makes_a_layer_only_when_it_creates_the_directory(dockerfile: str,
                                                                  makes_layer: bool) -> None:
    build = _build(dockerfile, {"app.py": "v1"})
    assert build.steps[-1].instruction == "WORKDIR"
    assert build.steps[-1].makes_layer is makes_layer


def test_workdir_relative_path_joins_the_previous_one() -> None:
    build = _build("FROM python:3.12-slim\nWORKDIR /app\nWORKDIR src\n")
    assert build.config.workdir == "/app/src"


# --- the build cache chain ------------------------------------------------------------------


def test_changing_a_copied_file_invalidates_that_layer_and_every_later_one() -> None:
    v1 = _build(COPY_FIRST, {"app.py": "v1"})
    v2 = _build(COPY_FIRST, {"app.py": "v2"})
    first, second = _digests(v1), _digests(v2)
    copy_at = 3  # two base layers, WORKDIR, then COPY app.py
    assert first[:copy_at] == second[:copy_at]
    assert all(a != b for a, b in zip(first[copy_at:], second[copy_at:], strict=True))
    assert v1.steps[3].cache_key != v2.steps[3].cache_key  # the RUN above it is rebuilt too


def test_changing_a_file_copied_last_keeps_every_earlier_layer() -> None:
    first = _digests(_build(DEPS_FIRST, {"app.py": "v1"}))
    second = _digests(_build(DEPS_FIRST, {"app.py": "v2"}))
    assert first[:-1] == second[:-1]
    assert first[-1] != second[-1]


def test_a_file_the_copy_does_not_take_does_not_invalidate_it() -> None:
    dockerfile = ("FROM python:3.12-slim\nCOPY requirements.txt .\n"
                  "RUN pip install -r requirements.txt\n")
    first = _build(dockerfile, {"requirements.txt": "v1", "app.py": "v1"})
    second = _build(dockerfile, {"requirements.txt": "v1", "app.py": "v2"})
    assert _digests(first) == _digests(second)


def test_same_dockerfile_and_files_build_the_same_digests() -> None:
    first = _build(COPY_FIRST, {"app.py": "v1"})
    second = _build(COPY_FIRST, {"app.py": "v1"})
    assert first.image.manifest_digest == second.image.manifest_digest
    assert [s.cache_key for s in first.steps] == [s.cache_key for s in second.steps]


def test_a_new_base_image_invalidates_every_built_layer() -> None:
    first = _build(DEPS_FIRST, {"app.py": "v1"})
    second = _build(DEPS_FIRST.replace("3.12-slim", "3.12.9-slim"), {"app.py": "v1"})
    built = len(first.image.layers) - first.base_layers
    assert set(_digests(first)[-built:]).isdisjoint(_digests(second)[-built:])


def test_env_change_invalidates_later_run_layers() -> None:
    template = "FROM python:3.12-slim\nENV PIP_INDEX_URL={}\nRUN pip install flask\n"
    first = _build(template.format("https://pypi.org/simple"))
    second = _build(template.format("https://mirror.company.com/simple"))
    assert _digests(first)[-1] != _digests(second)[-1]


def test_label_change_keeps_later_layers_cached() -> None:
    template = "FROM python:3.12-slim\nLABEL version={}\nRUN pip install flask\n"
    assert _digests(_build(template.format("1"))) == _digests(_build(template.format("2")))


def test_editing_a_run_command_invalidates_it_and_later_layers() -> None:
    template = "FROM python:3.12-slim\nRUN pip install {}\nCOPY app.py .\n"
    first = _digests(_build(template.format("flask"), {"app.py": "v1"}))
    second = _digests(_build(template.format("django"), {"app.py": "v1"}))
    assert first[:2] == second[:2]
    assert first[2] != second[2] and first[3] != second[3]


# --- COPY sources ---------------------------------------------------------------------------


def test_copy_dot_takes_every_file_and_sums_given_sizes() -> None:
    files: dict[str, str | BuildFile] = {
        "app.py": BuildFile("v1", 3_000), "static/logo.png": BuildFile("v1", 50_000),
    }
    build = _build("FROM python:3.12-slim\nCOPY . .\n", files)
    step = build.steps[-1]
    assert step.inputs == ("app.py@v1", "static/logo.png@v1")
    assert step.layer is not None and 53_000 <= step.layer.size < 54_000


@pytest.mark.parametrize("source, taken", [
    ("*.py", ("app.py@v1", "models.py@v1")),
    ("src", ("src/a.py@v1", "src/deep/b.py@v1")),
    ("./src/", ("src/a.py@v1", "src/deep/b.py@v1")),
    ("src/*.py", ("src/a.py@v1",)),  # `*` never crosses a `/`
    ("[am]*.py", ("app.py@v1", "models.py@v1")),
    ("/app.py", ("app.py@v1",)),  # a leading `/` is the context root
])
def test_copy_sources_match_files_as_docker_globs_do(source: str,
                                                     taken: tuple[str, ...]) -> None:
    files: dict[str, str | BuildFile] = {
        "app.py": "v1", "models.py": "v1", "src/a.py": "v1", "src/deep/b.py": "v1",
        "README.md": "v1",
    }
    build = _build(f"FROM python:3.12-slim\nCOPY {source} /app/\n", files)
    assert build.steps[-1].inputs == taken


def test_copy_flags_and_json_form_are_accepted() -> None:
    build = _build('FROM python:3.12-slim\nCOPY --chown=app:app --chmod=644 ["app.py", "/app/"]\n',
                   {"app.py": "v1"})
    assert build.steps[-1].inputs == ("app.py@v1",)


def test_copy_from_an_earlier_stage_takes_only_the_last_stage_into_the_image() -> None:
    dockerfile = """\
        FROM golang:1.23 AS build
        COPY main.go .
        RUN go build -o /out/app main.go
        FROM python:3.12-slim
        COPY --from=build /out/app /usr/local/bin/app
        """
    first = _build(dockerfile, {"main.go": "v1"})
    second = _build(dockerfile, {"main.go": "v2"})
    assert first.image.layers[:2] == PYTHON.layers and len(first.image.layers) == 3
    assert {step.stage for step in first.steps} == {0, 1}
    assert first.image.layers[-1].digest != second.image.layers[-1].digest


# --- sizes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("instruction, low, high", [
    ("RUN pip install flask", 10 * MB, 15 * MB),
    ("RUN apt-get update && apt-get install -y curl git", 20 * MB, 100 * MB),
    ("RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
     10 * MB, 20 * MB),
    ("COPY app.py .", 1_000, 10_000),
    ("RUN useradd app", 1_000, 10_000),
])
def test_layer_sizes_are_plausible_for_the_instruction(instruction: str, low: int,
                                                       high: int) -> None:
    layer = _build(f"FROM python:3.12-slim\n{instruction}\n", {"app.py": "v1"}).steps[-1].layer
    assert layer is not None and low <= layer.size <= high


def test_size_hint_comment_sets_the_layer_size() -> None:
    build = _build("FROM python:3.12-slim\n# size: 48MB\nRUN ./install.sh\n")
    assert build.image.layers[-1].size == 48 * MB


def test_size_hint_applies_only_to_the_instruction_right_below() -> None:
    build = _build("FROM python:3.12-slim\n# size: 48MB\n\nRUN ./install.sh\n")
    assert build.image.layers[-1].size != 48 * MB


# --- reading the text -----------------------------------------------------------------------


def test_continuations_and_comments_join_into_one_instruction() -> None:
    build = _build("""\
        # syntax=docker/dockerfile:1
        from python:3.12-slim
        RUN apt-get update \\
        # a comment inside the instruction is dropped
            && apt-get install -y curl
        """)
    run = build.steps[-1]
    assert run.text == "RUN apt-get update && apt-get install -y curl"
    assert run.line == 3


@pytest.mark.parametrize("instruction, cmd", [
    ('CMD ["python", "app.py"]', ("python", "app.py")),
    ("CMD python app.py", ("/bin/sh", "-c", "python app.py")),
])
def test_exec_form_runs_as_written_and_shell_form_under_sh(instruction: str,
                                                           cmd: tuple[str, ...]) -> None:
    assert _build(f"FROM python:3.12-slim\n{instruction}\n").config.cmd == cmd


def test_arg_before_from_is_legal_and_fills_the_from_reference() -> None:
    build = _build("ARG PY=3.12-slim\nFROM python:${PY}\nARG PY\nRUN echo $PY\n")
    assert build.base == "docker.io/library/python:3.12-slim"


def test_entrypoint_resets_an_inherited_cmd_but_keeps_one_set_in_the_stage() -> None:
    inherited = _build("FROM python:3.12-slim AS base\nCMD [\"a\"]\nFROM base\n"
                       "ENTRYPOINT [\"b\"]\n")
    same_stage = _build("FROM python:3.12-slim\nCMD [\"a\"]\nENTRYPOINT [\"b\"]\n")
    assert inherited.config.cmd is None
    assert same_stage.config.cmd == ("a",)


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dockerfile, message, line", [
    ("FROM python:3.12-slim\nRUNN pip install flask\n", "unknown instruction: RUNN", 2),
    ("RUN echo hi\nFROM python:3.12-slim\n", "no build stage in current context", 1),
    ("ARG A=1\n", "no build stage in current context", 1),
    ("FROM pythn:3.12\n",
     "failed to resolve source metadata for docker.io/library/pythn:3.12: not found", 1),
    ("FROM Python:3.12\n", "must be lowercase", 1),
    ("FROM alpine:arm\nRUN true\n", "linux/arm64 image", 1),
    ("FROM python:3.12-slim\nCOPY ap.py .\n", '"/ap.py": not found in the build context', 2),
    ("FROM python:3.12-slim\nCOPY *.go .\n", '"/*.go": not found', 2),
    ("FROM python:3.12-slim\nCOPY ../secret .\n", "outside the build context", 2),
    ("FROM python:3.12-slim\nCOPY app.py\n", "COPY requires at least two arguments", 2),
    ("FROM python:3.12-slim\nCOPY app.py app.py /app\n", "must be a directory and end with a /",
     2),
    ('FROM python:3.12-slim\nCMD ["python", app.py]\n', "CMD: malformed JSON array", 2),
    ("FROM python:3.12-slim\nCOPY --own=1 app.py .\n", "unknown flag: --own", 2),
    ("FROM python:3.12-slim\nEXPOSE http\n", "invalid containerPort: http", 2),
    ("FROM python:3.12-slim\nENV\n", "ENV requires at least one argument", 2),
    ("FROM python:3.12-slim\n# size: 12MB\nENV A=1\n", "ENV makes no layer", 3),
    ("FROM python:3.12-slim\n# size: lots\nRUN true\n", "size hint", 2),
    ("FROM python:3.12-slim\n# size: 0\nRUN true\n", "at least one byte", 2),
    ("FROM python:3.12-slim as\n", "FROM requires either one or three arguments", 1),
    ("FROM python:3.12-slim AS 1st\n", "invalid name for build stage", 1),
    ("FROM python:3.12-slim\nCOPY --from=9 /x /y\n", "no earlier stage 9", 2),
    ("FROM scratch\nCMD [\"app\"]\n", "the image has no layers", 2),
    ("", "the Dockerfile cannot be empty", 1),
    ("# only a comment\n\n", "the Dockerfile cannot be empty", 1),
])
def test_bad_dockerfiles_raise_positioned_errors(dockerfile: str, message: str,
                                                 line: int) -> None:
    problems = _problems(dockerfile, {"app.py": "v1"})
    assert any(message in p.message and p.line == line for p in problems), problems


def test_unknown_instruction_suggests_the_closest_one() -> None:
    [problem] = _problems("FROM python:3.12-slim\n  COPPY app.py .\n")
    assert (problem.line, problem.column) == (2, 3)
    assert problem.hint == 'did you mean "COPY"?'


def test_missing_copy_source_suggests_a_context_file() -> None:
    [problem] = _problems("FROM python:3.12-slim\nCOPY ap.py .\n", {"app.py": "v1"})
    assert problem.hint == 'did you mean "app.py"?'


def test_a_typo_in_from_is_not_also_reported_as_a_missing_stage() -> None:
    [problem] = _problems("FORM python:3.12-slim\nRUN true\n")
    assert problem.message == "unknown instruction: FORM"
    assert problem.hint == 'did you mean "FROM"?'


def test_every_problem_is_reported_at_once() -> None:
    problems = _problems("FROM python:3.12-slim\nRUNN x\nCOPY nothing.txt .\nEXPOSE x\n")
    assert [p.line for p in problems] == [2, 3, 4]


@pytest.mark.parametrize("dockerfile, message", [
    ("FROM python:3.12-slim\n" + "#" * 70_000 + "\n", "larger than 64 KiB"),
    ("FROM python:3.12-slim\n" + "ENV A=1\n" * 500, "more than 500 instructions"),
    ("FROM python:3.12-slim\nRUN \x00\n", "NUL"),
])
def test_hostile_dockerfiles_are_refused(dockerfile: str, message: str) -> None:
    problems = _problems(dockerfile)
    assert any(message in p.message for p in problems)


def test_pathological_glob_is_matched_without_backtracking() -> None:
    files: dict[str, str | BuildFile] = {"a" * 200: "v1"}
    problems = _problems("FROM python:3.12-slim\nCOPY " + "a*" * 100 + "b .\n", files)
    assert "not found" in problems[0].message


@pytest.mark.parametrize("files, message", [
    ({"../etc/passwd": "v1"}, "outside the build context"),
    ({"/abs.py": "v1"}, "must be relative"),
    ({"src": "v1", "src/a.py": "v1"}, "is a file"),
])
def test_bad_build_context_paths_are_refused(files: dict[str, str | BuildFile],
                                             message: str) -> None:
    problems = _problems("FROM python:3.12-slim\n", files)
    assert message in problems[0].message


# --- scenario builds ------------------------------------------------------------------------

SCENARIO = """\
registries:
  - host: registry.company.com
builds:
  - dockerfile: |
      FROM python:3.12-slim
      COPY app.py .
    files: {app.py: v1}
    push: registry.company.com/webapp:v1
  - dockerfile: |
      FROM registry.company.com/webapp:v1
      COPY app.py .
    files: {app.py: {version: v2, size: 3KB}}
    push: registry.company.com/webapp:v2
    id: build-2
    at: 30s
nodes:
  - name: node-1
    images: [registry.company.com/webapp:v1]
"""


def test_scenario_build_is_pushed_under_its_tag() -> None:
    scenario = load_scenario(SCENARIO)
    registry = scenario.registry("registry.company.com")
    assert registry is not None
    repository = registry.repository("webapp")
    assert repository is not None
    assert repository.tags == {"v1": "v1"}
    image = repository.images["v1"]
    assert isinstance(image, Image) and image.layers[-1].label.startswith("COPY app.py .")
    assert scenario.nodes[0].images[0].image == image


def test_scenario_build_at_a_later_time_becomes_a_timeline_push() -> None:
    scenario = load_scenario(SCENARIO)
    [entry] = scenario.timeline
    assert entry.at == 30.0 and entry.push is not None
    assert (entry.push.repository, entry.push.tag, entry.push.image) == (
        "registry.company.com/webapp", "v2", "build-2")
    registry = scenario.registry("registry.company.com")
    assert registry is not None and registry.repository("webapp") is not None
    image = registry.repositories["webapp"].images["build-2"]
    assert isinstance(image, Image) and image.layers[-1].size == 3_000 + 512


def test_scenario_dockerfile_errors_point_at_the_scenario_line() -> None:
    text = SCENARIO.replace("      COPY app.py .\n    files: {app.py: v1}",
                            "      COPPY app.py .\n    files: {app.py: v1}")
    with pytest.raises(ManifestError) as caught:
        load_scenario(text)
    problem = caught.value.problems[0]  # then the builds and node image that needed it
    assert problem.message == "unknown instruction: COPPY"
    assert (problem.line, problem.column) == (6, 7)  # the `|` is on line 4: Dockerfile line 2
    assert problem.path == "builds[0].dockerfile"


def test_scenario_dockerfile_in_quotes_names_the_dockerfile_line() -> None:
    text = 'builds:\n  - dockerfile: "FROM python:3.12-slim\\nRUNN x\\n"\n    push: nginx:mine\n'
    with pytest.raises(ManifestError) as caught:
        load_scenario(text)
    [problem] = caught.value.problems
    assert problem.message == "Dockerfile line 2: unknown instruction: RUNN"
    assert (problem.line, problem.column) == (2, 17)


@pytest.mark.parametrize("build, message", [
    ("push: registry.other.com/webapp:v1", "no registry 'registry.other.com'"),
    ("push: registry.company.com/webapp", "must name a tag"),
    ("push: registry.company.com/webapp:v1\n    at: 10m", "after the horizon"),
    ("push: registry.company.com/webapp:v1\n    files: {app.py: [v1]}", "a file is a version"),
    ("push: registry.company.com/webapp:v1\n    architecture: x86_64", "unknown architecture"),
    ("push: registry.company.com/webapp:v1\n    dockerfle: x", "unknown field 'dockerfle'"),
])
def test_scenario_build_fields_are_checked(build: str, message: str) -> None:
    text = ("registries:\n  - host: registry.company.com\nbuilds:\n"
            "  - dockerfile: |\n      FROM python:3.12-slim\n      RUN true\n    " + build + "\n")
    with pytest.raises(ManifestError) as caught:
        load_scenario(text)
    assert any(message in p.message for p in caught.value.problems), caught.value.problems


def test_two_builds_with_the_same_image_id_are_refused() -> None:
    text = SCENARIO.replace("    id: build-2\n", "    id: v1\n")
    with pytest.raises(ManifestError) as caught:
        load_scenario(text)
    assert "already has an image 'v1'" in caught.value.problems[0].message


# --- the shipped layer-cache scenario -------------------------------------------------------

V2_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
        - name: copy-first
          image: registry.company.com/copy-first:v2
          imagePullPolicy: IfNotPresent
        - name: deps-first
          image: registry.company.com/deps-first:v2
          imagePullPolicy: IfNotPresent
"""


def test_installing_dependencies_first_makes_a_code_change_download_only_the_app_layer() -> None:
    scenario = load_scenario((SHIPPED / "layer-cache.yaml").read_text())
    trace = simulate(load_manifests(V2_DEPLOYMENT), scenario)
    pulls = {pull.container: pull for pull in trace.pulls}
    copy_first, deps_first = pulls["copy-first"], pulls["deps-first"]
    assert copy_first.outcome == deps_first.outcome == "pulled"
    downloaded = {name: [layer.label for layer in pull.layers if layer.state == "downloaded"]
                  for name, pull in pulls.items()}
    assert [label.split(" (")[0] for label in downloaded["deps-first"]] == ["COPY app.py ."]
    assert [label.split(" (")[0] for label in downloaded["copy-first"]] == [
        "COPY app.py .", "RUN pip install --no-cache-dir flask"]
    assert deps_first.bytes < 10_000
    assert copy_first.bytes > 10 * MB > 1000 * deps_first.bytes
