"""Layer stacks, the pull timeline and the registry exchange as Mermaid text."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from sandbox.engine import load_paste, load_scenario, simulate
from sandbox.engine.render import (
    MAX_TIMELINE_PULLS,
    all_charts,
    human_size,
    layer_stacks,
    pull_timeline,
    registry_exchange,
    text,
)
from sandbox.engine.trace import Exchange, LayerTransfer, Pull, Trace

ROOT = Path(__file__).resolve().parents[2]


def digest(char: str) -> str:
    return "sha256:" + char * 64


WEB_V2 = Pull(
    node="node-a", pod="default/web-1", container="web", image="registry.example.com/web:v2",
    requested=1.0, started=1.0, finished=2.5, outcome="pulled", bytes=1_500_000,
    image_size=49_500_000, image_id="registry.example.com/web@" + digest("c"),
    layers=(LayerTransfer(digest("a"), 48_000_000, "debian-12", "present"),
            LayerTransfer(digest("b"), 1_500_000, "app-2", "downloaded")),
    username="alice", tried=("alice",),
    exchanges=(Exchange("HEAD /v2/web/manifests/v2", "401 Unauthorized (bearer challenge)"),
               Exchange("GET token?scope=repository:web:pull as alice", "200 OK (token)", "auth"),
               Exchange("HEAD /v2/web/manifests/v2", "200 OK (sha256:cccccccccccc…)"),
               Exchange(f"GET /v2/web/manifests/{digest('c')}", "200 OK (manifest)"),
               Exchange(f"GET /v2/web/blobs/{digest('d')}", "200 OK (config)")),
    digest=digest("c"),
)
# Waited in node-a's serialized queue behind WEB_V2, then failed.
WEB_V3_MISSING = Pull(
    node="node-a", pod="default/web-2", container="web", image="registry.example.com/web:v3",
    requested=1.0, started=2.5, finished=2.6, outcome="failed",
    error='failed to pull and unpack image "registry.example.com/web:v3": not found',
    exchanges=(Exchange("HEAD /v2/web/manifests/v3", "401 Unauthorized (bearer challenge)"),
               Exchange("GET token?scope=repository:web:pull (anonymous)", "200 OK (token)",
                        "auth"),
               Exchange("HEAD /v2/web/manifests/v3", "404 Not Found")),
)
# The same tag resolved to another image on node-b (the tag moved in between).
WEB_V2_ELSEWHERE = Pull(
    node="node-b", pod="default/web-3", container="web", image="registry.example.com/web:v2",
    requested=1.0, started=1.0, finished=4.0, outcome="pulled", bytes=49_000_000,
    image_size=49_000_000, image_id="registry.example.com/web@" + digest("f"),
    layers=(LayerTransfer(digest("a"), 48_000_000, "debian-12", "downloaded"),
            LayerTransfer(digest("e"), 1_000_000, "app-1", "downloaded")),
    username="alice", tried=("alice",), digest=digest("f"),
)
TRACE = Trace(steps=(), events=(), pods=(), pulls=(WEB_V2, WEB_V3_MISSING, WEB_V2_ELSEWHERE))
EMPTY = Trace(steps=(), events=(), pods=())

LAYERS = """\
---
title: Image layer stacks
---
flowchart TB
\tsubgraph s1 ["registry.example.com/web#58;v2 · one of 2 images under this name"]
\tdirection TB
\ts1_l2["app-2<br/>1.5 MB · downloaded · differs"]
\ts1_l1["debian-12<br/>48 MB · Already exists"]
\ts1_node["node-a<br/>sha256:cccccccccccc<br/>1.5 MB downloaded"]
end
\tsubgraph s2 ["registry.example.com/web#58;v2 · one of 2 images under this name"]
\tdirection TB
\ts2_l2["app-1<br/>1 MB · downloaded · differs"]
\ts2_l1["debian-12<br/>48 MB · downloaded"]
\ts2_node["node-b<br/>sha256:ffffffffffff<br/>49 MB downloaded"]
end
\ts1_l2 ~~~ s1_l1
\ts1_l1 ~~~ s1_node
\ts2_l2 ~~~ s2_l1
\ts2_l1 ~~~ s2_node
\taccTitle: Image layer stacks, base layer at the bottom
\taccDescr: registry.example.com/web#58;v2 on node-a: sha256:cccccccccccc, 2 layers, \
1.5 MB downloaded, 48 MB already on the node. registry.example.com/web#58;v2 on node-b: \
sha256:ffffffffffff, 2 layers, 49 MB downloaded, 0 B already on the node
\tclassDef downloaded fill:#dbeafe,stroke:#1f6feb
\tclassDef present fill:#f2f4f7,stroke:#667085,stroke-dasharray:4 3
\tclassDef differs stroke:#b42318,stroke-width:3px
\tclassDef ground fill:#ffffff,stroke:#344054,stroke-width:2px
\tclass s1_l2,s2_l2,s2_l1 downloaded
\tclass s1_l1 present
\tclass s1_l2,s2_l2 differs
\tclass s1_node,s2_node ground
"""

PULLS = """\
---
config:
  gantt:
    useWidth: 1260
    leftPadding: 75
    rightPadding: 705
