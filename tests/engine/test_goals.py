"""`check_goals`: each goal kind checked against a real simulated trace, and bad goals refused."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.engine import ManifestError, check_goals, load_manifests, simulate
from sandbox.engine.goals import GoalResult
from sandbox.engine.trace import Trace
from sandbox.engine.world import Image, Layer, Node, NodeImage, Registry, Repository, Scenario

BUILD_1 = Image("build-1", (Layer("base", 40_000_000), Layer("app-1", 1_000_000)))
BUILD_2 = Image("build-2", (Layer("base", 40_000_000), Layer("app-2", 1_000_000)))
# node-1 cached app:v1 when it pointed to build-1; the registry has moved it to build-2 since.
CACHED_OLD_BUILD = Node("node-1", images=(NodeImage("docker.io/library/app:v1", BUILD_1),))
CACHED_NEW_BUILD = Node("node-1", images=(NodeImage("docker.io/library/app:v1", BUILD_2),))


def hub() -> Registry:
    app = Repository("library/app", {"build-1": BUILD_1, "build-2": BUILD_2},
                     {"v1": "build-2", "latest": "build-2"})
    return Registry("docker.io", repositories={"library/app": app})


def world(*nodes: Node) -> Scenario:
    return Scenario("test", nodes=nodes or (Node("node-1"),), registries=(hub(),))


def pod(image: str, policy: str | None = None) -> str:
    line = f"\n      imagePullPolicy: {policy}" if policy else ""
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
            f"    - name: web\n      image: \"{image}\"{line}\n")


def deployment(image: str, replicas: int) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: web
          image: {image}
"""


def run(manifest: str, scenario: Scenario) -> Trace:
    return simulate(load_manifests(manifest), scenario)


def one(trace: Trace, goal: dict[str, Any]) -> GoalResult:
    (result,) = check_goals(trace, [goal])
    return result


# --- each goal, passing and failing -----------------------------------------------------------


def test_all_pods_running_passes_when_every_pod_runs() -> None:
    result = one(run(pod("app:v1"), world()), {"allPodsRunning": True})
    assert result == GoalResult("every pod is Running", True, "all pods Running",
                                "all 1 pod(s) Running")


def test_all_pods_running_fails_naming_the_pod_and_its_status() -> None:
    result = one(run(pod("app:v9"), world()), {"allPodsRunning": True})
    assert not result.passed
    assert result.expected == "all pods Running"
    assert result.seen == "web is ImagePullBackOff"


def test_same_image_everywhere_passes_when_replicas_share_one_image_id() -> None:
    result = one(run(deployment("app:v1", 2), world(CACHED_NEW_BUILD, Node("node-2"))),
                 {"sameImageEverywhere": True})
    assert result.passed
    assert result.seen == "every replica runs one image ID"


def test_same_image_everywhere_fails_when_a_node_runs_an_older_build_under_the_tag() -> None:
    trace = run(deployment("app:v1", 2), world(CACHED_OLD_BUILD, Node("node-2")))
    result = one(trace, {"sameImageEverywhere": True})
    assert not result.passed
    assert result.expected == "one image ID per container across replicas"
    assert "runs 2 image IDs" in result.seen
    assert f"docker.io/library/app@{BUILD_1.manifest_digest}" in result.seen
    assert f"docker.io/library/app@{BUILD_2.manifest_digest}" in result.seen


def test_no_registry_pulls_passes_when_the_cached_image_is_used() -> None:
    result = one(run(pod("app:v1"), world(CACHED_NEW_BUILD)), {"noRegistryPulls": True})
    assert result == GoalResult("no image is pulled from a registry", True, "no pulls",
                                "no image was pulled")


def test_no_registry_pulls_fails_listing_each_pull_and_its_node() -> None:
    result = one(run(pod("app:v1"), world()), {"noRegistryPulls": True})
    assert not result.passed
    assert result.seen == "1 pull(s): app:v1 on node-1"


def test_max_bytes_pulled_passes_when_only_the_missing_layer_is_downloaded() -> None:
    # The node holds build-1; build-2 shares its 40 MB base layer, so only 1 MB comes down.
    scenario = world(Node("node-1", images=(NodeImage("docker.io/library/app:old", BUILD_1),)))
    result = one(run(pod("app:v1"), scenario), {"maxBytesPulled": "1MB"})
    assert result == GoalResult("at most 1000000 bytes are downloaded", True, "≤ 1000000 bytes",
                                "1000000 bytes downloaded")


def test_max_bytes_pulled_fails_with_the_bytes_downloaded() -> None:
    result = one(run(pod("app:v1"), world()), {"maxBytesPulled": "40MB"})
    assert not result.passed
    assert result.expected == "≤ 40000000 bytes"
    assert result.seen == "41000000 bytes downloaded"


