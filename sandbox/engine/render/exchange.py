"""Mermaid sequence diagram of one image pull: challenge, token with which account, manifest, blobs.

A pure function `Trace -> str`, like the other charts. The diagram shows the requests the runtime
made and the answers it got, so a learner can see where an authenticated pull failed; pulls
carry usernames only, never a secret, and nothing here looks further.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap

from ..reference import InvalidReference, parse_reference
from ..trace import Pull, Trace
from .labels import human_size, name_list, short_digest, text

with contextlib.redirect_stdout(io.StringIO()):  # mermaid-py prints an IPython notice on import
    from mermaid.sequence import Link as Message
    from mermaid.sequence import Note, Participant, SequenceDiagram

_LONG_DIGEST = re.compile(r"\b(sha256:[0-9a-f]{12})[0-9a-f]{20,}")


def _repository(image: str) -> tuple[str, str]:
    """The registry host and repository path a pull of `image` talks to."""
    try:
        ref = parse_reference(image)
    except (InvalidReference, ValueError, TypeError):
        return "registry", image
    return ref.domain, ref.path


def _exchange_text(value: str) -> str:
    return text(_LONG_DIGEST.sub(r"\1…", value), 160)


def _wrapped(message: str, width: int = 72, lines: int = 6) -> str:
    """A long error as several short lines (Mermaid does not wrap messages by itself)."""
    parts = textwrap.wrap(" ".join(message.split()), width) or [""]
    if len(parts) > lines:
        parts = [*parts[: lines - 1], parts[lines - 1] + " …"]
    return "<br/>".join(text(part, width + 2) for part in parts)


def _participant(key: str, name: str) -> Participant:
    """A participant with a fixed id, whatever its shown name."""
    participant = Participant(name)
    participant.id_ = key
    return participant


def _no_exchange() -> str:
    kubelet = _participant("kubelet", "kubelet")
    chart = SequenceDiagram("Registry exchange", [
        kubelet, Note("No image was pulled, so no registry was contacted", kubelet),
    ])
    return _with_accessibility(chart.script, "No image was pulled, so no registry was contacted")


def _with_accessibility(script: str, description: str) -> str:
    head, _, body = script.partition("\nsequenceDiagram\n")
    return (f"{head}\nsequenceDiagram\n\taccTitle: Registry exchange of one image pull\n"
            f"\taccDescr: {description}\n{body}")


def choose_pull(trace: Trace, pull_index: int | None = None) -> Pull | None:
    """The pull to draw: the one asked for, else the first failed one, else the first."""
    if pull_index is None:
        return next((p for p in trace.pulls if p.outcome == "failed"),
                    trace.pulls[0] if trace.pulls else None)
    if not isinstance(pull_index, int) or not 0 <= pull_index < len(trace.pulls):
        raise ValueError(f"pull {pull_index!r} does not exist: this evaluation made "
                         f"{len(trace.pulls)} pulls, numbered from 0")
    return trace.pulls[pull_index]


def registry_exchange(trace: Trace, pull_index: int | None = None) -> str:
    """A sequence diagram of one pull: challenge, token with which account, manifest, blobs."""
    pull = choose_pull(trace, pull_index)
    if pull is None:
        return _no_exchange()
    host, path = _repository(pull.image)
    kubelet = _participant("kubelet", f"kubelet on {text(pull.node, 100)}")
    runtime = _participant("containerd", "containerd")
    auth = _participant("auth", "token service")
    registry = _participant("registry", text(host, 100) or "registry")
    used_auth = any(ex.actor == "auth" for ex in pull.exchanges)
    elements: list[object] = [kubelet, runtime, *([auth] if used_auth else []), registry]
    account = (f"with the credentials of {name_list(pull.tried)}" if pull.tried
               else "without credentials (anonymous)")
    elements.append(Message(kubelet, runtime, "Solid-arrow",
                            f"PullImage {text(pull.image, 150)} {account}"))
    for exchange in pull.exchanges:
        server = auth if exchange.actor == "auth" else registry
        request, response = _exchange_text(exchange.request), _exchange_text(exchange.response)
        if exchange.response[:1].isdigit():  # an HTTP status: the server answered
            elements.append(Message(runtime, server, "Solid-arrow", request))
            elements.append(Message(server, runtime, "Dotted-arrow", response))
        else:  # no answer at all: DNS or a timeout
            elements.append(Message(runtime, server, "Solid-cross", request))
            elements.append(Note(response, [runtime, server]))
    elements += _layer_elements(pull, path, runtime, registry)
    if pull.outcome == "failed":
        elements.append(Message(runtime, kubelet, "Dotted-cross",
                                _wrapped(pull.error or "the pull failed")))
    else:
        elements.append(Message(runtime, kubelet, "Dotted-arrow",
                                f"Pulled {short_digest(pull.digest)} · image size "
                                f"{human_size(pull.image_size)} · {human_size(pull.bytes)} "
                                f"downloaded"))
    chart = SequenceDiagram("Registry exchange", elements)
    downloaded = sum(1 for layer in pull.layers if layer.state == "downloaded")
    description = (f"{text(pull.image, 150)} on {text(pull.node, 100)} as "
                   f"{text(pull.username or 'anonymous', 100)}: {pull.outcome}, "
                   f"{len(pull.exchanges)} requests before the layers, {downloaded} layers "
                   f"downloaded, {len(pull.layers) - downloaded} already on the node")
    return _with_accessibility(chart.script, description)


def _layer_elements(pull: Pull, path: str, runtime: Participant,
                    registry: Participant) -> list[object]:
    """A blob request per downloaded layer; a note for each layer the node already had."""
    elements: list[object] = []
    for layer in pull.layers:
        name = text(layer.label or short_digest(layer.digest), 60)
        if layer.state == "present":
            elements.append(Note(f"{name} {short_digest(layer.digest)} · Already exists",
                                 runtime))
            continue
        blob = text(f"/v2/{path}/blobs/{short_digest(layer.digest)}…", 150)
        request = f"GET {blob} ({name})"
        elements.append(Message(runtime, registry, "Solid-arrow", request))
        elements.append(Message(registry, runtime, "Dotted-arrow",
                                f"200 OK · {human_size(layer.size)}"))
    return elements
