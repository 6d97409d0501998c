"""Mermaid charts of what the runtime did: layer stacks, pulls over time, the registry exchange.

Pure functions `Trace -> str`: the same trace gives the same text byte for byte. Text that came
from a manifest or a scenario goes through `text()`, which makes it safe in every diagram kind
used here. Pulls carry usernames only, never a secret, and nothing here looks further.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..reference import InvalidReference, parse_reference
from ..trace import LayerTransfer, Pull, Trace
from .flow import escape

with contextlib.redirect_stdout(io.StringIO()):  # mermaid-py prints an IPython notice on import
    from mermaid.flowchart import FlowChart, Link, Node
    from mermaid.sequence import Link as Message
    from mermaid.sequence import Note, Participant, SequenceDiagram

# Past these, a chart stops drawing and says how much it left out: Mermaid refuses text over
# 50 000 characters by default, and a 200-pod rollout must still render.
MAX_STACKS = 24
MAX_TIMELINE_PULLS = 150
_MAX_SUMMARY_ITEMS = 12

# diagrams.escape() covers quoted flowchart labels. A Gantt task name ends at `:`, `%` starts a
# comment in the Gantt and sequence grammars, `,` and `@` end a sequence participant, `&` would
# start an HTML entity; the last four characters are Mermaid's own entity placeholders.
_EXTRA = re.compile("[:%&,@\u00b0\u00b6\u00df\ufb02]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_DANGLING = re.compile(r"#\d*$")  # an entity escape() cut in half at its length limit
_SHORT_DIGEST = re.compile(r"[a-z0-9]{1,16}:[0-9a-f]{1,12}")
_LONG_DIGEST = re.compile(r"\b(sha256:[0-9a-f]{12})[0-9a-f]{20,}")
_SIZE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


@lru_cache(maxsize=8192)
def text(value: str, limit: int = 120) -> str:
    """Manifest or scenario text made safe as a label, message, task or section name.
    (Cached: the same names and answers recur in every chart of every run.)

    Cut before encoding, so an entity is never split; whitespace (newlines included) collapses
    to single spaces, so nothing can start a new statement.
    """
    raw = " ".join(_CONTROL.sub("", value).split())
    if len(raw) > limit:
        raw = raw[: limit - 1] + "…"
    safe = _DANGLING.sub("", escape(raw))
    return _EXTRA.sub(lambda m: f"#{ord(m.group(0))};", safe)


def human_size(size: int) -> str:
    """Decimal units with three significant digits, as registries count: `48 MB`, `1.5 kB`."""
    value = float(max(size, 0))
    unit = 0
    while value >= 999.5 and unit < len(_SIZE_UNITS) - 1:
        value /= 1000
        unit += 1
    if unit == 0:
        return f"{int(value)} B"
    return f"{value:.3g} {_SIZE_UNITS[unit]}"


def short_digest(digest: str | None) -> str:
    """`sha256:` and the first 12 hex digits, as `docker images` shows an ID; safe text."""
    if not digest:
        return "unknown digest"
    algorithm, _, hexdigits = digest.partition(":")
    short = f"{algorithm}:{hexdigits[:12]}"
    return short if _SHORT_DIGEST.fullmatch(short) else text(digest, 19)


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def _summary(items: Sequence[str], what: str) -> str:
    """Items (already safe text) joined into sentences, capped so a big evaluation stays short."""
    shown = list(items[:_MAX_SUMMARY_ITEMS])
    if len(items) > _MAX_SUMMARY_ITEMS:
        shown.append(f"and {len(items) - _MAX_SUMMARY_ITEMS} more {what}")
    return ". ".join(shown)


def _names(names: Sequence[str], limit: int = 4) -> str:
    """Safe text listing a few names, then how many more."""
    listed = ", ".join(text(name, 60) for name in names[:limit])
    return listed + (f" and {len(names) - limit} more" if len(names) > limit else "")


# --- layer stacks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stack:
    """One image's layers as one or more nodes got them (same digest, same cached layers)."""

    image: str
    digest: str | None
    nodes: tuple[str, ...]
    layers: tuple[LayerTransfer, ...]

    @property
    def downloaded(self) -> int:
        return sum(layer.size for layer in self.layers if layer.state == "downloaded")

    @property
    def present(self) -> int:
        return sum(layer.size for layer in self.layers if layer.state == "present")


def stacks(trace: Trace) -> dict[str, list[Stack]]:
    """Per image as written, the stacks of its first successful pull on each node and digest."""
    seen: set[tuple[str, str, str | None]] = set()
    grouped: dict[str, dict[tuple[object, ...], list[Pull]]] = {}
    for pull in trace.pulls:
        if pull.outcome != "pulled" or (pull.image, pull.node, pull.digest) in seen:
            continue
        seen.add((pull.image, pull.node, pull.digest))
        shape = (pull.digest, tuple((layer.digest, layer.state) for layer in pull.layers))
        grouped.setdefault(pull.image, {}).setdefault(shape, []).append(pull)
    return {
        image: [Stack(image, same[0].digest, tuple(p.node for p in same), same[0].layers)
                for same in by_shape.values()]
        for image, by_shape in grouped.items()
    }