---
gantt
\ttitle Image pulls on each node
\taccTitle: Image pulls on each node over simulated time
\taccDescr: node-a: 2 pulls, 1 failed, 1 waited in the queue, 1.5 MB downloaded. \
node-b: 1 pull, 0 failed, 0 waited in the queue, 49 MB downloaded
\tdateFormat x
\taxisFormat %M:%S.%L
\ttickInterval 500millisecond
\ttodayMarker off
\tsection node-a
\tPulled registry.example.com/web#58;v2 for default/web-1 · 1.5 MB downloaded :p1, 1000, 1500ms
\tQueued registry.example.com/web#58;v3 for default/web-2 · waited 1.5 s :done, q2, 1000, 1500ms
\tFailed registry.example.com/web#58;v3 for default/web-2 :crit, p2, 2500, 100ms
\tsection node-b
\tPulled registry.example.com/web#58;v2 for default/web-3 · 49 MB downloaded :p3, 1000, 3000ms
"""

REGISTRY_PULLED = """\
---
title: Registry exchange
---
sequenceDiagram
\taccTitle: Registry exchange of one image pull
\taccDescr: registry.example.com/web#58;v2 on node-a as alice: pulled, 5 requests before the \
layers, 1 layers downloaded, 1 already on the node
\tparticipant kubelet as kubelet on node-a
\tparticipant containerd as containerd
\tparticipant auth as token service
\tparticipant registry as registry.example.com
\tkubelet->>containerd: PullImage registry.example.com/web#58;v2 with the credentials of alice
\tcontainerd->>registry: HEAD /v2/web/manifests/v2
\tregistry-->>containerd: 401 Unauthorized (bearer challenge)
\tcontainerd->>auth: GET token?scope=repository#58;web#58;pull as alice
\tauth-->>containerd: 200 OK (token)
\tcontainerd->>registry: HEAD /v2/web/manifests/v2
\tregistry-->>containerd: 200 OK (sha256#58;cccccccccccc…)
\tcontainerd->>registry: GET /v2/web/manifests/sha256#58;cccccccccccc…
\tregistry-->>containerd: 200 OK (manifest)
\tcontainerd->>registry: GET /v2/web/blobs/sha256#58;dddddddddddd…
\tregistry-->>containerd: 200 OK (config)
\tNote over containerd: debian-12 sha256:aaaaaaaaaaaa · Already exists
\tcontainerd->>registry: GET /v2/web/blobs/sha256#58;bbbbbbbbbbbb… (app-2)
\tregistry-->>containerd: 200 OK · 1.5 MB
\tcontainerd-->>kubelet: Pulled sha256:cccccccccccc · image size 49.5 MB · 1.5 MB downloaded
"""

REGISTRY_FAILED_TAIL = """\
\tcontainerd->>registry: HEAD /v2/web/manifests/v3
\tregistry-->>containerd: 404 Not Found
\tcontainerd--xkubelet: failed to pull and unpack image \
#34;registry.example.com/web#58;v3#34;#58; not found
"""


# --- exact text ----------------------------------------------------------------------------------


def test_layer_stacks_put_the_base_at_the_bottom_and_mark_cached_layers() -> None:
    assert layer_stacks(TRACE) == LAYERS


def test_pull_timeline_is_a_gantt_per_node_in_milliseconds_from_the_start() -> None:
    assert pull_timeline(TRACE) == PULLS


def test_registry_exchange_shows_challenge_token_account_manifest_and_blobs() -> None:
    assert registry_exchange(TRACE, 0) == REGISTRY_PULLED


def test_registry_exchange_draws_the_first_failed_pull_by_default() -> None:
    chart = registry_exchange(TRACE)
    assert "kubelet->>containerd: PullImage registry.example.com/web#58;v3 without credentials " \
        "(anonymous)\n" in chart
    assert chart.endswith(REGISTRY_FAILED_TAIL)


def test_registry_exchange_draws_the_first_pull_when_none_failed() -> None:
    trace = replace(TRACE, pulls=(WEB_V2_ELSEWHERE, WEB_V2))
    assert "participant kubelet as kubelet on node-b\n" in registry_exchange(trace)


def test_registry_exchange_without_pulls_says_no_registry_was_contacted() -> None:
    assert registry_exchange(EMPTY) == (
        "---\ntitle: Registry exchange\n---\nsequenceDiagram\n"
        "\taccTitle: Registry exchange of one image pull\n"
        "\taccDescr: No image was pulled, so no registry was contacted\n"
        "\tparticipant kubelet as kubelet\n"
        "\tNote over kubelet: No image was pulled, so no registry was contacted\n"
    )


@pytest.mark.parametrize("index", [-1, 3, 99])
def test_registry_exchange_refuses_a_pull_that_does_not_exist(index: int) -> None:
    with pytest.raises(ValueError, match="numbered from 0"):
        registry_exchange(TRACE, index)


def test_registry_exchange_shows_an_unanswered_request_as_a_lost_message() -> None:
    unreachable = replace(WEB_V3_MISSING, exchanges=(
        Exchange("HEAD https://registry.example.com/v2/web/manifests/v3", "i/o timeout"),))
    chart = registry_exchange(replace(TRACE, pulls=(unreachable,)))
    assert "\tcontainerd-xregistry: HEAD https#58;//registry.example.com/v2/web/manifests/v3\n" \
        "\tNote over containerd,registry: i/o timeout\n" in chart
    assert "participant auth" not in chart


def test_all_charts_omits_charts_with_nothing_to_show() -> None:
    assert all_charts(TRACE) == {"layers": LAYERS, "pulls": PULLS,
                                 "registry": registry_exchange(TRACE)}
    assert all_charts(EMPTY) == {}
    assert set(all_charts(replace(TRACE, pulls=(WEB_V3_MISSING,)))) == {"pulls", "registry"}


# --- what each chart must make visible -----------------------------------------------------------


def test_gantt_shows_the_wait_in_the_serialized_queue_apart_from_the_pull() -> None:
    lines = pull_timeline(TRACE).splitlines()
    queued = [line for line in lines if line.startswith("\tQueued")]
    assert queued == ["\tQueued registry.example.com/web#58;v3 for default/web-2 · waited 1.5 s "
                      ":done, q2, 1000, 1500ms"]
    # the pull itself starts when the wait ends
    assert "\tFailed registry.example.com/web#58;v3 for default/web-2 :crit, p2, 2500, 100ms" \
        in lines


def test_gantt_leaves_room_right_of_the_last_bar_for_the_widest_label() -> None:
    """Mermaid draws a label left of its bar (and cuts it at the chart's edge) unless
    bar end + label + 1.5 × leftPadding fits; the last bar ends at width − left − right."""
    pod = "default/" + "w" * 90
    chart = pull_timeline(replace(TRACE, pulls=(replace(WEB_V2, pod=pod, node="n" * 40),)))
    config = dict(re.findall(r"^    (\w+): (\d+)$", chart, re.MULTILINE))
    width, left, right = (int(config[k]) for k in ("useWidth", "leftPadding", "rightPadding"))
    label = f"Pulled registry.example.com/web:v2 for {pod} · 1.5 MB downloaded"
    assert right - left / 2 >= 8 * len(label)
    assert left >= 10 + 8 * 40  # the node's name, drawn from x = 10
    assert width - left - right >= 400  # the bars keep room to be told apart


def test_gantt_marks_failed_pulls_crit_and_only_them() -> None:
    tasks = [line for line in pull_timeline(TRACE).splitlines() if re.search(r"\bp\d+, ", line)]
    assert [(":crit," in line) for line in tasks] == [False, True, False]


def test_gantt_marks_a_pull_that_downloaded_nothing_as_a_registry_check() -> None:
    checked = replace(WEB_V2, bytes=0, layers=tuple(
        replace(layer, state="present") for layer in WEB_V2.layers))
    chart = pull_timeline(replace(TRACE, pulls=(checked,)))
    assert "\tChecked registry.example.com/web#58;v2 for default/web-1 · nothing to download " \
        ":active, p1, 1000, 1500ms\n" in chart


def test_gantt_from_a_simulation_with_serialized_pulls_shows_queued_waiting() -> None:
    scenario = load_scenario("""
name: one node, serialized pulls
nodes: [{name: node-1}]
registries:
  - host: registry.example.com
    bandwidth: 10MB/s
    repositories:
      app: {images: {b1: {layers: [{id: base, size: 20MB}]}}, tags: {v1: b1}}
      tools: {images: {t1: {layers: [{id: tools, size: 10MB}]}}, tags: {v1: t1}}
kubelet: {serializeImagePulls: true}
""")
    trace = simulate(load_paste("""
apiVersion: v1
kind: Pod
metadata: {name: one}
spec:
  containers: [{name: app, image: registry.example.com/app:v1}]
---
apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  containers: [{name: tools, image: registry.example.com/tools:v1}]
"""), scenario)
    waited = [p for p in trace.pulls if p.started > p.requested]
    assert waited, "the scenario must make one pull wait for the other"
    assert re.search(r"\n\tQueued registry\.example\.com/\w+#58;v1 for default/\w+ · waited "
                     r"[\d.]+ s :done, q\d, \d+, \d+ms\n", pull_timeline(trace))


def test_layer_stacks_group_nodes_that_got_the_same_image_the_same_way() -> None:
    twin = replace(WEB_V2, node="node-c", pod="default/web-4")
    chart = layer_stacks(replace(TRACE, pulls=(WEB_V2, twin)))
    assert chart.count("subgraph") == 1
    assert '\ts1_node["node-a, node-c<br/>sha256:cccccccccccc<br/>1.5 MB downloaded"]\n' in chart
    assert "differs" not in chart.split("classDef")[0]  # one image: nothing to compare


def test_layer_stacks_with_no_successful_pull_say_so() -> None:
    chart = layer_stacks(replace(TRACE, pulls=(WEB_V3_MISSING,)))
    assert '\tnone["No image was pulled in this evaluation"]\n' in chart
    assert "\taccDescr: No image was pulled\n" in chart


def test_gantt_stops_drawing_past_its_limit_and_says_how_many_it_left_out() -> None:
    pulls = tuple(replace(WEB_V2, pod=f"default/web-{n}", requested=float(n), started=float(n),
                          finished=n + 0.5) for n in range(MAX_TIMELINE_PULLS + 5))
    chart = pull_timeline(replace(TRACE, pulls=pulls))
    assert chart.count(" · 1.5 MB downloaded :p") == MAX_TIMELINE_PULLS
    assert "5 later pulls not drawn" in chart


@pytest.mark.parametrize(("size", "shown"), [
    (0, "0 B"), (999, "999 B"), (1000, "1 kB"), (1500, "1.5 kB"), (48_000_000, "48 MB"),
    (12_345_678, "12.3 MB"), (999_999, "1 MB"), (61_000_000_000, "61 GB"),
])
def test_sizes_read_in_decimal_units_like_a_registry(size: int, shown: str) -> None:
    assert human_size(size) == shown


# --- hostile text --------------------------------------------------------------------------------

HOSTILE = [
    '"]; click s1 call alert(1)',
    '%%{init: {"securityLevel": "loose"}}%%',
    "web\nsection evil\n\tclick p1 href \"javascript:alert(1)\"",
    "a # comment ; b",
    "x :crit, evil, 0, 1ms",
    "end",
    "style x:y#1; fill",
    "<img src=x onerror=alert(1)>",
    "a,b@c&amp;ﬂ°°58¶ß",
    "`**md**` | [x] {y}",
    "#" * 300,
]
_ENTITY = re.compile(r"#\d+;")
_LINE_SHAPES = {
    "layers": re.compile(
        r'---|title: Image layer stacks|flowchart TB|end'
        r'|\t(subgraph s\d+ \["[^"]*"\]|direction TB|s\d+_(l\d+|node)\["[^"]*"\]'
        r'|s\d+_(l\d+|node) ~~~ s\d+_(l\d+|node)|accTitle: [^"]*|accDescr: [^"]*'
        r'|classDef \w+ [\w#:,-]+( [\w#:,-]+)?|class [\w,]+ \w+)'),
    "pulls": re.compile(
        r"---|config:|  gantt:|    (useWidth|leftPadding|rightPadding): \d+"
        r"|gantt|\t(title [^:]*|acc(Title|Descr): [^%]*|dateFormat x|axisFormat %M:%S(\.%L)?"
        r"|tickInterval \d+(millisecond|second|minute)"
        r"|todayMarker off|section [^:]+"
        r"|(Queued|Pulled|Failed|Checked) [^:]+ :((done|crit|active), )?[pq]\d+, \d+, \d+ms)"),
    "registry": re.compile(
        r"---|title: Registry exchange|sequenceDiagram"
        r"|\t(acc(Title|Descr): .*|participant \w+ as [^:,@]+"
        r"|Note over \w+(,\w+)?: [^:]*(sha256:\w+ [^:]*)?"
        r"|\w+(->>|-->>|-x|--x)\w+: [^:]*(sha256:\w+ [^:]*)?)"),
}


def _hostile_trace(name: str) -> Trace:
    pull = replace(WEB_V2, node=name, pod=name, image=f"registry.example.com/{name}",
                   username=name, tried=(name, "bob"), error=name,
                   layers=(replace(WEB_V2.layers[0], label=name), WEB_V2.layers[1]),
                   exchanges=(*WEB_V2.exchanges, Exchange(name, name, "auth")))
    failed = replace(WEB_V3_MISSING, node=name, pod=name, error=name)
    return replace(TRACE, pulls=(pull, failed, replace(WEB_V2_ELSEWHERE, node=name)))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_inside_their_label(name: str) -> None:
    benign = all_charts(_hostile_trace("benign"))
    hostile = all_charts(_hostile_trace(name))
    for kind, chart in hostile.items():
        # No new statements, and every line keeps its shape with the entities taken out.
        assert chart.count("\n") == benign[kind].count("\n"), kind
        for line in chart.splitlines():
            plain = _ENTITY.sub("E", line).replace("<br/>", " ")
            assert _LINE_SHAPES[kind].fullmatch(plain), (kind, line)
            assert "%%" not in line and "<img" not in line
            if kind != "layers":  # classDef colours are the flowchart's only raw #
                assert "#" not in plain and ";" not in plain, (kind, line)
        assert not re.search(r"^\s*(click|section evil|%%)", chart, re.MULTILINE)


def test_text_never_leaves_half_an_entity_when_it_cuts() -> None:
    for value in ["#" * 300, "a" * 119 + "#", ":" * 500]:
        safe = text(value)
        assert not re.search(r"#\d*$", safe)
        assert _ENTITY.sub("", safe).replace("…", "").strip("a") == ""


# --- secrets and determinism ---------------------------------------------------------------------

PASSWORD = "s3cret-Pa55word"
WRONG_PASSWORD = "wr0ng-Pa55word"
SECRET_PODS = f"""
apiVersion: v1
kind: Secret
metadata: {{name: wrong-secret}}
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{{"auths":{{"registry.company.com":{{"username":"intruder",
    "password":"{WRONG_PASSWORD}"}}}}}}'
---
apiVersion: v1
kind: Pod
metadata: {{name: right}}
spec:
  nodeName: node-b
  imagePullSecrets: [{{name: company-registry-secret}}]
  containers: [{{name: web, image: registry.company.com/webapp:v2}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: wrong}}
spec:
  nodeName: node-c
  imagePullSecrets: [{{name: wrong-secret}}]
  containers: [{{name: web, image: registry.company.com/webapp:v2}}]
"""


def _private_registry_trace() -> Trace:
    source = (ROOT / "lessons/content/scenarios/private-registry.yaml").read_text()
    scenario = load_scenario(source.replace("mypass123", PASSWORD))
    return simulate(load_paste(SECRET_PODS), scenario)


def test_no_password_appears_in_the_charts_of_a_private_registry_pull() -> None:
    trace = _private_registry_trace()
    charts = all_charts(trace)
    charts.update({f"registry{i}": registry_exchange(trace, i) for i in range(len(trace.pulls))})
    everything = "\n".join(charts.values())
    assert "myuser" in everything and "intruder" in everything  # the accounts are shown
    for secret in (PASSWORD, WRONG_PASSWORD):
        for form in (secret, base64.b64encode(f"myuser:{secret}".encode()).decode(),
                     base64.b64encode(f"intruder:{secret}".encode()).decode(),
                     text(secret)):
            assert form not in everything


def test_charts_are_identical_across_processes_and_hash_seeds() -> None:
    here = all_charts(_private_registry_trace())
    program = (
        "import json, sys; sys.path.insert(0, 'tests/engine'); "
        "from test_charts import _private_registry_trace; "
        "from sandbox.engine.render import all_charts; "
        "print(json.dumps(all_charts(_private_registry_trace())))"
    )
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout
        assert json.loads(out) == here
    assert all_charts(_private_registry_trace()) == here
