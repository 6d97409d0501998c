"""The `spec` of a Pod or a workload: its pod template, replica count and selector.

`read_spec` finds the pod spec where each kind keeps it (`TEMPLATE_PATHS`), reads how many pods
the workload asks for, and checks that an apps/v1 workload's selector matches its template.
"""

from __future__ import annotations

from ..objects import PodSpec
from ..yamlsafe import Mapping, Node, Scalar
from .podspec import read_pod_spec, read_requirement
from .schema import Report, as_int, as_list, as_mapping, as_string_map, go_map

# Where each workload keeps its pod template.
TEMPLATE_PATHS = {
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
_SELECTOR_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")
_REPLICA_KINDS = ("Deployment", "ReplicaSet", "StatefulSet")


def read_spec(root: Mapping, kind: str, report: Report) -> tuple[PodSpec | None, int | None]:
    """(pod spec, replicas) of a Pod or workload; None where missing or not applicable."""
    if kind == "Pod":
        spec = as_mapping(root, "spec", "spec", report)
        if spec is None:
            report.error(root, "spec", "spec: Required value",
                         hint="a Pod needs `spec:` with `containers:`")
            return None, None
        return read_pod_spec(spec, "spec", kind, report), None
    if kind not in TEMPLATE_PATHS:
        return None, None
    spec = as_mapping(root, "spec", "spec", report)
    if spec is None:
        report.error(root, "spec", "spec: Required value",
                     hint=f"a {kind} needs `spec:` with a pod `template:`")
        return None, None
    replicas = _read_replicas(spec, kind, report)
    template, path = _find_template(root, kind, report)
    if template is None:
        return None, replicas
    pod_spec_node = as_mapping(template, "spec", f"{path}.spec", report)
    if pod_spec_node is None:
        report.error(template, f"{path}.spec", f"{path}.spec: Required value",
                     hint="the template needs `spec:` with `containers:`")
        return None, replicas
    pod_spec = read_pod_spec(pod_spec_node, f"{path}.spec", kind, report)
    if kind in _SELECTOR_KINDS:
        _check_selector(spec, template, path, kind, report)
    return pod_spec, replicas


def _find_template(root: Mapping, kind: str, report: Report) -> tuple[Mapping | None, str]:
    node: Mapping | None = root
    path = ""
    for step in TEMPLATE_PATHS[kind]:
        parent = node
        path = f"{path}.{step}" if path else step
        assert parent is not None
        node = as_mapping(parent, step, path, report)
        if node is None:
            if step != "spec" or path != "spec":  # a missing top-level spec is reported already
                report.error(parent, path, f"{path}: Required value",
                             hint=f"a {kind} runs pods from `{path}`")
            return None, path
    return node, path


def _read_replicas(spec: Mapping, kind: str, report: Report) -> int | None:
    if kind in _REPLICA_KINDS:
        return _non_negative(spec, "replicas", "spec.replicas", report, default=1)
    if kind == "Job":
        return _non_negative(spec, "parallelism", "spec.parallelism", report, default=1)
    if kind == "CronJob":
        job = spec.get("jobTemplate")
        job_spec = job.get("spec") if isinstance(job, Mapping) else None
        if isinstance(job_spec, Mapping):
            return _non_negative(job_spec, "parallelism", "spec.jobTemplate.spec.parallelism",
                                 report, default=1)
        return 1
    return None


def _non_negative(mapping: Mapping, key: str, path: str, report: Report, *,
                  default: int) -> int:
    value = as_int(mapping, key, path, report)
    if value is None:
        return default
    if value < 0:
        report.error(mapping.values[key], path,
                     f"{path}: Invalid value: {value}: must be greater than or equal to 0",
                     hint="use 0 or more")
        return default
    return value


def _check_selector(spec: Mapping, template: Mapping, path: str, kind: str,
                    report: Report) -> None:
    """apps/v1 workloads need a selector that matches their template's labels."""
    selector = as_mapping(spec, "selector", "spec.selector", report)
    if selector is None:
        report.error(spec, "spec.selector", "spec.selector: Required value",
                     hint="add `selector: {matchLabels: ...}` matching the template's labels")
        return
    match_labels = as_string_map(selector, "matchLabels", "spec.selector.matchLabels", report)
    expressions = _read_label_expressions(selector, report)
    if not match_labels and not expressions:
        report.error(selector, "spec.selector",
                     f"spec.selector: Invalid value: {{}}: empty selector is invalid for "
                     f"{kind.lower()}", hint="add `matchLabels:` with the template's labels")
        return
    metadata = template.get("metadata")
    labels: dict[str, str] = {}
    if isinstance(metadata, Mapping):
        labels = {key: str(value.value) for key, value in _string_items(metadata.get("labels"))}
    if not _selector_matches(match_labels, expressions, labels):
        where = metadata.get("labels") if isinstance(metadata, Mapping) else None
        report.error(where or template, f"{path}.metadata.labels",
                     f"{path}.metadata.labels: Invalid value: {go_map(labels)}: "
                     "`selector` does not match template `labels`",
                     hint="every label in spec.selector.matchLabels must be on the template "
                          "with the same value")


def _string_items(node: Node | None) -> list[tuple[str, Scalar]]:
    if not isinstance(node, Mapping):
        return []
    return [(key, value) for key, value in node.values.items()
            if isinstance(value, Scalar) and isinstance(value.value, str)]


def _read_label_expressions(
    selector: Mapping, report: Report,
) -> list[tuple[str, str, tuple[str, ...]]]:
    found = []
    for index, item in enumerate(as_list(selector, "matchExpressions",
                                         "spec.selector.matchExpressions", report)):
        path = f"spec.selector.matchExpressions[{index}]"
        requirement = read_requirement(item, path, ("In", "NotIn", "Exists", "DoesNotExist"),
                                        report)
        if requirement is not None:
            found.append(requirement)
    return found


def _selector_matches(match_labels: dict[str, str],
                      expressions: list[tuple[str, str, tuple[str, ...]]],
                      labels: dict[str, str]) -> bool:
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    for key, operator, values in expressions:
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present or operator == "DoesNotExist" and present:
            return False
    return True