def _differing(image_stacks: list[Stack]) -> set[str]:
    """Layer digests not shared by every stack of a tag that resolved to several images."""
    if len({s.digest for s in image_stacks}) < 2:
        return set()
    layer_sets = [{layer.digest for layer in s.layers} for s in image_stacks]
    everywhere = set(layer_sets[0]).intersection(*layer_sets[1:])
    return set().union(*layer_sets) - everywhere


def _layer_label(layer: LayerTransfer, differs: bool) -> str:
    name = layer.label or short_digest(layer.digest)
    state = "downloaded" if layer.state == "downloaded" else "Already exists"
    return f"{text(name, 60)}<br/>{human_size(layer.size)} · {state}" + (
        " · differs" if differs else "")


def _stack_title(stack: Stack, images: int) -> str:
    # One line: Mermaid draws a second title line over the first box.
    drift = f" · one of {images} images under this name" if images > 1 else ""
    return text(stack.image, 150) + drift


def _ground_label(stack: Stack) -> str:
    return (f"{_names(stack.nodes)}<br/>{short_digest(stack.digest)}<br/>"
            f"{human_size(stack.downloaded)} downloaded")


def _draw_stack(prefix: str, stack: Stack, images: int, differs: set[str],
                links: list[Link], classes: dict[str, list[str]]) -> Node:
    """A subgraph with the newest layer on top, the base below it, and the node underneath."""
    boxes: list[Node] = []
    for number in range(len(stack.layers), 0, -1):
        layer = stack.layers[number - 1]
        box = Node(f"{prefix}_l{number}", _layer_label(layer, layer.digest in differs))
        classes["present" if layer.state == "present" else "downloaded"].append(box.id_)
        if layer.digest in differs:
            classes["differs"].append(box.id_)
        if boxes:
            links.append(Link(boxes[-1], box, shape="hidden", head_right="none"))
        boxes.append(box)
    ground = Node(f"{prefix}_node", _ground_label(stack))
    classes["ground"].append(ground.id_)
    if boxes:
        links.append(Link(boxes[-1], ground, shape="hidden", head_right="none"))
    boxes.append(ground)
    return Node(prefix, _stack_title(stack, images), sub_nodes=boxes, direction="TB")


def layer_stacks(trace: Trace) -> str:
    """Each pulled image's layer stack per node: downloaded and already present layers differ.

    Stacks sit side by side as top-level subgraphs: Mermaid's layout stacks nested subgraphs
    vertically, which hides the comparison the chart is for.
    """
    nodes: list[Node] = []
    links: list[Link] = []
    classes: dict[str, list[str]] = {"downloaded": [], "present": [], "differs": [],
                                     "ground": []}
    described: list[str] = []
    for image_stacks in stacks(trace).values():
        differs = _differing(image_stacks)
        images = len({s.digest for s in image_stacks})
        for stack in image_stacks:
            described.append(f"{text(stack.image, 150)} on {_names(stack.nodes)}: "
                             f"{short_digest(stack.digest)}, {_count(len(stack.layers), 'layer')}"
                             f", {human_size(stack.downloaded)} downloaded, "
                             f"{human_size(stack.present)} already on the node")
            if len(nodes) < MAX_STACKS:
                nodes.append(_draw_stack(f"s{len(nodes) + 1}", stack, images, differs, links,
                                         classes))
    if len(described) > len(nodes):
        nodes.append(Node("more", f"{len(described) - len(nodes)} more layer stacks not drawn"))
    if not nodes:
        nodes.append(Node("none", "No image was pulled in this evaluation"))
    chart = FlowChart("Image layer stacks", nodes=nodes, links=links, orientation="TB")
    lines = [chart.script.rstrip("\n"),
             "\taccTitle: Image layer stacks, base layer at the bottom",
             "\taccDescr: " + (_summary(described, "stacks") or "No image was pulled"),
             "\tclassDef downloaded fill:#dbeafe,stroke:#1f6feb",
             "\tclassDef present fill:#f2f4f7,stroke:#667085,stroke-dasharray:4 3",
             "\tclassDef differs stroke:#b42318,stroke-width:3px",
             "\tclassDef ground fill:#ffffff,stroke:#344054,stroke-width:2px"]
    lines += [f"\tclass {','.join(ids)} {css}" for css, ids in classes.items() if ids]
    return "\n".join(lines) + "\n"


# --- pulls over time -----------------------------------------------------------------------------


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000)) if math.isfinite(seconds) else 0


