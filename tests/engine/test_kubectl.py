"""What `kubectl get pods` and `kubectl describe pod` print (RUNTIME.md §10-§11)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from sandbox.engine.cluster import record_events
from sandbox.engine.kubectl import (
    PodAddress,
    describe_events,
    describe_pod,
    get_pods,
    human_duration,
    pod_addresses,
    pod_status_column,
    ready_column,
    tabwrite,
)
from sandbox.engine.kubectl.describe import container_id, pod_conditions
from sandbox.engine.runtime import (
    PROFILES,
    RenderError,
    msg_backoff,
    msg_error,
    msg_failed_pull,
    msg_pulling,
    msg_scheduled,
    render_for_kubelet,
    repository_not_found_docker_hub,
)
from sandbox.engine.trace import ContainerStatus, Event, PodStatus

# --- HumanDuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "printed"), [
    (-5, "<invalid>"),
    (-2, "<invalid>"),
    (-1.9, "0s"),
    (-0.5, "0s"),
    (0, "0s"),
    (59, "59s"),
    (119.9, "119s"),
    (120, "2m"),
    (125, "2m5s"),
    (180, "3m"),
    (599, "9m59s"),
    (600, "10m"),
    (1500, "25m"),
    (9000, "150m"),
    (10799, "179m"),
    (10800, "3h"),
    (11100, "3h5m"),
    (28799, "7h59m"),
    (28800, "8h"),
    (72000, "20h"),
    (172799, "47h"),
    (172800, "2d"),
    (273600, "3d4h"),
    (691200, "8d"),
    (300 * 86400, "300d"),
    (729 * 86400, "729d"),
    (730 * 86400, "2y"),
    (750 * 86400, "2y20d"),
    (8 * 365 * 86400, "8y"),
    (3650 * 86400, "10y"),
])
def test_human_duration_matches_apimachinery(seconds: float, printed: str) -> None:
    assert human_duration(seconds) == printed


def test_human_duration_rejects_non_numbers() -> None:
    with pytest.raises(RenderError):
        human_duration("5s")  # type: ignore[arg-type]


# --- the tabwriter ------------------------------------------------------------------------------


def test_tabwriter_aligns_column_blocks_and_a_line_without_tabs_ends_the_block() -> None:
    assert tabwrite("a\tb\nlonger\tc\nbreak\nx\ty\n") == "a       b\nlonger  c\nbreak\nx  y\n"


def test_tabwriter_pads_an_empty_cell_before_the_line_end() -> None:
    assert tabwrite("Container ID:\t\nImage:\tnginx\n") == (
        "Container ID:  \nImage:         nginx\n")


def test_tabwriter_minimum_width_and_padding_of_kubectl_get() -> None:
    assert tabwrite("a\tb\n", minwidth=6, padding=3) == "a     b\n"


# text/tabwriter's own tests (tabwriter_test.go) without flags: (name, minwidth, padding, pad
# character, input, output). The pad character is written as Go's test has it and read as a
# space, the only one kubectl uses; widths count runes.
GO_TABWRITER = [
    ("11", 8, 1, ".", "本\tb\tc\naa\t本本本\tcccc\tddddd\naaa\tbbbb\n",
     "本.......b.......c\naa......本本本.....cccc....ddddd\naaa.....bbbb\n"),
    ("12b", 2, 0, " ", "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n",
     "a  b  c\naa bbbcccc\naaabbbb\n"),
    ("12c", 8, 1, "_", "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n",
     "a_______b_______c\naa______bbb_____cccc\naaa_____bbbb\n"),
    ("13a", 4, 1, "-",
     "4444\t日本語\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n"
     "666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n",
     "4444------日本語-22--1---333\n999999999-22\n7---------22\n------------------88888888\n\n"
     "666666-666666-666666----4444\n1------1------999999999-0000000000\n"),
    ("13b", 4, 3, ".",
     "4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n"
     "666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n",
     "4444........333...22...1...333\n999999999...22\n7...........22\n"
     "....................88888888\n\n666666...666666...666666......4444\n"
     "1........1........999999999...0000000000\n"),
]


@pytest.mark.parametrize(("name", "minwidth", "padding", "pad", "text", "printed"),
                         GO_TABWRITER, ids=[row[0] for row in GO_TABWRITER])
def test_tabwriter_matches_go_text_tabwriter(name: str, minwidth: int, padding: int, pad: str,
                                             text: str, printed: str) -> None:
    assert tabwrite(text, minwidth, padding) == printed.replace(pad, " ")


def _go_format(text: str, minwidth: int, padding: int) -> str:
    """text/tabwriter's `format`, transcribed as it is (recursive, one column per level): the
    reference the one-pass `tabwrite` is checked against."""
    rows = [line.split("\t") for line in text.split("\n")]
    out = [""] * len(rows)
    widths: list[int] = []

    def write(first: int, last: int) -> None:
        for i in range(first, last):
            out[i] = "".join(cell.ljust(widths[j]) if j < len(widths) else cell
                             for j, cell in enumerate(rows[i]))

    def block(line0: int, line1: int) -> None:
        column, this = len(widths), line0
        while this < line1:
            if column >= len(rows[this]) - 1:
                this += 1
                continue
            write(line0, this)
            line0, width = this, minwidth
            while this < line1 and column < len(rows[this]) - 1:
                width = max(width, len(rows[this][column]) + padding)
                this += 1
            widths.append(width)
            block(line0, this)
            widths.pop()
            line0 = this
        write(line0, line1)

    block(0, len(rows))
    return "\n".join(out)


def test_tabwriter_agrees_with_go_format_on_random_tables() -> None:
    chance = random.Random(7)
    for _ in range(2000):
        lines = ["\t".join("x" * chance.randrange(0, 6) for _ in range(chance.randrange(0, 5)))
                 for _ in range(chance.randrange(0, 9))]
        text = "\n".join(lines) + chance.choice(["", "\n"])
        minwidth, padding = chance.choice([(0, 2), (6, 3), (8, 1), (0, 0)])
        assert tabwrite(text, minwidth, padding) == _go_format(text, minwidth, padding), text


# --- STATUS and READY -------------------------------------------------------------------------


def _c(name: str = "app", state: str = "waiting", reason: str | None = None, *,
       init: bool = False, ready: bool = False, image: str = "nginx:1.27") -> ContainerStatus:
    return ContainerStatus(name, image, init, "IfNotPresent", "written", state,  # type: ignore[arg-type]
                           reason, ready=ready)


@pytest.mark.parametrize(("containers", "phase", "status"), [
    ([], "Pending", "Pending"),
    ([_c(reason="ContainerCreating")], "Pending", "ContainerCreating"),
    ([_c(reason="ErrImagePull")], "Pending", "ErrImagePull"),
    ([_c(reason="ImagePullBackOff")], "Pending", "ImagePullBackOff"),
    ([_c(reason="InvalidImageName")], "Pending", "InvalidImageName"),
    ([_c(reason="ErrImageNeverPull")], "Pending", "ErrImageNeverPull"),
    ([_c("init", reason="ErrImagePull", init=True), _c(reason="PodInitializing")], "Pending",
     "Init:ErrImagePull"),
    ([_c("init", reason="ImagePullBackOff", init=True), _c(reason="PodInitializing")], "Pending",
     "Init:ImagePullBackOff"),
    ([_c("init", "running", init=True), _c(reason="PodInitializing")], "Pending", "Init:0/1"),
    ([_c("init", reason="PodInitializing", init=True), _c()], "Pending", "Init:0/1"),
    ([_c("a", "terminated", "Completed", init=True), _c("b", init=True), _c()], "Pending",
     "Init:1/2"),
    ([_c("init", "terminated", "Error", init=True), _c()], "Pending", "Init:Error"),
    ([_c("init", "terminated", "Completed", init=True), _c(reason="PodInitializing")], "Pending",
     "PodInitializing"),
    ([_c("a", reason="ErrImagePull"), _c("b", reason="ImagePullBackOff")], "Pending",
     "ErrImagePull"),
    ([_c("a", "running", ready=True), _c("b", reason="ImagePullBackOff")], "Pending",
     "ImagePullBackOff"),
    ([_c("a", "running", ready=True)], "Running", "Running"),
    ([_c(reason="CrashLoopBackOff")], "Running", "CrashLoopBackOff"),
    ([_c("a", "terminated", "Error")], "Running", "Error"),
    ([_c("a", "terminated", "Completed"), _c("b", "running", ready=True)], "Running", "NotReady"),
])
def test_status_column_follows_print_pod(
        containers: list[ContainerStatus], phase: str, status: str) -> None:
    assert pod_status_column(containers, phase) == status


@pytest.mark.parametrize(("containers", "ready"), [
    ([_c(reason="ErrImagePull")], "0/1"),
    ([_c("a", "running", ready=True), _c("b", reason="ImagePullBackOff")], "1/2"),
    ([_c("init", "running", init=True, ready=True), _c(reason="PodInitializing")], "0/1"),
    ([_c("a", "running", ready=True), _c("b", "running", ready=True)], "2/2"),
])
def test_ready_column_counts_ready_regular_containers(
        containers: list[ContainerStatus], ready: str) -> None:
    assert ready_column(containers) == ready


def test_status_column_rejects_non_container_statuses() -> None:
    with pytest.raises(RenderError):
        pod_status_column(["ErrImagePull"], "Pending")  # type: ignore[list-item]


# --- kubectl get pods ---------------------------------------------------------------------------


def _pod(name: str, node: str | None, *containers: ContainerStatus, namespace: str = "default",
         phase: str = "Pending", restarts: int = 0, owner: str | None = None) -> PodStatus:
    return PodStatus(namespace, name, owner, node, phase, "", "", restarts, tuple(containers))


PODS = [
    _pod("web", "node-1", _c("web", "running", ready=True), phase="Running"),
    _pod("broken", "node-2", _c("broken", reason="ImagePullBackOff")),
    _pod("pending", None, _c("pending")),
]


def test_get_pods_table_is_sorted_by_name_and_aligned_with_padding_three() -> None:
    assert get_pods(PODS, 125.0) == (
        "NAME      READY   STATUS             RESTARTS   AGE\n"
        "broken    0/1     ImagePullBackOff   0          2m5s\n"
        "pending   0/1     Pending            0          2m5s\n"
        "web       1/1     Running            0          2m5s\n"
    )


def test_get_pods_wide_adds_ip_node_and_none_columns() -> None:
    assert get_pods(PODS, 30.0, wide=True, nodes=("node-1", "node-2"),
                    created={"default/web": 20.5}) == (
        "NAME      READY   STATUS             RESTARTS   AGE   IP           NODE     "
        "NOMINATED NODE   READINESS GATES\n"
        "broken    0/1     ImagePullBackOff   0          30s   10.244.1.2   node-2   "
        "<none>           <none>\n"
        "pending   0/1     Pending            0          30s   <none>       <none>   "
        "<none>           <none>\n"
        "web       1/1     Running            0          10s   10.244.0.2   node-1   "
        "<none>           <none>\n"
    )


def test_get_pods_across_namespaces_adds_the_namespace_column() -> None:
    pods = [_pod("a", "n1", _c(reason="ErrImagePull"), namespace="team-b"),
            _pod("a", "n1", _c(reason="ErrImagePull"), namespace="team-a")]
    assert get_pods(pods, 5.0) == (
        "NAMESPACE   NAME   READY   STATUS         RESTARTS   AGE\n"
        "team-a      a      0/1     ErrImagePull   0          5s\n"
        "team-b      a      0/1     ErrImagePull   0          5s\n"
    )


def test_pod_addresses_are_stable_per_node_in_list_order() -> None:
    pods = [_pod("a", "n2"), _pod("b", "n1"), _pod("c", "n2"), _pod("d", None)]
    assert pod_addresses(pods, ("n1", "n2")) == {
        "default/a": PodAddress("10.244.1.2", "172.18.0.3"),
        "default/b": PodAddress("10.244.0.2", "172.18.0.2"),
        "default/c": PodAddress("10.244.1.3", "172.18.0.3"),
        "default/d": PodAddress(None, None),
    }


def test_get_pods_rejects_other_objects() -> None:
    with pytest.raises(RenderError):
        get_pods(["web"], 0.0)  # type: ignore[list-item]


# --- kubectl describe: the Events block -----------------------------------------------------------

IMAGE = "jakwehrgkaejw:kahsdfgkhj"
POD = "s10/lifecycle-image-error"
FIELD = "spec.containers{broken-image}"


def _kubelet(time: float, type_: str, reason: str, message: str, field_path: str | None = FIELD,
             pod: str = POD) -> Event:
    return Event(time, type_, reason, message, pod, "kubelet", field_path)  # type: ignore[arg-type]


def kind_2026_events() -> list[Event]:
    """Every occurrence behind the observed kind 2026 block (four pulls, five back-offs)."""
    error = render_for_kubelet(repository_not_found_docker_hub(IMAGE))
    events = [Event(0, "Normal", "Scheduled",
                    msg_scheduled("s10", "lifecycle-image-error", "devops-heros-worker"), POD,
                    "default-scheduler")]
    for t in (1, 16, 47, 92):
        events += [_kubelet(t, "Normal", "Pulling", msg_pulling(IMAGE)),
                   _kubelet(t + 3, "Warning", "Failed", msg_failed_pull(IMAGE, error)),
                   _kubelet(t + 3, "Warning", "Failed", msg_error("ErrImagePull"))]
    for t in (4, 20, 55, 80, 108):
        events += [_kubelet(t, "Normal", "BackOff", msg_backoff(IMAGE)),
                   _kubelet(t, "Warning", "Failed", msg_error("ImagePullBackOff"))]
    return events


KIND_2026_BLOCK = """\
Events:
  Type     Reason     Age                 From               Message
  ----     ------     ----                ----               -------
  Normal   Scheduled  109s                default-scheduler  Successfully assigned s10/lifecycle-image-error to devops-heros-worker
  Normal   Pulling    17s (x4 over 108s)  kubelet            spec.containers{broken-image}: Pulling image "jakwehrgkaejw:kahsdfgkhj"
  Warning  Failed     14s (x4 over 105s)  kubelet            spec.containers{broken-image}: Failed to pull image "jakwehrgkaejw:kahsdfgkhj": failed to pull and unpack image "docker.io/library/jakwehrgkaejw:kahsdfgkhj": failed to resolve reference "docker.io/library/jakwehrgkaejw:kahsdfgkhj": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed
  Warning  Failed     14s (x4 over 105s)  kubelet            spec.containers{broken-image}: Error: ErrImagePull
  Normal   BackOff    1s (x5 over 105s)   kubelet            spec.containers{broken-image}: Back-off pulling image "jakwehrgkaejw:kahsdfgkhj"
  Warning  Failed     1s (x5 over 105s)   kubelet            spec.containers{broken-image}: Error: ImagePullBackOff
