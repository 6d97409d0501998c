"""What a learner would type at the end of an evaluation: `kubectl get pods`, `kubectl describe`."""

from __future__ import annotations

from ..kubectl import describe_pod
from ..kubectl import printers as kubectl_printers
from ..reference import InvalidReference, parse_reference
from ..trace import Event, Pull, Trace


def get_pods(trace: Trace) -> str:
    """`kubectl get pods -o wide` at the end of the simulated horizon."""
    if not trace.pods:
        return "No resources found in default namespace.\n"
    return kubectl_printers.get_pods(list(trace.pods), trace.horizon, wide=True,
                                     nodes=_node_order(trace))


def _node_order(trace: Trace) -> list[str]:
    """The nodes pods landed on, in name order: both kubectl views number addresses by it."""
    return sorted({p.node for p in trace.pods if p.node})


def describe_pods(trace: Trace) -> str:
    """`kubectl describe pod` for every pod, separated by a blank line, as kubectl prints them."""
    texts = []
    addresses = kubectl_printers.pod_addresses(trace.pods, _node_order(trace))
    # Each pod's events in the trace's order, gathered in one pass: a filter per pod was
    # pods × events (110 ms for a 500-replica Deployment's 3 332 events).
    by_pod: dict[str, list[Event]] = {}
    for event in trace.events:
        by_pod.setdefault(event.pod, []).append(event)
    for pod in trace.pods:
        key = f"{pod.namespace}/{pod.name}"
        texts.append(describe_pod(pod, by_pod.get(key, []), trace.horizon, trace.profile,
                                  address=addresses.get(key)))
    return "\n\n".join(texts)


def docker_pull_log(pull: Pull) -> list[str]:
    """`docker pull` of the same image as a log (no terminal: one line per status change, as
    CI logs show it), each line with the simulated time it happened."""
    try:
        ref = parse_reference(pull.image)
    except InvalidReference:
        return [f"{pull.started:8.3f}s  Error response from daemon: invalid reference format"]
    timed: list[tuple[float, int, str]] = [
        (pull.started, 0, f"{ref.digest or ref.tag or 'latest'}: Pulling from {ref.path}")]
    if pull.outcome == "failed":
        timed.append((pull.finished, 1, f"Error response from daemon: {pull.error}"))
    for order, layer in enumerate(pull.layers):
        short = layer.digest.removeprefix("sha256:")[:12]
        if layer.state == "present":
            timed.append((layer.started, 1, f"{short}: Already exists"))
            continue
        timed.append((pull.started, 2 + order, f"{short}: Pulling fs layer"))
        download_done = layer.fetched or layer.finished
        timed.append((download_done, 100 + order, f"{short}: Verifying Checksum"))
        timed.append((download_done, 101 + order, f"{short}: Download complete"))
        timed.append((layer.finished, 200 + order, f"{short}: Pull complete"))
    if pull.outcome == "pulled":
        lines = docker_pull_lines(pull)
        for text in lines[-3:]:
            timed.append((pull.finished, 1000, text))
    timed.sort(key=lambda item: (item[0], item[1]))
    return [f"{when:8.3f}s  {text}" for when, _, text in timed]


def docker_pull_lines(pull: Pull) -> list[str]:
    """What a terminal shows once `docker pull <image>` of the same pull has finished.

    Docker names layers by the first 12 hex digits of their digest and prints `Already exists`
    for a layer the node had, `Pull complete` for one it downloaded.
    """
    try:
        ref = parse_reference(pull.image)
    except InvalidReference:
        return [f"Error response from daemon: invalid reference format: {pull.image}"]
    shown = ref.digest or ref.tag or "latest"
    lines = [f"{shown}: Pulling from {ref.path}"]
    if pull.outcome == "failed":
        lines.append(f"Error response from daemon: {pull.error or 'pull failed'}")
        return lines
    for layer in pull.layers:
        short = layer.digest.removeprefix("sha256:")[:12]
        done = "Already exists" if layer.state == "present" else "Pull complete"
        lines.append(f"{short}: {done}")
    if pull.digest:
        lines.append(f"Digest: {pull.digest}")
    familiar = ref.familiar
    if pull.bytes:
        lines.append(f"Status: Downloaded newer image for {familiar}")
    else:
        lines.append(f"Status: Image is up to date for {familiar}")
    lines.append(str(ref) if (ref.tag or ref.digest) else f"{ref}:latest")
    return lines
