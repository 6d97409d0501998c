"""Every runnable example of the seed (../shared/seed/) behaves in Lunchbox as on a real cluster.

The examples below are the seed's text, copied as test input. The copy of the seed lost its
indentation (and garbled its emoji comments, which are left out); the YAML here is indented the
way the original printed it, and `test_examples_are_the_seed_text` checks that every line is the
seed's. Where the seed is wrong for a real cluster, the test says what a cluster does instead,
and the lesson that teaches it is checked to say so too.
"""

from __future__ import annotations

import re
import textwrap
from functools import cache
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from sandbox.engine import (
    InvalidReference,
    ManifestError,
    Scenario,
    Trace,
    default_pull_policy,
    evaluate,
    load_paste,
    load_scenario,
    parse_reference,
)
from sandbox.engine.console import DEFAULT_KEY, ClusterState, new_cluster, run_command

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "lessons" / "content"
SEED = ROOT.parent / "shared" / "seed" / "container-images-seed.txt"

# --- the seed's examples -----------------------------------------------------------------------

DOCKERFILE = """\
# Each line creates a layer!
FROM python:3.11 # Layer 1: Base
COPY app.py /app # Layer 2: Your code
RUN pip install flask # Layer 3: Libraries
"""
POLICIES = ["imagePullPolicy: Always", "imagePullPolicy: IfNotPresent", "imagePullPolicy: Never"]
MYAPP_V2 = """\
spec:
  containers:
  - name: my-app
    image: myapp:v2
    imagePullPolicy: IfNotPresent
"""
CREATE_SECRET = """\
kubectl create secret docker-registry my-secret \\
--docker-server=registry.example.com \\
--docker-username=myuser \\
--docker-password=mypass123
"""
PRIVATE_APP = """\
apiVersion: v1
kind: Pod
metadata:
  name: private-app
spec:
  containers:
  - name: app
    image: registry.example.com/myapp:v1
    imagePullSecrets:
    - name: my-secret
"""
MY_SA = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: my-sa
imagePullSecrets:
- name: my-secret
"""
TAGS = ["myapp:latest", "myapp:v2.1", "myapp:stable", "nginx:1.25"]
NGINX_CONTAINER = """\
containers:
- name: web
  image: nginx:1.25
"""
DIGESTS = ["myapp@sha256:abc123def456...", "myapp@sha256:a3ed95caeb02...", "nginx@sha256:abc..."]
DOCKER_INSPECT = """\
docker inspect nginx:1.25 \\
--format='{{.RepoDigests}}'
"""
MY_WEBAPP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-webapp
spec:
  replicas: 3
  selector:
    matchLabels:
      app: webapp
  template:
    metadata:
      labels:
        app: webapp
    spec:
      # Use our VIP pass for private images
      imagePullSecrets:
      - name: company-registry-secret
      containers:
      - name: web
        # Using digest for production safety!
        image: registry.company.com/webapp@sha256:abc123
        imagePullPolicy: IfNotPresent
"""
EXAMPLES = {
    "dockerfile": DOCKERFILE, "myapp-v2": MYAPP_V2, "create-secret": CREATE_SECRET,
    "private-app": PRIVATE_APP, "my-sa": MY_SA, "nginx-container": NGINX_CONTAINER,
    "docker-inspect": DOCKER_INSPECT, "my-webapp": MY_WEBAPP,
    **{f"policy-{p.split()[-1]}": p for p in POLICIES},
    **{f"tag-{t}": t for t in TAGS}, **{f"digest-{i}": d for i, d in enumerate(DIGESTS)},
}

# --- helpers -----------------------------------------------------------------------------------


def without_comment(line: str) -> str:
    """A YAML or shell line without a trailing ` # …` comment, stripped."""
    return re.sub(r"(^|\s+)#.*$", "", line.strip())


@cache
def scenario(slug: str) -> Scenario:
    return load_scenario((CONTENT / "scenarios" / f"{slug}.yaml").read_text(encoding="utf-8"))