"""  # noqa: E501


def test_describe_events_reproduces_the_observed_kind_2026_block() -> None:
    assert describe_events(kind_2026_events(), 109.0) == KIND_2026_BLOCK


def test_kubectl_before_135_shows_no_field_path_prefix() -> None:
    block = describe_events(kind_2026_events(), 109.0, PROFILES["current"])
    assert ('  Normal   Pulling    17s (x4 over 108s)  kubelet            '
            'Pulling image "jakwehrgkaejw:kahsdfgkhj"\n') in block
    assert "spec.containers" not in block


def test_no_events_prints_none() -> None:
    assert describe_events([], 10.0) == "Events:  <none>\n"


def test_a_successful_start_on_kubernetes_135() -> None:
    pod, field = "s10/lifecycle-running", "spec.containers{nginx}"
    events = [
        Event(0, "Normal", "Scheduled", "Successfully assigned s10/lifecycle-running to "
                                        "devops-heros-worker", pod, "default-scheduler"),
        _kubelet(1.4, "Normal", "Pulled", 'Container image "nginx:1.27" already present on '
                                          "machine and can be accessed by the pod", field, pod),
        _kubelet(1.5, "Normal", "Created", "Container created", field, pod),
        _kubelet(1.6, "Normal", "Started", "Container started", field, pod),
    ]
    assert describe_events(events, 108.2) == """\
