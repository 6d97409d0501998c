"""Predict mode's questions: derived from what the kubelet did in the trace, bounded per run."""

from __future__ import annotations

import json

import pytest

from sandbox.engine import check_goals, load_goals, load_manifests, simulate
from sandbox.engine.problems import ManifestError
from sandbox.engine.render.predict import (
    MAX_POINTS,
    Prediction,
    PredictionScore,
    prediction_points,
    pull_result,
    score,
)
from sandbox.engine.trace import Trace
from sandbox.engine.world import (
    Account,
    Image,
    KubeletConfig,
    Layer,
    Node,
    NodeImage,
    Registry,
    Repository,
    Scenario,
)

NGINX = Image("1.25", (Layer("debian-bookworm-slim", 29_000_000), Layer("nginx-1.25", 41_000_000)))
APP = Image("build-2", (Layer("debian-12", 48_000_000), Layer("app-2", 1_000_000)))
PRIVATE = "registry.company.com/webapp:v2"
SECRET = """\
apiVersion: v1
kind: Secret
metadata: {name: regcred}
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{"auths":{"registry.company.com":{"username":"myuser","password":"%s"}}}'
---
"""
WITH_SECRET = "  imagePullSecrets: [{name: regcred}]\n"


def world(*nodes: Node, rate_limited: bool = False) -> Scenario:
    hub = Registry("docker.io", repositories={"library/nginx": Repository(
        "library/nginx", {"1.25": NGINX}, {"1.25": "1.25", "latest": "1.25"})})
    company = Registry("registry.company.com", private=True,
                       accounts=(Account("myuser", "mypass123"),), rate_limited=rate_limited,
                       repositories={"webapp": Repository("webapp", {"build-2": APP},
                                                          {"v2": "build-2"})})
    return Scenario("test", nodes=nodes or (Node("node-1"),), registries=(hub, company),
                    kubelet=KubeletConfig())


HAS_NGINX = Node("node-1", images=(NodeImage("docker.io/library/nginx:1.25", NGINX),))


def pod(image: str, policy: str | None = None, extra: str = "") -> str:
    line = f"\n      imagePullPolicy: {policy}" if policy else ""
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n{extra}"
            f"  containers:\n    - name: web\n      image: {image}{line}\n")


def run(manifest: str, scenario: Scenario) -> Trace:
    return simulate(load_manifests(manifest), scenario)


def answers(points: tuple[Prediction, ...]) -> dict[str, str]:
    return {p.kind: p.answer for p in points}


@pytest.mark.parametrize(("policy", "node", "expected"), [
    ("IfNotPresent", HAS_NGINX, {"policy": "IfNotPresent", "present": "use"}),
    ("IfNotPresent", Node("node-1"), {"policy": "IfNotPresent", "present": "pull",
                                      "credentials": "none", "pull": "pulled"}),
    ("Never", HAS_NGINX, {"policy": "Never", "present": "use"}),
    ("Never", Node("node-1"), {"policy": "Never", "present": "refuse"}),
    ("Always", HAS_NGINX, {"policy": "Always", "credentials": "none", "pull": "pulled"}),
])
def test_each_policy_asks_what_the_kubelet_did(policy: str, node: Node,
                                               expected: dict[str, str]) -> None:
    points = prediction_points(run(pod("nginx:1.25", policy), world(node)))
    assert answers(points) == expected


def test_a_defaulted_policy_is_asked_with_the_api_servers_rule() -> None:
    (first, *_) = prediction_points(run(pod("nginx"), world(HAS_NGINX)))
    assert first.kind == "policy" and first.answer == "Always"
    assert "no imagePullPolicy is written" in first.question
    assert "the tag is latest: defaulted to Always" in first.explanation
    assert "goes to the registry each time" in first.explanation


def test_questions_name_the_pod_container_node_image_and_policy() -> None:
    points = prediction_points(run(pod("nginx:1.25", "IfNotPresent"), world(HAS_NGINX)))
    present = next(p for p in points if p.kind == "present")
    for word in ("default/web", "container web", "node-1", "'nginx:1.25'", "IfNotPresent"):
        assert word in present.question
    assert present.explanation.startswith("With IfNotPresent the kubelet asks the runtime")
    assert "pulls only when it is not" in present.explanation
    assert [c.id for c in present.choices] == ["use", "pull", "refuse"]


def test_each_point_stops_before_the_step_that_gives_it_away() -> None:
    trace = run(pod("nginx:1.25", "IfNotPresent"), world(Node("node-1")))
    flows = {p.kind: trace.steps[p.step].flow for p in prediction_points(trace)}
    assert flows == {"policy": "policy", "present": "present", "credentials": "credentials",
                     "pull": "pulled"}


def test_a_found_secret_is_the_pods_credential_and_the_pull_succeeds() -> None:
    trace = run(SECRET % "mypass123" + pod(PRIVATE, extra=WITH_SECRET), world())
    got = answers(prediction_points(trace))
    assert got["credentials"] == "secret" and got["pull"] == "pulled"


def test_a_missing_secret_pulls_anonymously_and_is_denied() -> None:
    got = answers(prediction_points(run(pod(PRIVATE), world())))
    assert got["credentials"] == "none" and got["pull"] == "denied"