# Tick steps in milliseconds with their Mermaid `tickInterval` names, finest first.
_TICK_UNITS = (
    (1, "millisecond", (100, 200, 500)),
    (1000, "second", (1, 2, 5, 10, 15, 30)),
    (60_000, "minute", (1, 2, 5, 10, 15, 30)),
    (3_600_000, "hour", (1, 2, 6, 12)),
    (86_400_000, "day", (1, 7)),
)
_TICK_STEPS = tuple((count * unit, f"{count}{name}")
                    for unit, name, counts in _TICK_UNITS for count in counts)


def _axis(span_ms: int) -> tuple[str, str]:
    """A tick interval giving at most ten ticks, and a tick format that reads at that step.

    Mermaid formats ticks in the browser's time zone; minutes and seconds from epoch 0 read the
    same in every zone with a whole-hour offset, hours only in UTC.
    """
    step, interval = next(((step, name) for step, name in _TICK_STEPS if span_ms <= step * 10),
                          _TICK_STEPS[-1])
    if step < 1000:
        return interval, "%M:%S.%L"
    return interval, "%M:%S" if span_ms < 3_600_000 else "%H:%M"


def _timeline_tasks(number: int, pull: Pull) -> list[str]:
    """The Gantt lines of one pull: its wait in the serialized queue, then the pull itself."""
    what = f"{text(pull.image, 100)} for {text(pull.pod, 100)}"
    lines: list[str] = []
    requested, started, finished = _ms(pull.requested), _ms(pull.started), _ms(pull.finished)
    if started > requested:
        lines.append(f"\tQueued {what} · waited {(started - requested) / 1000:g} s "
                     f":done, q{number}, {requested}, {started - requested}ms")
    duration = max(finished - started, 1)
    if pull.outcome == "failed":
        lines.append(f"\tFailed {what} :crit, p{number}, {started}, {duration}ms")
    elif pull.bytes == 0:  # checked the registry, every layer already on the node
        lines.append(f"\tChecked {what} · nothing to download :active, p{number}, {started}, "
                     f"{duration}ms")
    else:
        lines.append(f"\tPulled {what} · {human_size(pull.bytes)} downloaded :p{number}, "
                     f"{started}, {duration}ms")
    return lines


def _node_summary(node: str, pulls: Sequence[Pull]) -> str:
    failed = sum(1 for p in pulls if p.outcome == "failed")
    queued = sum(1 for p in pulls if _ms(p.started) > _ms(p.requested))
    downloaded = sum(p.bytes for p in pulls)
    return (f"{text(node, 100)}: {_count(len(pulls), 'pull')}, {failed} failed, "
            f"{queued} waited in the queue, {human_size(downloaded)} downloaded")


def pull_timeline(trace: Trace) -> str:
    """A Gantt chart of the pulls on each node over simulated time, queued waits apart.

    Times are milliseconds from the start of the evaluation (`dateFormat x`), so the text does
    not depend on the day it was drawn.
    """
    numbered = list(enumerate(trace.pulls, 1))[:MAX_TIMELINE_PULLS]
    by_node: dict[str, list[tuple[int, Pull]]] = {}
    for number, pull in sorted(numbered, key=lambda item: (item[1].node, item[1].requested,
                                                           item[1].started, item[0])):
        by_node.setdefault(pull.node, []).append((number, pull))
    described = [_node_summary(node, [p for _, p in items]) for node, items in by_node.items()]
    left_out = len(trace.pulls) - len(numbered)
    if left_out:
        described.append(f"{left_out} later pulls not drawn")
    drawn = [pull for _, pull in numbered]
    span = (max((_ms(p.finished) for p in drawn), default=0)
            - min((_ms(p.requested) for p in drawn), default=0))
    interval, tick_format = _axis(span)
    lines = ["gantt",
             "\ttitle Image pulls on each node",
             "\taccTitle: Image pulls on each node over simulated time",
             "\taccDescr: " + (_summary(described, "nodes") or "No image was pulled"),
             "\tdateFormat x",
             f"\taxisFormat {tick_format}",
             f"\ttickInterval {interval}",
             "\ttodayMarker off"]
    for node, items in by_node.items():
        lines.append(f"\tsection {text(node, 100) or 'no node'}")
        for number, pull in items:
            lines += _timeline_tasks(number, pull)
    if not by_node:
        lines += ["\tsection No pulls", "\tNo image was pulled :milestone, m1, 0, 0ms"]
    return "\n".join(lines) + "\n"


# --- the registry exchange -----------------------------------------------------------------------


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
    account = (f"with the credentials of {_names(pull.tried)}" if pull.tried
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


def all_charts(trace: Trace) -> dict[str, str]:
    """The charts this evaluation has something to show in, by name."""
    charts: dict[str, str] = {}
    if any(p.outcome == "pulled" for p in trace.pulls):
        charts["layers"] = layer_stacks(trace)
    if trace.pulls:
        charts["pulls"] = pull_timeline(trace)
        charts["registry"] = registry_exchange(trace)
    return charts