Events:
  Type    Reason     Age   From               Message
  ----    ------     ----  ----               -------
  Normal  Scheduled  108s  default-scheduler  Successfully assigned s10/lifecycle-running to devops-heros-worker
  Normal  Pulled     107s  kubelet            spec.containers{nginx}: Container image "nginx:1.27" already present on machine and can be accessed by the pod
  Normal  Created    107s  kubelet            spec.containers{nginx}: Container created
  Normal  Started    107s  kubelet            spec.containers{nginx}: Container started
"""  # noqa: E501


def test_a_successful_pull_on_kubernetes_134() -> None:
    pod, field = "default/web", "spec.containers{web}"
    events = [
        Event(0, "Normal", "Scheduled", "Successfully assigned default/web to node-1", pod,
              "default-scheduler"),
        _kubelet(1, "Normal", "Pulling", 'Pulling image "nginx:1.25"', field, pod),
        _kubelet(2, "Normal", "Pulled", 'Successfully pulled image "nginx:1.25" in 1.234s '
                                        "(1.234s including waiting). Image size: 70988027 bytes.",
                 field, pod),
        _kubelet(2, "Normal", "Created", "Created container: web", field, pod),
        _kubelet(2, "Normal", "Started", "Started container web", field, pod),
    ]
    assert describe_events(events, 12, "current") == """\