@cache
def lesson_body(slug: str) -> str:
    """A lesson's body with its lines joined, as a reader sees the wrapped prose."""
    lesson = YAML(typ="safe").load((CONTENT / f"{slug}.yaml").read_text(encoding="utf-8"))
    return " ".join(lesson["body"].split())


def in_body(slug: str, text: str) -> bool:
    return " ".join(text.split()) in lesson_body(slug)


def pod(spec: str, name: str = "my-app", node: str | None = None) -> str:
    """A Pod around a `spec:` fragment (the seed prints some pods from `spec:` down)."""
    manifest = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n{spec}"
    if node:
        manifest = manifest.replace(
            "spec:\n", f"spec:\n  nodeSelector:\n    kubernetes.io/hostname: {node}\n", 1)
    return manifest


def run(manifest: str, slug: str) -> Trace:
    return evaluate(manifest, scenario(slug)).trace


def messages(trace: Trace, reason: str) -> list[str]:
    return [e.message for e in trace.events if e.reason == reason]


def console(slug: str, lines: list[str], editor: str = "") -> tuple[ClusterState, list[str]]:
    """Run console lines in a new cluster of `slug`; each must succeed. Their outputs."""
    state = new_cluster(scenario(slug), key=DEFAULT_KEY)
    outputs = []
    for line in lines:
        state, result = run_command(state, line, files={"-": editor}, key=DEFAULT_KEY)
        assert result.exit_code == 0, (line, result.error)
        outputs.append(result.output)
    return state, outputs


def one_line(command: str) -> str:
    """A shell command continued with `\\` as one console line."""
    return " ".join(command.replace("\\\n", " ").split())


def seed_build_scenario(dockerfile: str) -> str:
    """The app built from `dockerfile` with app.py v1 and v2; node-1 holds v1."""
    body = textwrap.indent(dockerfile, " " * 6)
    return (
        "name: Seed build\nregistries:\n  - host: registry.company.com\nbuilds:\n"
        f"  - dockerfile: |\n{body}    files: {{app.py: v1}}\n"
        "    push: registry.company.com/lunchbox:v1\n"
        f"  - dockerfile: |\n{body}    files: {{app.py: v2}}\n"
        "    push: registry.company.com/lunchbox:v2\n"
        "nodes:\n  - name: node-1\n    images: [registry.company.com/lunchbox:v1]\n"
    )


def lunchbox_pod(image: str) -> str:
    return pod(f"spec:\n  containers:\n  - name: app\n    image: {image}\n", name="lunchbox")


# --- the test data is the seed's text ----------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_are_the_seed_text(name: str) -> None:
    if not SEED.exists():
        pytest.skip(f"{SEED} is not here")
    # The Dockerfile keeps its comments: where they stand is what the test is about.
    strip = str.strip if name == "dockerfile" else without_comment
    seed = [strip(line) for line in SEED.read_text(encoding="utf-8").splitlines() if strip(line)]
    example = [strip(line) for line in EXAMPLES[name].splitlines() if strip(line)]
    joined = "\n".join(seed)
    if len(example) == 1:  # a snippet quoted inside a line of the seed
        assert example[0] in joined
    else:
        assert "\n".join(example) in joined


# --- the Dockerfile ----------------------------------------------------------------------------

def test_the_seed_dockerfile_as_printed_does_not_build():
    # Docker reads `#` as a comment only at the start of a line: after FROM and COPY the words
    # are arguments. RUN is spared because /bin/sh reads the rest as a comment.
    with pytest.raises(ManifestError) as caught:
        load_scenario(seed_build_scenario(DOCKERFILE))
    problems = {(p.line, p.message) for p in caught.value.problems}
    line_1 = 6  # the scenario line that holds line 1 of the first build's Dockerfile
    assert (line_1 + 1, "FROM requires either one or three arguments") in problems
    assert (line_1 + 2, "When using COPY with more than one source file, the destination "
            "must be a directory and end with a /") in problems
    assert not any(line == line_1 + 3 for line, _ in problems)
    assert in_body("layers", "FROM requires either one or three arguments")
    assert in_body("layers", "When using COPY with more than one source file, the destination "
                   "must be a directory and end with a /")


