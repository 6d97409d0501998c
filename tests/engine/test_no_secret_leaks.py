"""Never leak a secret (issue 5): no password or `auth` value in any output of an evaluation.

Every evaluation below uses real credentials, right or wrong, in each form the kubelet reads
(`.dockerconfigjson` username/password, legacy `.dockercfg` with `auth`, node credentials, a
Basic-auth registry). Each output a learner or a log can see is collected and searched for the
passwords, the base64 `auth` values (padded and unpadded) and the base64 Secret data as the API
server stores it. The test fails if any of them appears anywhere.
"""

from __future__ import annotations

import base64
import inspect
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pytest

from sandbox import run_frames
from sandbox.engine import ManifestError, Trace, evaluate, load_manifests, simulate
from sandbox.engine.credentials import Keyring
from sandbox.engine.render import flow as diagrams
from sandbox.engine.render import report
from sandbox.engine.world import Account, Image, Layer, Node, Registry, Repository, Scenario
from sandbox.management.commands.simulate import render_text

USER = "deploy-bot"
PASSWORD = "Sup3r-S3cret-Pa55"
WRONG = "Wr0ng-Guess-77"
NODE_PASSWORD = "N0de-Wide-Pa55"
BAD_AUTH_PASSWORD = "N0-Colon-Here-Pa55"

IMAGE = "registry.company.com/webapp:v2"
BASIC_IMAGE = "registry.internal:5000/tools/cli:1"
WEBAPP = Image("build-2", (Layer("debian-12", 48_000_000), Layer("app-2", 1_000_000)))
CLI = Image("cli-1", (Layer("cli-1", 5_000_000),))


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def needles() -> list[str]:
    """Every form in which a secret could leak."""
    found = []
    for password in (PASSWORD, WRONG, NODE_PASSWORD, BAD_AUTH_PASSWORD):
        auth = b64(f"{USER}:{password}")
        found += [password, auth, auth.rstrip("=")]
    found.append(b64(BAD_AUTH_PASSWORD))
    return found


def world(*, node_password: str | None = None) -> Scenario:
    accounts = (Account(USER, PASSWORD), Account(USER, NODE_PASSWORD))
    company = Registry("registry.company.com", private=True, accounts=accounts,
                       repositories={"webapp": Repository("webapp", {"build-2": WEBAPP},
                                                          {"v2": "build-2"})})
    internal = Registry("registry.internal:5000", private=True, auth="basic",
                        accounts=(Account(USER, PASSWORD),),
                        repositories={"tools/cli": Repository("tools/cli", {"cli-1": CLI},
                                                              {"1": "cli-1"})})
    credentials = {}
    if node_password is not None:
        credentials = {"registry.company.com": {"username": USER, "password": node_password}}
    return Scenario("leaks", nodes=(Node("node-1", credentials=credentials),),
                    registries=(company, internal))


def config_json_secret(name: str, password: str, server: str = "registry.company.com") -> str:
    config = json.dumps({"auths": {server: {"username": USER, "password": password,
                                            "email": "ops@company.com"}}})
    return (f"apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}}}\n"
            f"type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {b64(config)}\n"
            "---\n")


def dockercfg_auth_secret(name: str, password: str) -> str:
    config = json.dumps({"registry.company.com": {"auth": b64(f"{USER}:{password}")}})
    return (f"apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}}}\n"
            f"type: kubernetes.io/dockercfg\ndata:\n  .dockercfg: {b64(config)}\n---\n")


def pod(name: str, image: str = IMAGE, secrets: tuple[str, ...] = (),
        policy: str = "IfNotPresent") -> str:
    listed = ", ".join(f"{{name: {s}}}" for s in secrets)
    pulls = f"  imagePullSecrets: [{listed}]\n" if secrets else ""
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n{pulls}"
            f'  containers:\n    - {{name: app, image: "{image}", imagePullPolicy: {policy}}}\n'
            "---\n")


@dataclass(frozen=True)
class Evaluation:
    label: str
    manifest: str
    scenario: Scenario


EVALUATIONS = [
    Evaluation("right password", config_json_secret("regcred", PASSWORD)
               + pod("right", secrets=("regcred",)), world()),
    Evaluation("wrong password", config_json_secret("regcred", WRONG)
               + pod("wrong", secrets=("regcred",)), world()),
    Evaluation("wrong then right", config_json_secret("a-old", WRONG)
               + config_json_secret("b-new", PASSWORD)
               + pod("rotated", secrets=("a-old", "b-new"), policy="Always"), world()),
    Evaluation("dockercfg auth, right", dockercfg_auth_secret("legacy", PASSWORD)
               + pod("legacy", secrets=("legacy",)), world()),
    Evaluation("dockercfg auth, wrong", dockercfg_auth_secret("legacy", WRONG)
               + pod("legacy", secrets=("legacy",)), world()),
    Evaluation("node credentials, right", pod("node-creds"), world(node_password=NODE_PASSWORD)),
    Evaluation("node credentials, wrong", pod("node-creds"), world(node_password=WRONG)),
    Evaluation("basic auth registry, wrong", config_json_secret(
        "internal", WRONG, "registry.internal:5000") + pod(
        "basic", BASIC_IMAGE, ("internal",)), world()),
    Evaluation("basic auth registry, right", config_json_secret(
        "internal", PASSWORD, "registry.internal:5000") + pod(
        "basic", BASIC_IMAGE, ("internal",)), world()),
    Evaluation("opaque secret", (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: opaque}\ntype: Opaque\n"
        f"stringData:\n  password: {PASSWORD}\n---\n") + pod("opaque", secrets=("opaque",)),
        world()),
    Evaluation("shared node", config_json_secret("regcred", PASSWORD)
               + pod("owner", secrets=("regcred",)) + pod("borrower", policy="Never"),
               replace(world(), kubelet=replace(world().kubelet,
                                                verification_policy="AlwaysVerify"))),
]


