"""The layers, pull-secrets and tags-and-digests lessons: their challenges work in the simulator,
their bodies render, and every text they quote is what the simulator prints."""

from __future__ import annotations

import re

import pytest

from lessons.loader import load_content
from lessons.models import Challenge, Lesson, Scenario
from sandbox.engine import Trace, check_goals, load_manifests, simulate
from sandbox.engine.render import describe_pods, docker_pull_lines

pytestmark = pytest.mark.django_db

NEW_LESSONS = {
    "layers": "layer-cache",
    "pull-secrets": "private-registry",
    "tags-and-digests": "tag-drift",
}
CHALLENGES = [
    ("layers", "ship-v2-cheaply"),
    ("layers", "reuse-cached-base"),
    ("pull-secrets", "private-pull"),
    ("pull-secrets", "service-account-secret"),
    ("tags-and-digests", "same-image-everywhere"),
    ("tags-and-digests", "pin-the-cached-build"),
]


@pytest.fixture
def course() -> None:
    load_content()


def run_in(lesson: Lesson, manifest: str, scenario_slug: str | None = None) -> Trace:
    scenario = Scenario.objects.get(slug=scenario_slug) if scenario_slug else lesson.scenario
    assert scenario is not None
    return simulate(load_manifests(manifest), scenario.load())


def goal_results(challenge: Challenge, manifest: str) -> dict[str, bool]:
    scenario = challenge.effective_scenario()
    assert scenario is not None
    trace = simulate(load_manifests(manifest), scenario.load())
    return {r.goal: r.passed for r in check_goals(trace, challenge.goals)}


def sandbox_blocks(lesson: Lesson) -> list[str]:
    return re.findall(r"```sandbox\n(.*?)```", lesson.body, re.DOTALL)


def one_line(text: str) -> str:
    """Markdown prose wraps lines: compare quoted texts with their whitespace collapsed."""
    return " ".join(text.split())


def with_image(manifest: str, image: str, policy: str | None = None) -> str:
    """The manifest with its one container image replaced, and a pull policy added under it."""
    match = re.search(r"^( *)image: .*$", manifest, re.MULTILINE)
    assert match is not None
    line = f"{match.group(1)}image: {image}"
    if policy:
        line += f"\n{match.group(1)}imagePullPolicy: {policy}"
    return manifest[:match.start()] + line + manifest[match.end():]


def event_messages(trace: Trace, reason: str) -> list[str]:
    return [e.message for e in trace.events if e.reason == reason]


# --- every lesson and challenge -------------------------------------------------------------

@pytest.mark.parametrize(("lesson_slug", "challenge_slug"), CHALLENGES)
def test_new_challenge_solution_meets_every_goal(course, lesson_slug, challenge_slug):
    challenge = Challenge.objects.get(lesson__slug=lesson_slug, slug=challenge_slug)
    results = goal_results(challenge, challenge.solution)
    assert results and all(results.values()), results


@pytest.mark.parametrize(("lesson_slug", "challenge_slug"), CHALLENGES)
def test_new_challenge_starter_fails_at_least_one_goal(course, lesson_slug, challenge_slug):
    challenge = Challenge.objects.get(lesson__slug=lesson_slug, slug=challenge_slug)
    results = goal_results(challenge, challenge.starter_manifest)
    assert not all(results.values()), results


@pytest.mark.parametrize(("lesson_slug", "challenge_slug"), CHALLENGES)
def test_new_challenge_has_two_or_three_hints(course, lesson_slug, challenge_slug):
    challenge = Challenge.objects.get(lesson__slug=lesson_slug, slug=challenge_slug)
    assert 2 <= len(challenge.hint_list()) <= 3


@pytest.mark.parametrize(("slug", "scenario"), sorted(NEW_LESSONS.items()))
def test_new_lesson_body_renders_a_described_diagram_and_a_sandbox(course, slug, scenario):
    lesson = Lesson.objects.get(slug=slug)
    assert lesson.published
    assert lesson.scenario is not None and lesson.scenario.slug == scenario
    html = lesson.body_html()
    diagrams = re.findall(r'<pre class="mermaid">(.*?)</pre>', html, re.DOTALL)
    assert diagrams
    for diagram in diagrams:
        assert "accTitle: " in diagram and "accDescr: " in diagram
    assert 'class="live-sandbox"' in html
    assert f'href="/sandbox/?scenario={scenario}"' in html
    # A fence nested in a list is not a fence to Python-Markdown: it would leak as inline code.
    assert not re.search(r"<code>(text|sh|yaml|dockerfile|mermaid|sandbox)\s", html)


@pytest.mark.parametrize("slug", sorted(NEW_LESSONS))
def test_new_lesson_sandbox_blocks_run_in_the_lesson_scenario(course, slug):
    lesson = Lesson.objects.get(slug=slug)
    blocks = sandbox_blocks(lesson)
    assert blocks
    for block in blocks:
        assert run_in(lesson, block).pods