def comments_on_their_own_lines(dockerfile: str) -> str:
    lines = []
    for line in dockerfile.splitlines():
        instruction, _, comment = line.partition(" # ")
        lines.extend([f"# {comment}", instruction] if comment else [instruction])
    return "\n".join(lines) + "\n"


def test_changing_only_app_py_downloads_the_pip_layer_again():
    # The seed says a change to the code downloads only the changed layer. With COPY before
    # RUN pip install, the pip layer is rebuilt too, and a node holding v1 downloads both.
    world = load_scenario(seed_build_scenario(comments_on_their_own_lines(DOCKERFILE)))
    (pull,) = evaluate(lunchbox_pod("registry.company.com/lunchbox:v2"), world).trace.pulls
    downloaded = [layer.label.split(" (")[0] for layer in pull.layers
                  if layer.state == "downloaded"]
    assert downloaded == ["COPY app.py /app", "RUN pip install flask"]
    assert pull.bytes > 12_000_000
    # FROM is not one layer: python:3.11 brings seven, all already on the node.
    assert len(pull.layers) == 9
    assert [layer.state for layer in pull.layers[:7]] == ["present"] * 7


def test_the_lunchbox_scenario_shows_what_the_layers_lesson_quotes():
    trace = run(lunchbox_pod("registry.company.com/lunchbox:v2"), "lunchbox-build")
    reordered = run(lunchbox_pod("registry.company.com/lunchbox-reordered:v2"), "lunchbox-build")
    assert (trace.pulls[0].bytes, reordered.pulls[0].bytes) == (12_347_303, 4_512)
    assert in_body("layers", "downloads 12,347,303 bytes") and in_body("layers", "4,512 bytes")
    assert [layer.state for layer in reordered.pulls[0].layers].count("downloaded") == 1


# --- pull policies and the pull-decision graph -------------------------------------------------

@pytest.mark.parametrize("snippet", POLICIES)
def test_each_policy_snippet_is_a_valid_container_field(snippet: str) -> None:
    manifest = pod("spec:\n  containers:\n  - name: web\n    image: nginx:1.25\n"
                   f"    {snippet}\n", node="node-1")
    (status,) = run(manifest, "two-nodes").pods[0].containers
    assert status.pull_policy == snippet.split()[-1]
    assert status.pull_policy_source == "written in the manifest"


# (policy, image on the node?) -> what the kubelet does. The seed's graph has the two `Never`
# rows the other way round: an error when the image is present, a pull when it is not.
DECISIONS = {
    ("Always", True): ("pulls", "Running"),
    ("Always", False): ("pulls", "Running"),
    ("IfNotPresent", True): ("uses the cached image", "Running"),
    ("IfNotPresent", False): ("pulls", "Running"),
    ("Never", True): ("uses the cached image", "Running"),
    ("Never", False): ("fails without pulling", "ErrImageNeverPull"),
}


@pytest.mark.parametrize(("policy", "present"), sorted(DECISIONS))
def test_pull_decision_for_every_policy(policy: str, present: bool) -> None:
    node = "node-1" if present else "node-2"  # two-nodes: only node-1 holds nginx:1.25
    manifest = pod("spec:\n  containers:\n  - name: web\n    image: nginx:1.25\n"
                   f"    imagePullPolicy: {policy}\n", node=node)
    trace = run(manifest, "two-nodes")
    did, status = DECISIONS[(policy, present)]
    assert trace.pods[0].status == status
    pulled = [p for p in trace.pulls if p.outcome == "pulled"]
    if did == "pulls":
        assert pulled and messages(trace, "Pulling") == ['Pulling image "nginx:1.25"']
    else:
        assert not trace.pulls
    if did == "uses the cached image":
        assert messages(trace, "Pulled") == ['Container image "nginx:1.25" already present on '
                                             "machine and can be accessed by the pod"]
    if did == "fails without pulling":
        assert 'Container image "nginx:1.25" is not present with pull policy of Never' in \
            messages(trace, "ErrImageNeverPull")