def test_a_wrong_password_is_sent_and_denied_and_never_shown() -> None:
    points = prediction_points(run(SECRET % "s3cr3t-wrong" + pod(PRIVATE, extra=WITH_SECRET),
                                   world()))
    got = answers(points)
    assert got["credentials"] == "secret" and got["pull"] == "denied"
    assert "s3cr3t-wrong" not in json.dumps([p.__dict__ for p in points], default=str)


def test_a_missing_tag_is_not_found() -> None:
    assert answers(prediction_points(run(pod("nginx:9.99"), world())))["pull"] == "not_found"


def test_a_rate_limited_registry_is_429() -> None:
    trace = run(SECRET % "mypass123" + pod(PRIVATE, extra=WITH_SECRET), world(rate_limited=True))
    assert answers(prediction_points(trace))["pull"] == "rate_limited"


def test_an_unreachable_registry_is_told_apart() -> None:
    node = Node("node-1", unreachable=("docker.io",))
    assert answers(prediction_points(run(pod("nginx:1.25"), world(node))))["pull"] == \
        "unreachable"


@pytest.mark.parametrize(("text", "kind"), [
    ("Pulled 'nginx' in 1s: downloaded 5 of its 5 bytes.", "pulled"),
    ("The pull failed: rpc error: ... 404 Not Found", "not_found"),
    ("The pull failed: ... 401 Unauthorized", "denied"),
    ("The pull failed: ... 429 Too Many Requests", "rate_limited"),
    ("The pull failed: dial tcp: lookup x on 1.1.1.1:53: no such host", "unreachable"),
    ("The pull failed: no match for platform in manifest: not found", "other"),
])
def test_pull_results_are_classified_by_the_runtime_error(text: str, kind: str) -> None:
    assert pull_result(text) == kind


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 20
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.25
"""


def test_twenty_replicas_ask_once_per_decision_and_node() -> None:
    trace = run(DEPLOYMENT, world(HAS_NGINX, Node("node-2")))
    points = prediction_points(trace)
    assert len([s for s in trace.steps if s.flow == "policy"]) == 20
    assert len(points) <= MAX_POINTS
    kinds = [(p.kind, p.node, p.answer) for p in points]
    assert len(kinds) == len(set(kinds))
    assert ("present", "node-1", "use") in kinds and ("present", "node-2", "pull") in kinds
    assert [p.kind for p in points].count("policy") == 1
    assert [p.id for p in points] == [f"q{n}" for n in range(1, len(points) + 1)]
    assert [p.step for p in points] == sorted(p.step for p in points)


def test_a_step_the_browser_does_not_see_asks_nothing() -> None:
    trace = run(pod("nginx:1.25", "IfNotPresent"), world(HAS_NGINX))
    policy_step = prediction_points(trace)[0].step
    points = prediction_points(trace, shown=lambda index: index != policy_step)
    assert [p.kind for p in points] == ["present"]


def test_at_most_the_limit_is_asked() -> None:
    trace = run(DEPLOYMENT, world(HAS_NGINX, Node("node-2")))
    assert len(prediction_points(trace, limit=2)) == 2


def test_the_score_counts_right_answers_to_known_questions_only() -> None:
    points = prediction_points(run(pod("nginx:1.25", "IfNotPresent"), world(Node("node-1"))))
    right = {p.id: p.answer for p in points}
    assert score(points, right) == PredictionScore(4, 4, 4)
    wrong = {**right, "q1": "Never", "q99": "use"}
    del wrong["q4"]
    assert score(points, wrong) == PredictionScore(2, 3, 4)
    assert score(points, {}).words() == "0 of 4 right"


def test_the_question_sent_to_the_browser_holds_no_answer() -> None:
    point = prediction_points(run(pod("nginx:1.25", "Never"), world()))[1]
    shown = point.question_dict(2, 2)
    assert "answer" not in shown and "explanation" not in shown
    assert shown["choices"][2] == {"id": "refuse", "label": "Refuse: ErrImageNeverPull"}


def test_a_predictions_goal_is_met_by_the_score_alone() -> None:
    trace = run(pod("nginx:1.25", "Never"), world())
    goals = load_goals("- predictions: {min_right: 2}")
    (unscored,) = check_goals(trace, goals)
    assert not unscored.passed and "turn Predict on" in unscored.seen
    (short,) = check_goals(trace, goals, PredictionScore(1, 2, 2))
    assert not short.passed and short.seen == "1 of 2 right"
    (met,) = check_goals(trace, goals, PredictionScore(2, 2, 2))
    assert met.passed and met.expected == "at least 2 right"


@pytest.mark.parametrize("value", ["3", "{min_right: 0}", "{min_right: true}", "{right: 2}",
                                   "{min_right: 2, extra: 1}"])
def test_a_malformed_predictions_goal_says_what_to_write(value: str) -> None:
    with pytest.raises(ManifestError) as caught:
        load_goals(f"- predictions: {value}")
    assert "predictions needs {min_right: N}" in caught.value.problems[0].message


def test_a_question_and_its_reveal_stay_small_with_the_longest_names() -> None:
    image = "registry.company.com/" + "x" * 150 + ":" + "t" * 120
    manifest = pod(image, "Always").replace("name: web\nspec", f"name: {'p' * 250}\nspec")
    points = prediction_points(run(manifest, world()))
    assert points
    for point in points:
        assert len(json.dumps(point.question_dict(1, len(points)))) < 2_500
        assert len(point.explanation) <= 900 and len(point.question) <= 300