Events:
  Type    Reason     Age   From               Message
  ----    ------     ----  ----               -------
  Normal  Scheduled  12s   default-scheduler  Successfully assigned default/web to node-1
  Normal  Pulling    11s   kubelet            Pulling image "nginx:1.25"
  Normal  Pulled     10s   kubelet            Successfully pulled image "nginx:1.25" in 1.234s (1.234s including waiting). Image size: 70988027 bytes.
  Normal  Created    10s   kubelet            Created container: web
  Normal  Started    10s   kubelet            Started container web
"""  # noqa: E501


def test_ages_count_from_the_whole_second_the_event_was_stored_in() -> None:
    events = [_kubelet(4.9, "Normal", "Pulling", "x")]
    assert "  Normal  Pulling  6s    kubelet" in describe_events(events, 10.2)


def test_rows_are_sorted_by_last_timestamp() -> None:
    events = [_kubelet(0, "Normal", "BackOff", "a"), _kubelet(10, "Normal", "Pulling", "b"),
              _kubelet(50, "Normal", "BackOff", "a")]
    rows = describe_events(events, 60.0).splitlines()[3:]
    assert [r.split()[1] for r in rows] == ["Pulling", "BackOff"]
    assert "10s (x2 over 60s)" in rows[1]


def test_identical_messages_of_different_containers_are_separate_events() -> None:
    events = [_kubelet(1, "Warning", "Failed", "Error: ErrImagePull", "spec.containers{a}"),
              _kubelet(1, "Warning", "Failed", "Error: ErrImagePull", "spec.containers{b}")]
    assert [e.count for e in record_events(events, 5.0)] == [1, 1]


def test_events_after_now_have_not_happened_yet() -> None:
    assert describe_events([_kubelet(50, "Normal", "Pulling", "x")], 10.0) == "Events:  <none>\n"


def test_ten_different_messages_of_one_reason_are_combined() -> None:
    events = [_kubelet(t, "Normal", "Pulled", f"Successfully pulled in {t}ms") for t in range(11)]
    recorded = record_events(events, 20.0)
    assert [e.message for e in recorded[:9]] == [
        f"Successfully pulled in {t}ms" for t in range(9)]
    combined = recorded[9]
    assert combined.message == "(combined from similar events): Successfully pulled in 10ms"
    assert (combined.count, combined.first, combined.last) == (2, 9, 10)
    assert "10s (x2 over 11s)" in describe_events(events, 20.0)


def test_combining_starts_over_after_600_quiet_seconds() -> None:
    events = [_kubelet(t, "Normal", "Pulled", f"m{t}") for t in range(9)]
    events.append(_kubelet(700, "Normal", "Pulled", "m700"))
    assert not any(e.message.startswith("(combined") for e in record_events(events, 701.0))


def test_the_spam_filter_allows_25_events_per_object_then_one_per_five_minutes() -> None:
    events = [_kubelet(t, "Normal", "BackOff", "same") for t in range(30)]
    assert [e.count for e in record_events(events, 30.0)] == [25]
    events.append(_kubelet(400, "Normal", "BackOff", "same"))
    assert [e.count for e in record_events(events, 400.0)] == [31]


def test_events_untouched_for_an_hour_expire() -> None:
    assert record_events([_kubelet(0, "Normal", "Pulling", "x")], 3601.0) == []
    kept = record_events([_kubelet(0, "Normal", "Pulling", "x"),
                          _kubelet(3000, "Normal", "Pulling", "x")], 3601.0)
    assert [(e.count, e.first, e.last) for e in kept] == [(2, 0, 3000)]


def test_a_multi_line_message_restarts_the_column_alignment() -> None:
    events = [Event(0, "Normal", "Scheduled", "Successfully assigned default/a to n1",
                    "default/a", "default-scheduler"),
              _kubelet(1, "Warning", "Failed", "first\nsecond", None, "default/a"),
              _kubelet(2, "Normal", "Pulling", "Pulling image", None, "default/a")]
    assert describe_events(events, 10.0) == """\