def test_never_with_the_image_present_runs_from_the_cache_and_the_lesson_says_so():
    manifest = pod(MYAPP_V2.replace("IfNotPresent", "Never"), node="kind-worker")
    trace = run(manifest, "kind-cluster")
    assert trace.pods[0].phase == "Running" and not trace.pulls
    assert in_body("pull-policies", "A diagram that gets `Never` backwards")
    assert in_body("pull-policies", "| yes | an error | uses it: `already present on machine`")


@pytest.mark.parametrize(("node", "status"), [("kind-worker", "Running"),
                                              ("kind-worker2", "ImagePullBackOff")])
def test_the_myapp_v2_pod_runs_only_where_the_image_was_loaded(node: str, status: str) -> None:
    # myapp:v2 was loaded onto kind-worker by hand; Docker Hub has no such repository.
    trace = run(pod(MYAPP_V2, node=node), "kind-cluster")
    assert trace.pods[0].status == status
    if status == "Running":
        assert not trace.pulls
    else:
        assert "pull access denied, repository does not exist or may require authorization" \
            in messages(trace, "Failed")[0]


def test_if_not_present_is_the_default_only_for_tags_other_than_latest():
    assert default_pull_policy("myapp:latest") == "Always"
    assert {default_pull_policy(tag) for tag in TAGS[1:]} == {"IfNotPresent"}


# --- the pull secret, the private-app Pod and the ServiceAccount --------------------------------

def test_the_create_secret_command_makes_a_dockerconfigjson_secret_for_the_registry():
    (secret,) = load_paste(CREATE_SECRET)
    assert (secret.kind, secret.name, secret.body["type"]) == (
        "Secret", "my-secret", "kubernetes.io/dockerconfigjson")
    created, _ = console("vip-pass", [one_line(CREATE_SECRET)])
    fixed = PRIVATE_APP.replace("    imagePullSecrets:\n    - name: my-secret\n", "").replace(
        "spec:\n", "spec:\n  imagePullSecrets:\n  - name: my-secret\n")
    state, result = run_command(created, "kubectl apply -f -", files={"-": fixed},
                                key=DEFAULT_KEY)
    assert result.exit_code == 0 and result.trace is not None
    assert [p.phase for p in result.trace.pods] == ["Running"]
    assert result.trace.pods[0].pull_secrets_from == "pod"


def test_the_private_app_pod_as_printed_is_refused_by_strict_decoding():
    with pytest.raises(ManifestError) as caught:
        load_paste(PRIVATE_APP)
    first = caught.value.problems[0]
    expected = ('Error from server (BadRequest): error when creating "STDIN": Pod in version '
                '"v1" cannot be handled as a Pod: strict decoding error: unknown field '
                '"spec.containers[0].imagePullSecrets"')
    assert first.message == expected
    assert any(p.line == 9 for p in caught.value.problems)  # the misplaced key
    assert in_body("pull-secrets", expected)


def test_the_seed_service_account_hands_its_pass_to_pods_that_name_it():
    secret = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: my-secret\n"
              "type: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: "
              "'{\"auths\":{\"registry.example.com\":{\"username\":\"myuser\","
              "\"password\":\"mypass123\"}}}'\n")
    app = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: private-app\nspec:\n"
           "  serviceAccountName: my-sa\n  containers:\n  - name: app\n"
           "    image: registry.example.com/myapp:v1\n")
    trace = run("---\n".join([secret, MY_SA, app]), "vip-pass")
    (status,) = trace.pods
    assert (status.phase, status.pull_secrets_from, status.image_pull_secrets) == (
        "Running", "serviceaccount", ("my-secret",))
    without = run("---\n".join([secret, MY_SA, app.replace("  serviceAccountName: my-sa\n", "")]),
                  "vip-pass")
    assert without.pods[0].phase == "Pending"  # the default account carries no pass