def diagram_builders() -> Iterator[tuple[str, Callable[[Trace], str]]]:
    """Every public function of the diagrams module that draws from a trace alone."""
    for name, function in inspect.getmembers(diagrams, inspect.isfunction):
        if name.startswith("_") or function.__module__ != diagrams.__name__:
            continue
        signature = inspect.signature(function)
        parameters = list(signature.parameters.values())
        if not parameters or "Trace" not in str(parameters[0].annotation):
            continue
        if signature.return_annotation not in ("str", str):
            continue
        if all(p.default is not inspect.Parameter.empty for p in parameters[1:]):
            yield name, function


def outputs(evaluation: Evaluation, caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """Every text the evaluation produces, by where it goes."""
    with caplog.at_level(logging.DEBUG):
        evaluated = evaluate(evaluation.manifest, evaluation.scenario)
    trace, warnings = evaluated.trace, [w.to_dict() for w in evaluated.warnings]
    manifests = load_manifests(evaluation.manifest)
    direct = simulate(manifests, evaluation.scenario)
    texts = {
        "trace json": json.dumps(trace.to_dict()),
        "direct trace json": json.dumps(direct.to_dict()),
        "kubectl get pods": report.get_pods(trace),
        "kubectl describe pods": report.describe_pods(trace),
        "manage.py simulate": render_text(trace, manifests),
        "steps": "\n".join(s.text for s in trace.steps),
        "events": "\n".join(e.message for e in trace.events),
        "warnings": "\n".join(trace.warnings) + json.dumps(warnings),
        "hints": "\n".join(h.message for h in trace.hints),
        "pulls": "\n".join(f"{p.error} {p.username} {p.tried} {p.exchanges}"
                           for p in trace.pulls),
        "logs": "\n".join(r.getMessage() for r in caplog.records),
        "trace repr": repr(trace),
        "pod keyring repr": repr(Keyring.from_pull_secrets(
            [o for o in manifests if o.kind == "Secret"])),
    }
    for name, text in evaluated.diagrams.items():
        texts[f"diagram {name}"] = text
    for name, builder in diagram_builders():
        texts[f"diagrams.{name}()"] = builder(trace)
    # The websocket frames as the consumer sends them: accepted, every step, then the result.
    frames = [run_frames.accepted_frame(1, evaluated)]
    frames += [run_frames.step_frame(1, i, s, []) for i, s in enumerate(trace.steps)]
    texts["websocket frames"] = "\n".join(json.dumps(f) for f in frames)
    texts["result frame"] = run_frames.result_frame(1, evaluated, list(trace.events))
    return texts


@pytest.mark.parametrize("evaluation", EVALUATIONS, ids=[e.label for e in EVALUATIONS])
def test_no_output_of_a_secret_using_evaluation_contains_a_password_or_auth_value(
    evaluation: Evaluation, caplog: pytest.LogCaptureFixture
) -> None:
    texts = outputs(evaluation, caplog)
    assert texts["trace json"] and texts["kubectl describe pods"]
    leaks = [(where, needle) for where, text in texts.items() for needle in needles()
             if needle in text]
    assert leaks == []


def test_the_search_would_find_a_leak() -> None:
    """The check itself can fail: a password in an output is found."""
    trace = simulate(load_manifests(pod("plain")), world())
    leaked = replace(trace, warnings=(f"password is {PASSWORD}",))
    assert any(n in json.dumps(leaked.to_dict()) for n in needles())


def test_the_evaluations_exercise_both_outcomes() -> None:
    """Right credentials run, wrong ones fail: every code path that words an error ran."""
    statuses = {e.label: {p.status for p in simulate(load_manifests(e.manifest),
                                                     e.scenario).pods}
                for e in EVALUATIONS}
    assert statuses["right password"] == {"Running"}
    assert statuses["dockercfg auth, right"] == {"Running"}
    assert statuses["node credentials, right"] == {"Running"}
    assert statuses["basic auth registry, right"] == {"Running"}
    for label in ("wrong password", "dockercfg auth, wrong", "node credentials, wrong",
                  "basic auth registry, wrong"):
        assert statuses[label] <= {"ErrImagePull", "ImagePullBackOff"}, label


@pytest.mark.parametrize("auth", [b64(BAD_AUTH_PASSWORD), "%%%" + BAD_AUTH_PASSWORD])
def test_a_bad_auth_field_is_reported_without_its_value(auth: str) -> None:
    config = json.dumps({"auths": {"registry.company.com": {"auth": auth}}})
    manifest = ("apiVersion: v1\nkind: Secret\nmetadata: {name: broken}\n"
                "type: kubernetes.io/dockerconfigjson\nstringData:\n"
                f"  .dockerconfigjson: '{config}'\n---\n" + pod("p", secrets=("broken",)))
    texts: list[str] = []
    try:
        trace = simulate(load_manifests(manifest), world())
    except ManifestError as error:
        texts += [str(error), json.dumps([p.to_dict() for p in error.problems])]
    else:
        texts += [json.dumps(trace.to_dict()), report.describe_pods(trace)]
    assert texts
    assert not [n for n in [*needles(), auth] for text in texts if n in text]