Events:
  Type     Reason     Age   From               Message
  ----     ------     ----  ----               -------
  Normal   Scheduled  10s   default-scheduler  Successfully assigned default/a to n1
  Warning  Failed     9s    kubelet            first
second
  Normal  Pulling  8s  kubelet  Pulling image
"""


def test_describe_events_rejects_other_objects() -> None:
    with pytest.raises(RenderError):
        describe_events(["Pulling"], 1.0)  # type: ignore[list-item]


# --- kubectl describe pod -------------------------------------------------------------------------


def test_describe_pod_of_an_image_pull_failure() -> None:
    """describePod's header: Priority (0, as the Priority admission plugin sets it), Service
    Account, Node, Start Time, Labels one per line sorted, Annotations, then Status; the
    longest label, `Service Account:`, sets the block's column."""
    pod = replace(_pod("lifecycle-image-error", "devops-heros-worker",
                       _c("broken-image", reason="ImagePullBackOff", image=IMAGE),
                       namespace="s10"),
                  service_account="default", start_time=0.4, sandbox_at=1.4,
                  labels=(("app", "web"), ("tier", "front")), annotations=(("note", "hi"),))
    text = describe_pod(pod, kind_2026_events(), 109.0)
    assert text == (
        "Name:             lifecycle-image-error\n"
        "Namespace:        s10\n"
        "Priority:         0\n"
        "Service Account:  default\n"
        "Node:             devops-heros-worker/172.18.0.2\n"
        "Start Time:       Thu, 01 Jan 2026 00:00:00 +0000\n"
        "Labels:           app=web\n"
        "                  tier=front\n"
        "Annotations:      note: hi\n"
        "Status:           Pending\n"
        "IP:               10.244.0.2\n"
        "IPs:\n"
        "  IP:  10.244.0.2\n"
        "Containers:\n"
        "  broken-image:\n"
        "    Container ID:   \n"
        "    Image:          jakwehrgkaejw:kahsdfgkhj\n"
        "    Image ID:       \n"
        "    Port:           <none>\n"
        "    Host Port:      <none>\n"
        "    State:          Waiting\n"
        "      Reason:       ImagePullBackOff\n"
        "    Ready:          False\n"
        "    Restart Count:  0\n"
        "Conditions:\n"
        "  Type                        Status\n"
        "  PodReadyToStartContainers   True \n"
        "  Initialized                 True \n"
        "  Ready                       False \n"
        "  ContainersReady             False \n"
        "  PodScheduled                True \n"
    ) + KIND_2026_BLOCK