@pytest.mark.parametrize(("limit", "expected"), [(41_000_000, True), ("41MB", True),
                                                 ("40MiB", True), ("39MiB", False)])
def test_max_bytes_pulled_reads_numbers_and_units(limit: object, expected: bool) -> None:
    assert one(run(pod("app:v1"), world()), {"maxBytesPulled": limit}).passed is expected


def test_waiting_reason_passes_when_a_container_waits_for_that_reason() -> None:
    result = one(run(pod("app:v1", "Never"), world()),
                 {"waitingReason": {"container": "web", "reason": "ErrImageNeverPull"}})
    assert result == GoalResult("a container waits with reason ErrImageNeverPull", True,
                                "ErrImageNeverPull", "web/web: ErrImageNeverPull")


def test_waiting_reason_fails_showing_what_each_container_does() -> None:
    result = one(run(pod("app:v1"), world()), {"waitingReason": {"reason": "ErrImageNeverPull"}})
    assert not result.passed
    assert result.seen == "web/web: running"


def test_waiting_reason_for_another_container_sees_no_matching_container() -> None:
    result = one(run(pod("app:v1", "Never"), world()),
                 {"waitingReason": {"container": "sidecar", "reason": "ErrImageNeverPull"}})
    assert not result.passed
    assert result.seen == "no matching container"


def test_event_passes_when_an_event_has_the_reason_and_message_fragment() -> None:
    result = one(run(pod("app:v1"), world(CACHED_NEW_BUILD)),
                 {"event": {"reason": "Pulled", "message": "already present"}})
    assert result == GoalResult("an event Pulled mentioning 'already present'", True, "Pulled",
                                "1 matching event(s)")


def test_event_fails_listing_the_reasons_that_were_seen() -> None:
    result = one(run(pod("app:v1"), world()),
                 {"event": {"reason": "Pulled", "message": "already present"}})
    assert not result.passed
    assert result.seen == "events seen: Created, Pulled, Pulling, Scheduled, Started"


def test_goal_false_inverts_the_pass_condition() -> None:
    trace = run(pod("app:v9"), world())
    assert one(trace, {"allPodsRunning": False}).passed
    assert not one(trace, {"noRegistryPulls": False}).passed


# --- goals as YAML text or as a list -------------------------------------------------------


GOALS_YAML = """\
- allPodsRunning: true
- noRegistryPulls: true
- maxBytesPulled: 100MB
- waitingReason: {container: web, reason: ErrImagePull}
- event: {reason: Pulled, message: already present}
"""
GOALS_LIST = [
    {"allPodsRunning": True},
    {"noRegistryPulls": True},
    {"maxBytesPulled": "100MB"},
    {"waitingReason": {"container": "web", "reason": "ErrImagePull"}},
    {"event": {"reason": "Pulled", "message": "already present"}},
]


def test_goals_given_as_yaml_text_and_as_a_list_give_the_same_results() -> None:
    trace = run(pod("app:v1"), world(CACHED_NEW_BUILD))
    from_text = check_goals(trace, GOALS_YAML)
    assert from_text == check_goals(trace, GOALS_LIST)
    assert [r.passed for r in from_text] == [True, True, True, False, True]


@pytest.mark.parametrize("goals", ["", "# nothing yet\n", [], None])
def test_no_goals_give_no_results(goals: Any) -> None:
    assert check_goals(run(pod("app:v1"), world()), goals) == []


# --- malformed goals -------------------------------------------------------------------------


def problems(goals: Any) -> list[tuple[str, str | None, str | None]]:
    trace = run(pod("app:v1"), world())
    with pytest.raises(ManifestError) as caught:
        check_goals(trace, goals)
    return [(p.message, p.path, p.hint) for p in caught.value.problems]


@pytest.mark.parametrize("goals", ["allPodsRunning: true\n", {"allPodsRunning": True},
                                   "just words", 5])
def test_goals_that_are_not_a_list_are_refused(goals: Any) -> None:
    assert problems(goals) == [("goals must be a YAML list of one-key mappings", None, None)]


@pytest.mark.parametrize("goal", [{"allPodsRunning": True, "noRegistryPulls": True}, {},
                                  "allPodsRunning", ["allPodsRunning"]])
def test_a_goal_must_be_a_mapping_with_exactly_one_key(goal: Any) -> None:
    assert problems([goal]) == [("goal 1 is not a single `name: value` pair", "goals[0]",
                                   "e.g. `- noRegistryPulls: true`")]


def test_unknown_goal_is_refused_with_the_known_goals_as_hint() -> None:
    assert problems([{"allPodsRunning": True}, {"allPodsRuning": True}]) == [(
        "unknown goal 'allPodsRuning'", "goals[1]",
        "known goals: allPodsRunning, sameImageEverywhere, noRegistryPulls, maxBytesPulled, "
        "waitingReason, event, podCount, pullSecretsFrom, setting, predictions")]