# --- tags, digests and finding a digest -------------------------------------------------------

@pytest.mark.parametrize("tag", TAGS)
def test_the_seed_tags_are_valid_references(tag: str) -> None:
    assert parse_reference(tag).tag == tag.split(":")[1]


def test_the_nginx_container_uses_the_copy_on_the_node():
    trace = run(pod("spec:\n" + textwrap.indent(NGINX_CONTAINER, "  "), name="web", node="node-1"),
                "two-nodes")
    assert trace.pods[0].phase == "Running" and not trace.pulls


def test_a_tag_that_moves_gives_two_replicas_two_programs():
    world = load_scenario(
        "name: Moved\nnodes:\n  - name: node-1\n    images:\n"
        "      - {ref: registry.company.com/myapp:v2, image: build-1}\n  - name: node-2\n"
        "registries:\n  - host: registry.company.com\n    repositories:\n      myapp:\n"
        "        images:\n"
        "          build-1: {layers: [{id: base, size: 5MB}, {id: a1, size: 1MB}]}\n"
        "          build-2: {layers: [{id: base, size: 5MB}, {id: a2, size: 1MB}]}\n"
        "        tags: {v2: build-2}\n")
    deployment = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
                  "  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n"
                  "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
                  "      - {name: web, image: registry.company.com/myapp:v2}\n")
    trace = evaluate(deployment, world).trace
    assert len({p.containers[0].image_id for p in trace.pods}) == 2


@pytest.mark.parametrize("digest", DIGESTS)
def test_the_seed_digests_are_placeholders_not_digests(digest: str) -> None:
    with pytest.raises(InvalidReference):
        parse_reference(digest)


def test_finding_a_digest_the_seed_way_needs_the_image_pulled_first():
    state, _ = console("two-nodes", [])
    inspect = one_line(DOCKER_INSPECT)
    state, before = run_command(state, inspect, key=DEFAULT_KEY)
    assert (before.exit_code, before.error) == (1, "Error: No such object: nginx:1.25\n")
    state, outputs = console("two-nodes", ["docker pull nginx:1.25", inspect,
                                           "crane digest nginx:1.25"])
    digest = outputs[2].strip()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
    assert outputs[1] == f"[nginx@{digest}]\n"
    assert in_body("tags-and-digests", "docker inspect nginx:1.25 --format='{{.RepoDigests}}'")


# --- the my-webapp Deployment ------------------------------------------------------------------

def test_my_webapp_as_printed_waits_with_invalid_image_name():
    trace = run(MY_WEBAPP, "private-registry")
    assert [p.status for p in trace.pods] == ["InvalidImageName"] * 3
    assert not trace.pulls
    message = ('Failed to apply default image tag "registry.company.com/webapp@sha256:abc123": '
               'couldn\'t parse image name "registry.company.com/webapp@sha256:abc123": '
               "invalid reference format")
    assert set(messages(trace, "InspectFailed")) == {message}
    assert set(messages(trace, "Failed")) == {"Error: InvalidImageName"}
    assert in_body("production-webapp", message)


def test_my_webapp_runs_once_it_has_the_digest_crane_finds():
    _, (digest,) = console("private-registry", ["crane digest registry.company.com/webapp:v2"])
    fixed = MY_WEBAPP.replace("sha256:abc123", digest.strip())
    trace = run(fixed, "private-registry")
    assert [p.phase for p in trace.pods] == ["Running"] * 3
    assert len({p.containers[0].image_id for p in trace.pods}) == 1
    assert in_body("production-webapp", f"prints `{digest.strip()}`")