def test_describe_pod_of_an_unscheduled_pod_aligns_events_none_with_the_last_block() -> None:
    pod = _pod("web", None, _c("web", image="nginx:1.27"), owner="ReplicaSet/web-5d4f")
    assert describe_pod(pod, [], 3.0) == (
        "Name:           web\n"
        "Namespace:      default\n"
        "Priority:       0\n"
        "Node:           <none>\n"
        "Labels:         <none>\n"
        "Annotations:    <none>\n"
        "Status:         Pending\n"
        "IP:             \n"
        "IPs:            <none>\n"
        "Controlled By:  ReplicaSet/web-5d4f\n"
        "Containers:\n"
        "  web:\n"
        "    Image:      nginx:1.27\n"
        "    Port:       <none>\n"
        "    Host Port:  <none>\n"
        "Events:         <none>\n"
    )


def test_describe_pod_shows_command_and_args_one_word_a_line_between_ports_and_state() -> None:
    """describe.go describeContainerCommand: `Command:` then `Args:`, a word per line (a word
    with newlines one line per line), after the host port and before the state. The lines
    without a tab end the tabwriter's block, so the state lines below align on their own, as
    they do on a real cluster."""
    app = replace(_c("app", "running", ready=True, image="busybox:1.36"), started=2.0,
                  command=("sh", "-c"), args=("echo hi\nsleep 5",))
    text = describe_pod(_pod("app", "n1", app, phase="Running"), [], 5.0,
                        address=PodAddress("10.244.0.2", "172.18.0.2"), show_events=False)
    assert text.split("Containers:\n", 1)[1].split("Conditions:\n")[0] == (
        "  app:\n"
        f"    Container ID:  {container_id(_pod('app', 'n1', app), app)}\n"
        "    Image:         busybox:1.36\n"
        "    Image ID:      \n"
        "    Port:          <none>\n"
        "    Host Port:     <none>\n"
        "    Command:\n"
        "      sh\n"
        "      -c\n"
        "    Args:\n"
        "      echo hi\n"
        "      sleep 5\n"
        "    State:          Running\n"
        "      Started:      Thu, 01 Jan 2026 00:00:02 +0000\n"
        "    Ready:          True\n"
        "    Restart Count:  0\n")


