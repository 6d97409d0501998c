"""Mermaid charts of what the runtime did: layer stacks, pulls over time, the registry exchange.

Pure functions `Trace -> str`: the same trace gives the same text byte for byte. Text that came
from a manifest or a scenario goes through `text()` (`labels.py`), which makes it safe in every
diagram kind used here; the registry exchange is drawn in `exchange.py`. Pulls carry usernames
only, never a secret, and nothing here looks further.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..trace import LayerTransfer, Pull, Trace
from .exchange import registry_exchange
from .labels import counted, human_size, name_list, short_digest, summarized, text

with contextlib.redirect_stdout(io.StringIO()):  # mermaid-py prints an IPython notice on import
    from mermaid.flowchart import FlowChart, Link, Node

# Past these, a chart stops drawing and says how much it left out: Mermaid refuses text over
# 50 000 characters by default, and a 200-pod rollout must still render.
MAX_STACKS = 24
MAX_TIMELINE_PULLS = 150


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
    return (f"{name_list(stack.nodes)}<br/>{short_digest(stack.digest)}<br/>"
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
            described.append(f"{text(stack.image, 150)} on {name_list(stack.nodes)}: "
                             f"{short_digest(stack.digest)}, {counted(len(stack.layers), 'layer')}"
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
             "\taccDescr: " + (summarized(described, "stacks") or "No image was pulled"),
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


# Mermaid's Gantt puts a task's label right of its bar when the bar's end + the label's width +
# 1.5 × leftPadding fits the chart's width, else left of the bar, where a long label runs off the
# chart's left edge and is cut (at 20 replicas most were). The latest bar ends at width −
# leftPadding − rightPadding, so a rightPadding of the widest label + leftPadding / 2 keeps every
# label right of its bar and inside the chart; leftPadding holds the widest node name. Widths are
# estimated from the label's length at the page's 14 px Gantt font, generously.
_CHAR_PX = 9
_BARS_PX = 480
_ENTITY = re.compile(r"#\d+;")


def _shown_length(label: str) -> int:
    """How many characters a safe label shows (an entity such as `#58;` shows as one)."""
    return len(_ENTITY.sub("_", label))


def _gantt_layout(sections: Sequence[str], tasks: Sequence[str]) -> list[str]:
    """Front matter sizing the chart so no section name or task label is cut off."""
    left = max(75, 20 + _CHAR_PX * max((_shown_length(s) for s in sections), default=0))
    widest = max((_shown_length(t.split(" :", 1)[0]) for t in tasks), default=0)
    right = 20 + _CHAR_PX * widest + left // 2
    return ["---", "config:", "  gantt:", f"    useWidth: {left + _BARS_PX + right}",
            f"    leftPadding: {left}", f"    rightPadding: {right}", "---"]


def _node_summary(node: str, pulls: Sequence[Pull]) -> str:
    failed = sum(1 for p in pulls if p.outcome == "failed")
    queued = sum(1 for p in pulls if _ms(p.started) > _ms(p.requested))
    downloaded = sum(p.bytes for p in pulls)
    return (f"{text(node, 100)}: {counted(len(pulls), 'pull')}, {failed} failed, "
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
             "\taccDescr: " + (summarized(described, "nodes") or "No image was pulled"),
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
    body = lines[lines.index("\ttodayMarker off") + 1:]
    sections = [line.removeprefix("\tsection ") for line in body if line.startswith("\tsection ")]
    tasks = [line.strip() for line in body if not line.startswith("\tsection ")]
    return "\n".join(_gantt_layout(sections, tasks) + lines) + "\n"


def all_charts(trace: Trace) -> dict[str, str]:
    """The charts this evaluation has something to show in, by name."""
    charts: dict[str, str] = {}
    if any(p.outcome == "pulled" for p in trace.pulls):
        charts["layers"] = layer_stacks(trace)
    if trace.pulls:
        charts["pulls"] = pull_timeline(trace)
        charts["registry"] = registry_exchange(trace)
    return charts