def test_new_lessons_come_after_pull_policies_in_course_order(course):
    slugs = list(Lesson.objects.order_by("order", "title").values_list("slug", flat=True))
    assert slugs[:4] == ["pull-policies", "layers", "pull-secrets", "tags-and-digests"]


# --- layers: quoted pulls ---------------------------------------------------------------------

@pytest.mark.parametrize(("image", "downloaded"), [
    ("registry.company.com/copy-first:v2", 12_750_419),
    ("registry.company.com/deps-first:v2", 4_512),
])
def test_layers_lesson_quotes_the_docker_pull_lines_of_each_build(course, image, downloaded):
    lesson = Lesson.objects.get(slug="layers")
    trace = run_in(lesson, lesson.starter_manifest.replace(
        "registry.company.com/copy-first:v2", image))
    (pull,) = trace.pulls
    assert pull.bytes == downloaded
    lines = docker_pull_lines(pull)
    layer_lines = [line for line in lines if re.match(r"[0-9a-f]{12}: ", line)]
    quoted = "\n".join([lines[0], *layer_lines])
    assert quoted in lesson.body
    assert event_messages(trace, "Pulled")[0].endswith("Image size: 58084764 bytes.")
    assert "Image size: 58084764 bytes." in lesson.body


def test_layers_lesson_quoted_layer_sizes_match_the_scenario(course):
    lesson = Lesson.objects.get(slug="layers")
    trace = run_in(lesson, lesson.starter_manifest)
    sizes = {layer.label.split(" (")[0]: layer.size for layer in trace.pulls[0].layers}
    assert sizes["COPY app.py ."] == 4_512  # "the 4,512-byte COPY layer", "4.5 kB"
    assert round(sizes["RUN pip install --no-cache-dir flask"] / 1e6, 1) == 12.7
    assert "4,512-byte" in lesson.body and "12.7 MB" in lesson.body


def test_cached_base_layers_make_the_slim_pull_download_nothing(course):
    challenge = Challenge.objects.get(lesson__slug="layers", slug="reuse-cached-base")
    scenario = challenge.effective_scenario()
    assert scenario is not None
    trace = simulate(load_manifests(challenge.solution), scenario.load())
    (pull,) = trace.pulls
    assert pull.outcome == "pulled" and pull.bytes == 0
    assert {layer.state for layer in pull.layers} == {"present"}


# --- pull secrets: quoted failures -----------------------------------------------------------

def test_pull_secrets_lesson_quotes_the_anonymous_refusal(course):
    lesson = Lesson.objects.get(slug="pull-secrets")
    trace = run_in(lesson, lesson.starter_manifest)
    failed = event_messages(trace, "Failed")
    assert failed[0] in lesson.body
    assert "pull access denied, repository does not exist or may require authorization" \
        in failed[0]
    assert set(failed[1:]) >= {"Error: ErrImagePull", "Error: ImagePullBackOff"}
    backoff = event_messages(trace, "BackOff")[0]
    assert one_line(backoff) in one_line(lesson.body)


def test_pull_secrets_lesson_quotes_the_missing_secret_warning(course):
    lesson = Lesson.objects.get(slug="pull-secrets")
    manifest = lesson.starter_manifest.replace(
        "  name: webapp\n", "  name: webapp\n  namespace: shop\n").replace(
        "spec:\n", "spec:\n  imagePullSecrets:\n    - name: company-registry-secret\n", 1)
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n"
    trace = run_in(lesson, namespace + manifest)
    (warning,) = set(event_messages(trace, "FailedToRetrieveImagePullSecret"))
    assert warning in lesson.body
    assert trace.pods[0].phase == "Pending"


def test_pull_secrets_lesson_quotes_the_wrong_password_error(course):
    lesson = Lesson.objects.get(slug="pull-secrets")
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n"
        "type: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: "
        "'{\"auths\":{\"registry.company.com\":{\"username\":\"myuser\",\"password\":\"nope\"}}}'"
        "\n---\n")
    manifest = lesson.starter_manifest.replace(
        "spec:\n", "spec:\n  imagePullSecrets:\n    - name: regcred\n", 1)
    trace = run_in(lesson, secret + manifest)
    failed = event_messages(trace, "Failed")[0]
    tail = failed.split('failed to resolve reference "registry.company.com/webapp:v1": ')[1]
    assert tail.startswith("failed to authorize: failed to fetch oauth token")
    assert tail in lesson.body