def test_the_console_describes_what_kubectl_run_was_told_to_run() -> None:
    from test_console import Console

    c = Console()
    c.do("kubectl run a --image=busybox:1.36 -- sleep 5")
    c.do("kubectl run b --image=busybox:1.36 --command -- sh -c 'exit 1'")
    assert "    Args:\n      sleep\n      5\n    State:" in c.do("kubectl describe pod a").output
    assert ("    Command:\n      sh\n      -c\n      exit 1\n    State:"
            in c.do("kubectl describe pod b").output)
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: c\nspec:\n  containers:\n"
           "  - name: c\n    image: busybox:1.36\n    command: [sleep, {}]\n")
    refused = c.do("kubectl apply -f -", pod.format(5))  # a list of strings, or no Pod
    assert (refused.exit_code, refused.error) == (1, (
        'error: line 9, column 22: spec.containers[0].command[1]: must be a string, not an '
        'integer (quote it: "5")\n'))
    c.do("kubectl apply -f -", pod.format("'5'"))
    assert "    Command:\n      sleep\n      5\n" in c.do("kubectl describe pod c").output


def test_a_pods_describe_header_comes_from_its_manifest_in_a_run_and_in_the_console() -> None:
    """The service account after admission, the pod's labels and annotations (a Deployment's
    from its template, with the pod-template-hash label), and the start time, the same in a
    run's describe text and in the console's."""
    from test_console import Console

    from sandbox.engine import default_scenario, evaluate
    from sandbox.engine.render import report

    paste = ("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: builder\n---\n"
             "apiVersion: v1\nkind: Pod\nmetadata:\n  name: solo\n  labels:\n    app: solo\n"
             "  annotations:\n    team: images\nspec:\n  serviceAccountName: builder\n"
             "  containers:\n  - name: solo\n    image: nginx:1.25\n")
    header = ("Name:             solo\n"
              "Namespace:        default\n"
              "Priority:         0\n"
              "Service Account:  builder\n"
              "Node:             node-1/172.18.0.2\n"
              "Start Time:       Thu, 01 Jan 2026 00:00:00 +0000\n"
              "Labels:           app=solo\n"
              "Annotations:      team: images\n"
              "Status:           Running\n")
    run = report.describe_pods(evaluate(paste, default_scenario()).trace)
    assert run.startswith(header), run
    c = Console()
    c.do("kubectl apply -f -", paste)
    assert c.do("kubectl describe pod solo").output.startswith(header)
    c.do("kubectl apply -f -", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
         "spec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n"
         "      labels:\n        app: web\n      annotations:\n        owner: ada\n"
         "    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n")
    made = c.do("kubectl describe pods -l app=web").output
    assert "\nService Account:  default\n" in made
    assert "\nLabels:           app=web\n                  pod-template-hash=" in made
    assert "\nAnnotations:      owner: ada\n" in made


