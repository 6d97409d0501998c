"""What a learner would type at the end of an evaluation: `kubectl get pods`, `kubectl describe`."""

from __future__ import annotations

from . import kubectl
from .trace import Trace


def get_pods(trace: Trace) -> str:
    """`kubectl get pods -o wide` at the end of the simulated horizon."""
    if not trace.pods:
        return "No resources found in default namespace.\n"
    nodes = sorted({p.node for p in trace.pods if p.node})
    return kubectl.get_pods(list(trace.pods), trace.horizon, wide=True, nodes=nodes)


def describe_pods(trace: Trace) -> str:
    """`kubectl describe pod` for every pod, separated by a blank line, as kubectl prints them."""
    texts = []
    for pod in trace.pods:
        key = f"{pod.namespace}/{pod.name}"
        events = [e for e in trace.events if e.pod == key]
        texts.append(kubectl.describe_pod(pod, events, trace.horizon, trace.profile))
    return "\n\n".join(texts)