@pytest.mark.parametrize("want", [{"container": "web"}, "ErrImagePull", None])
def test_waiting_reason_without_a_reason_is_refused(want: Any) -> None:
    ((message, path, _),) = problems([{"waitingReason": want}])
    assert message.startswith("waitingReason needs {reason: …}")
    assert path == "goals[0].waitingReason"


def test_event_without_a_reason_is_refused() -> None:
    ((message, path, _),) = problems([{"event": {"message": "pulled"}}])
    assert message.startswith("event needs {reason: …}")
    assert path == "goals[0].event"


@pytest.mark.parametrize(("size", "fragment"), [
    ("10 parsecs", "unknown size unit 'parsecs'"),
    ("lots", "is not a number with a unit"),
    (True, "not a boolean"),
    (-5, "not below zero"),
    ("2000TB", "larger than 1 PiB"),
])
def test_bad_max_bytes_size_is_refused(size: Any, fragment: str) -> None:
    ((message, path, _),) = problems([{"maxBytesPulled": size}])
    assert fragment in message
    assert path == "goals[0].maxBytesPulled"


def test_every_malformed_goal_is_reported_at_once() -> None:
    found = problems([{"nope": 1}, {"allPodsRunning": True}, {"waitingReason": {}}])
    assert [path for _, path, _ in found] == ["goals[0]", "goals[2].waitingReason"]


def test_goals_yaml_alias_bomb_is_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for index in range(1, 9):
        prev, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    text = "- event:\n    reason: Pulled\n    message:\n" + "\n".join(
        "      " + line for line in lines) + "\n"
    with pytest.raises(ManifestError, match="alias"):
        check_goals(run(pod("app:v1"), world()), text)


@pytest.mark.parametrize("text", ["- [unclosed\n", "- allPodsRunning: true\n\x00\n",
                                  "- !!python/object:os.system {}\n"])
def test_goals_yaml_that_is_not_plain_yaml_is_refused(text: str) -> None:
    with pytest.raises(ManifestError):
        check_goals(run(pod("app:v1"), world()), text)


def test_same_image_everywhere_passes_for_a_preloaded_and_a_pulled_copy_of_one_index() -> None:
    from sandbox.engine import load_scenario

    scenario = load_scenario('name: t\nnodes:\n  - name: node-1\n    images: ["nginx:1.25"]\n'
                             "  - name: node-2\n")
    trace = run(deployment("nginx:1.25", 2), scenario)
    assert {p.node for p in trace.pods} == {"node-1", "node-2"}
    assert one(trace, {"sameImageEverywhere": True}).passed


def test_goals_in_several_yaml_documents_are_refused_with_the_position() -> None:
    with pytest.raises(ManifestError) as caught:
        check_goals(run(pod("app:v1"), world()), "- allPodsRunning: true\n---\n- nope: 1\n")
    assert caught.value.problems[0].line == 2  # the `---` that starts the second document


def test_unknown_goal_from_yaml_carries_line_and_column() -> None:
    with pytest.raises(ManifestError) as caught:
        check_goals(run(pod("app:v1"), world()), "- allPodsRunning: true\n- nope: 1\n")
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == (2, 3)


def test_waiting_reason_does_not_match_a_running_container_state() -> None:
    trace = run(pod("app:v1"), world())
    results = check_goals(trace, [{"waitingReason": {"reason": "running"}}])
    assert results[0].passed is False


def test_pod_count_counts_the_pods_created() -> None:
    trace = run(pod("app:v1"), world())
    assert check_goals(trace, "- podCount: 1\n")[0].passed is True
    failed = check_goals(trace, "- podCount: 3\n")[0]
    assert (failed.passed, failed.seen) == (False, "1 pod(s)")


def test_pull_secrets_from_tells_the_service_account_route_from_the_pod_route() -> None:
    account = ("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default}\n"
               "imagePullSecrets: [{name: regcred}]\n---\n")
    through_account = run(account + pod("app:v1"), world())
    assert check_goals(through_account, "- pullSecretsFrom: ServiceAccount\n")[0].passed
    written = pod("app:v1").replace("spec:\n", "spec:\n  imagePullSecrets: [{name: regcred}]\n")
    through_pod = run(account + written, world())
    result = check_goals(through_pod, "- pullSecretsFrom: ServiceAccount\n")[0]
    assert result.passed is False and "pod" in result.seen
    assert check_goals(through_pod, "- pullSecretsFrom: Pod\n")[0].passed


def test_pull_secrets_from_refuses_an_unknown_source() -> None:
    with pytest.raises(ManifestError):
        check_goals(run(pod("app:v1"), world()), "- pullSecretsFrom: Node\n")