def test_describe_pod_lists_init_containers_first_and_running_ones_with_ids() -> None:
    setup = replace(_c("setup", "terminated", "Completed", init=True, image="busybox:1.36"),
                    exit_code=0, started=1.0, finished=3.0)
    app = ContainerStatus("app", "nginx:1.27", False, "IfNotPresent", "written", "running",
                          image_id="docker.io/library/nginx@sha256:" + "a" * 64, ready=True,
                          started=4.5)
    pod = _pod("app", "n1", setup, app, phase="Running", owner="ReplicaSet/app-1")
    text = describe_pod(pod, [], 5.0, address=PodAddress("10.244.3.7", "172.18.0.5"))
    assert text == (
        "Name:         app\n"
        "Namespace:    default\n"
        "Priority:     0\n"
        "Node:         n1/172.18.0.5\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "Status:       Running\n"
        "IP:           10.244.3.7\n"
        "IPs:\n"
        "  IP:           10.244.3.7\n"
        "Controlled By:  ReplicaSet/app-1\n"
        "Init Containers:\n"
        "  setup:\n"
        "    Container ID:   containerd://"
        "5edb7616cca62aca545d1182a040d0fcfa8da3d3482969a6dcd0bf9f37e9b389\n"
        "    Image:          busybox:1.36\n"
        "    Image ID:       \n"
        "    Port:           <none>\n"
        "    Host Port:      <none>\n"
        "    State:          Terminated\n"
        "      Reason:       Completed\n"
        "      Exit Code:    0\n"
        "      Started:      Thu, 01 Jan 2026 00:00:01 +0000\n"
        "      Finished:     Thu, 01 Jan 2026 00:00:03 +0000\n"
        "    Ready:          False\n"
        "    Restart Count:  0\n"
        "Containers:\n"
        "  app:\n"
        "    Container ID:   containerd://"
        "42506cecda34aa7aa3a5f914e336c849f666ca5ee069f56f09f0d0983635ab57\n"
        "    Image:          nginx:1.27\n"
        f"    Image ID:       docker.io/library/nginx@sha256:{'a' * 64}\n"
        "    Port:           <none>\n"
        "    Host Port:      <none>\n"
        "    State:          Running\n"
        "      Started:      Thu, 01 Jan 2026 00:00:04 +0000\n"
        "    Ready:          True\n"
        "    Restart Count:  0\n"
        "Conditions:\n"
        "  Type                        Status\n"
        "  PodReadyToStartContainers   False \n"
        "  Initialized                 True \n"
        "  Ready                       True \n"
        "  ContainersReady             True \n"
        "  PodScheduled                True \n"
        "Events:                       <none>\n"
    )


def test_describe_pod_only_shows_events_of_that_pod() -> None:
    pod = _pod("a", "n1", _c("a", reason="ErrImagePull"))
    other = Event(1, "Normal", "Pulling", "Pulling image \"x\"", "default/b")
    assert describe_pod(pod, [other], 5.0).endswith(
        "  PodScheduled                True \nEvents:                       <none>\n")


@pytest.mark.parametrize(("containers", "node", "failed", "rows"), [
    ((_c("web", "running", ready=True),), "n1", False,
     [("PodReadyToStartContainers", "True"), ("Initialized", "True"), ("Ready", "True"),
      ("ContainersReady", "True"), ("PodScheduled", "True")]),
    ((_c("setup", "running", init=True), _c("web", reason="PodInitializing")), "n1", False,
     [("PodReadyToStartContainers", "True"), ("Initialized", "False"), ("Ready", "False"),
      ("ContainersReady", "False"), ("PodScheduled", "True")]),
    ((_c("web", reason="ImagePullBackOff"),), None, True, [("PodScheduled", "False")]),
    ((_c("web"),), None, False, []),  # bound to a node that does not exist: no one reports
], ids=["running", "initializing", "unschedulable", "bound-nowhere"])
def test_pod_conditions_follow_the_kubelets_and_the_schedulers(
        containers: tuple[ContainerStatus, ...], node: str | None, failed: bool,
        rows: list[tuple[str, str]]) -> None:
    pod = replace(_pod("web", node, *containers), sandbox_at=1.0)
    assert pod_conditions(pod, 5.0, failed) == rows
    assert pod_conditions(pod, 0.5, failed)[:1] == (
        [("PodReadyToStartContainers", "False")] if node else rows[:1])  # before the sandbox


def test_a_cronjobs_pods_carry_its_job_templates_annotations() -> None:
    """Each controller copies its own pod template's annotations: a CronJob's sits under
    spec.jobTemplate.spec.template, not spec.template."""
    from sandbox.engine import default_scenario, evaluate
    from sandbox.engine.render import report

    paste = ("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n"
             "  schedule: '0 0 * * *'\n  jobTemplate:\n    spec:\n      template:\n"
             "        metadata:\n          annotations:\n            owner: ada\n"
             "        spec:\n          restartPolicy: OnFailure\n          containers:\n"
             "          - name: job\n            image: busybox:1.36\n")
    text = report.describe_pods(evaluate(paste, default_scenario()).trace)
    assert "\nAnnotations:      owner: ada\n" in text, text