def test_secret_without_docker_server_does_not_match_the_private_registry(course):
    lesson = Lesson.objects.get(slug="pull-secrets")
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n"
        "type: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: "
        "'{\"auths\":{\"https://index.docker.io/v1/\":"
        "{\"username\":\"myuser\",\"password\":\"mypass123\"}}}'\n---\n")
    manifest = lesson.starter_manifest.replace(
        "spec:\n", "spec:\n  imagePullSecrets:\n    - name: regcred\n", 1)
    trace = run_in(lesson, secret + manifest)
    assert "pull access denied" in event_messages(trace, "Failed")[0]
    assert "https://index.docker.io/v1/" in lesson.body


def test_pull_secrets_lesson_quotes_the_shared_node_hole(course):
    lesson = Lesson.objects.get(slug="pull-secrets")
    manifest = """
apiVersion: v1
kind: Pod
metadata: {name: payments, namespace: team-a}
spec:
  imagePullSecrets: [{name: payments-pull}]
  containers: [{name: api, image: "registry.company.com/payments/api:1.4"}]
---
apiVersion: v1
kind: Pod
metadata: {name: borrower, namespace: team-b}
spec:
  containers: [{name: api, image: "registry.company.com/payments/api:1.4"}]
"""
    trace = run_in(lesson, manifest, scenario_slug="shared-node")
    assert {p.phase for p in trace.pods} == {"Running"}
    borrowed = [e.message for e in trace.events
                if e.pod == "team-b/borrower" and e.reason == "Pulled"]
    assert borrowed == [
        'Container image "registry.company.com/payments/api:1.4" already present on machine']
    assert borrowed[0] + "\n" in lesson.body
    always = manifest.rstrip().removesuffix("}]") + ", imagePullPolicy: Always}]\n"
    closed = run_in(lesson, always, scenario_slug="shared-node")
    phases = {p.name: p.phase for p in closed.pods}
    assert phases == {"payments": "Running", "borrower": "Pending"}


# --- tags and digests: quoted image IDs and events --------------------------------------------

def test_tags_lesson_quotes_the_image_ids_of_the_split_deployment(course):
    lesson = Lesson.objects.get(slug="tags-and-digests")
    trace = run_in(lesson, lesson.starter_manifest)
    by_node = {p.node: p.containers[0].image_id for p in trace.pods}
    assert by_node["node-2"] == by_node["node-3"] != by_node["node-1"]
    describe = describe_pods(trace)
    for image_id in set(by_node.values()):
        line = f"Image ID:       {image_id}\n"
        assert f"    {line}" in describe
        assert f"\n{line}" in lesson.body
    assert "\nImage:          registry.company.com/shop:stable\n" in lesson.body


def test_tags_lesson_quotes_always_and_if_not_present_with_a_digest(course):
    lesson = Lesson.objects.get(slug="tags-and-digests")
    pinned = "registry.company.com/shop@sha256:" \
        "398cbf71892b69f51f1357010e1d478ff5852cc277062389d1ffa12d588322dc"
    manifest = lesson.starter_manifest.replace("registry.company.com/shop:stable", pinned)
    cached = run_in(lesson, manifest)
    present = [m for m in event_messages(cached, "Pulled") if "already present" in m]
    assert len(present) == 1 and present[0] in lesson.body
    always = run_in(lesson, with_image(manifest, pinned, "Always"))
    node1 = next(p for p in always.pulls if p.node == "node-1")
    assert node1.outcome == "pulled" and node1.bytes == 0
    pod = next(p for p in always.pods if p.node == "node-1")
    pulled = [e.message for e in always.events
              if e.reason == "Pulled" and e.pod == f"{pod.namespace}/{pod.name}"]
    assert pulled[0] in lesson.body


@pytest.mark.parametrize("policy", ["Always", None])
def test_both_fixes_named_in_the_hints_make_the_replicas_agree(course, policy):
    challenge = Challenge.objects.get(lesson__slug="tags-and-digests",
                                      slug="same-image-everywhere")
    if policy:
        manifest = with_image(challenge.starter_manifest, "registry.company.com/shop:stable",
                              policy)
    else:
        manifest = challenge.solution
    results = goal_results(challenge, manifest)
    assert all(results.values()), results
    assert "imagePullPolicy: Always" in challenge.hints


@pytest.mark.parametrize(("image", "policy"), [
    # `Always` sends node-1 to the registry even for a digest it holds.
    ("registry.company.com/shop@sha256:"
     "398cbf71892b69f51f1357010e1d478ff5852cc277062389d1ffa12d588322dc", "Always"),
    # Another build's digest: node-1 must pull it.
    ("registry.company.com/shop@sha256:"
     "4626ec2bffc6a817fd9667fbe2a75cae68cf2a3ef1be01348e118a68b2ecd561", None),
])
def test_pinning_only_the_cached_build_with_if_not_present_passes(course, image, policy):
    challenge = Challenge.objects.get(lesson__slug="tags-and-digests",
                                      slug="pin-the-cached-build")
    manifest = with_image(challenge.starter_manifest, image, policy)
    results = goal_results(challenge, manifest)
    assert not all(results.values()), results
