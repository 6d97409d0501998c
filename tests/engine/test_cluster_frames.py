"""The `accepted` frame's `cluster`: a run's start and changes, so the page can draw any step."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from sandbox import run_frames
from sandbox.engine import evaluate
from sandbox.engine.render import cluster_frames
from sandbox.engine.render.cluster_frames import run_cluster, short
from sandbox.engine.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "lessons" / "content" / "scenarios"
APP = "registry.company.com/app:latest"

TWO_PODS = f"""\
apiVersion: v1
kind: Pod
metadata: {{name: cached}}
spec:
  nodeName: node-1
  containers: [{{name: app, image: "{APP}", imagePullPolicy: Always}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: fresh}}
spec:
  nodeName: node-2
  containers: [{{name: web, image: "nginx:1.25"}}]
"""


def moving_tag_run() -> tuple[dict, object]:
    scenario = load_scenario((SCENARIOS / "moving-tag.yaml").read_text())
    evaluation = evaluate(TWO_PODS, scenario)
    return run_cluster(evaluation.scenario, evaluation.trace), evaluation


def test_the_start_holds_each_node_its_images_and_their_layers() -> None:
    plan, _ = moving_tag_run()
    assert [n["name"] for n in plan["nodes"]] == ["node-1", "node-2"]
    node = plan["nodes"][0]
    assert node["architecture"] == "amd64" and node["labels"]["kubernetes.io/hostname"] == "node-1"
    [[refs, key]] = node["images"]
    assert refs == [APP]
    image = plan["images"][key]
    assert image["size"] == 65_000_000
    assert [plan["layers"][d][1] for d in image["layers"]] == [
        "python-3.12-slim-base", "app-deps-7", "app-41"]


def test_pods_change_by_step_from_the_kubelets_own_states() -> None:
    plan, evaluation = moving_tag_run()
    pods = {p["pod"]: p for p in plan["pods"]}
    assert pods["default/cached"]["node"] == "node-1"
    assert [c[1] for c in pods["default/fresh"]["changes"]] == ["ContainerCreating", "Running"]
    running = pods["default/fresh"]["changes"][1][0]
    assert evaluation.trace.steps[running].text.startswith("Container web started")


def test_each_pull_lists_its_layers_with_their_times_and_the_image_it_leaves() -> None:
    plan, evaluation = moving_tag_run()
    pulls = {p["pod"]: p for p in plan["pulls"]}
    cached = pulls["default/cached"]
    assert [layer[1] for layer in cached["layers"]] == ["present", "present", "downloaded"]
    digest, _, started, fetched, finished = cached["layers"][2]
    assert plan["layers"][digest] == [2_000_000, "app-42"]
    assert cached["started"] <= started < fetched <= finished == cached["finished"]
    assert cached["ref"] == APP
    # The images the pulls left, by when: on node-1 build-42, the same two lower layers under a
    # new top one.
    assert [entry[:3] for entry in plan["stored"]] == [
        [cached["finished"], "node-1", APP],
        [pulls["default/fresh"]["finished"], "node-2", "docker.io/library/nginx:1.25"]]
    left = plan["images"][plan["stored"][0][3]]
    assert [plan["layers"][d][1] for d in left["layers"]] == [
        "python-3.12-slim-base", "app-deps-7", "app-42"]
    fresh = pulls["default/fresh"]
    assert fresh["ref"] == "docker.io/library/nginx:1.25"
    assert all(layer[1] == "downloaded" for layer in fresh["layers"]) and len(fresh["layers"]) == 7
    trace_pull = next(p for p in evaluation.trace.pulls if p.pod == "default/fresh")
    assert [short(t.digest) for t in trace_pull.layers] == [layer[0] for layer in fresh["layers"]]


def test_the_registry_lists_its_tags_and_the_timeline_moves_one() -> None:
    plan, evaluation = moving_tag_run()
    company = next(r for r in plan["registries"] if r["host"] == "registry.company.com")
    [repo] = company["repositories"]
    assert repo["tags"] == [
        ["1.41", "build-41", repo["tags"][0][2]],
        ["1.42", "build-42", repo["tags"][1][2]],
        ["latest", "build-42", repo["tags"][1][2]],
    ]
    registry = evaluation.scenario.registry("registry.company.com")
    build_43 = registry.repositories["app"].images["build-43"]
    assert plan["moves"] == [{"at": 60.0, "host": "registry.company.com", "path": "app",
                              "tag": "latest", "image": "build-43",
                              "digest": short(build_43.manifest_digest)}]
    # Of the built-in Docker Hub, only what the run uses: nginx, and of its tags only 1.25.
    hub = next(r for r in plan["registries"] if r["host"] == "docker.io")
    assert [(r["path"], [t[0] for t in r["tags"]]) for r in hub["repositories"]] == [
        ("library/nginx", ["1.25"])]
    assert hub["repositories"][0]["more_tags"] > 10


def test_the_accepted_frame_carries_it() -> None:
    plan, evaluation = moving_tag_run()
    frame = run_frames.accepted_frame(1, evaluation)
    assert frame["cluster"] == plan
    json.dumps(frame)


def test_a_huge_run_stays_small_by_construction() -> None:
    nodes = "\n".join(
        f"  - name: node-{i}\n    images: [nginx:1.25, nginx:1.26, redis:7.4, python:3.12, "
        "node:22, golang:1.23, postgres:17, httpd:2.4, memcached:1.6, alpine:3.20, nginx:1.27, "
        "python:3.12-slim]"
        for i in range(40)
    )
    scenario = load_scenario(f"name: Big\nnodes:\n{nodes}\n")
    manifest = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: many}
spec:
  replicas: 300
  selector: {matchLabels: {app: many}}
  template:
    metadata: {labels: {app: many}}
    spec:
      containers: [{name: web, image: "nginx:1.25-alpine", imagePullPolicy: Always}]
"""
    evaluation = evaluate(manifest, scenario)
    plan = run_cluster(evaluation.scenario, evaluation.trace)
    assert len(plan["nodes"]) == cluster_frames.MAX_NODES and plan["more_nodes"] == 28
    assert all(len(n["images"]) <= cluster_frames.MAX_IMAGES for n in plan["nodes"])
    assert plan["nodes"][0]["more_images"] == 12 - cluster_frames.MAX_IMAGES
    # Only the pods on the nodes shown (and those on none), at most MAX_PODS.
    assert 0 < len(plan["pods"]) <= cluster_frames.MAX_PODS
    assert len(plan["pods"]) + plan["more_pods"] == 300
    assert {p["node"] for p in plan["pods"]} <= {n["name"] for n in plan["nodes"]}
    assert len(plan["pulls"]) == cluster_frames.MAX_PULLS and plan["more_pulls"] > 0
    # The first pulls and the last: the end of the run has its own.
    shown = {n["name"] for n in plan["nodes"]}
    on_shown = [p for p in evaluation.trace.pulls if p.node in shown]
    assert [(p["pod"], p["started"]) for p in plan["pulls"]] == [
        (p.pod, p.started) for p in on_shown[:15] + on_shown[-15:]]
    assert len(plan["stored"]) <= cluster_frames.MAX_STORED
    assert len(json.dumps(plan).encode()) < 200_000 and not plan["truncated"]


def test_a_cluster_over_its_budget_keeps_its_nodes_and_says_so() -> None:
    plan, evaluation = moving_tag_run()
    assert not plan["truncated"]
    small = cluster_frames.MAX_BYTES
    try:
        cluster_frames.MAX_BYTES = 2_000
        trimmed = run_cluster(evaluation.scenario, evaluation.trace)
    finally:
        cluster_frames.MAX_BYTES = small
    # Measured as the server writes the frame (orjson, compact), which is what the budget counts.
    assert trimmed["truncated"] and len(orjson.dumps(trimmed)) <= 2_000
    assert [n["name"] for n in trimmed["nodes"]] == ["node-1", "node-2"]
    assert trimmed["pulls"] == trimmed["stored"] == [] and trimmed["more_pulls"] == 2


def test_a_text_orjson_refuses_is_measured_as_the_standard_library_writes_it() -> None:
    # A lone surrogate (a YAML escape can make one): orjson refuses it, the fallback escapes it.
    value = {"label": "\ud800", "more": [1, 2]}
    assert cluster_frames._size(value) == len('{"label":"\\ud800","more":[1,2]}')
    assert cluster_frames._size({"label": "é"}) == len('{"label":"é"}'.encode())
