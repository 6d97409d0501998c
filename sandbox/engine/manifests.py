"""`load_manifests`: a learner's paste in, typed objects out, every problem with its position.

The whole paste is checked before anything is raised, so one `ManifestError` lists every error
(and, for context, every warning). Messages follow the API server's field errors
(`spec.containers[0].image: Required value`, `Unsupported value: …`, `Invalid value: …`), each
with a hint for a learner. Unknown fields are warnings, as kubectl's strict field validation
prints them.

Choices:
* Only the kinds of `objects.OBJECT_KINDS` are accepted; anything else is an error naming them.
* `metadata.generateName` without `name`: the object's `name` is the generateName prefix as
  written (e.g. `web-`); the simulator adds the suffix. It can tell from `"name" not in
  obj.body["metadata"]`.
* A Secret's `stringData` is merged into `body["data"]` (base64-encoded, winning over `data`)
  and dropped, as the API server stores it: credential code reads only `data`.
* Two objects with the same kind, namespace and name are an error (`kubectl create` refuses the
  second with AlreadyExists).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Literal

from .objects import (
    OBJECT_KINDS,
    PULL_POLICIES,
    Container,
    KubeObject,
    ManifestError,
    Manifests,
    NodeSelectorRequirement,
    PodSpec,
    Position,
    Problem,
    Toleration,
)
from .schema import (
    OBJECTS,
    Report,
    as_int,
    as_list,
    as_mapping,
    as_str,
    as_string_map,
    check_dns_label,
    check_dns_subdomain,
    check_labels,
    go_map,
    quote,
    unknown_fields,
    unsupported,
)
from .yamlsafe import (
    MAX_BYTES,
    MAX_PROBLEMS,
    Document,
    Mapping,
    Node,
    Scalar,
    Sequence,
    describe,
    safe_load_documents,
)

__all__ = ["MAX_BYTES", "load_manifests"]

API_VERSIONS = {
    "Pod": "v1", "Namespace": "v1", "ServiceAccount": "v1", "Secret": "v1",
    "Deployment": "apps/v1", "ReplicaSet": "apps/v1", "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1",
}
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
_NAMESPACED = tuple(kind for kind in OBJECT_KINDS if kind != "Namespace")
NOTHING_TO_RUN = "nothing to run: paste at least one Kubernetes object"


def load_manifests(text: str | bytes) -> Manifests:
    """The objects of a paste, in order; raises ManifestError listing every problem."""
    documents = safe_load_documents(text)
    report = Report()
    objects: list[KubeObject] = []
    for document in documents:
        if document.root is not None:
            found = _read_object(document, report)
            if found is not None:
                objects.append(found)
    if not objects and not report.errors:
        report.error(None, None, NOTHING_TO_RUN,
                     hint="for example a Pod with `apiVersion: v1`, `kind: Pod`, metadata and spec")
    _check_unique(objects, report)
    if report.errors:
        raise ManifestError(_capped(report.sorted()))
    return Manifests(objects, _capped(report.sorted()))


def _capped(problems: list[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS, errors kept before warnings: a page of markers, not thousands."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    errors = [p for p in problems if p.severity == "error"]
    kept = (errors or problems)[: MAX_PROBLEMS - 1]
    more = len(problems) - len(kept)
    severity: Literal["error", "warning"] = "error" if errors else "warning"
    return [*kept, Problem(f"… and {more} more problems", severity=severity,
                           hint="fix these first")]


def _check_unique(objects: Iterable[KubeObject], report: Report) -> None:
    seen: dict[tuple[str, str, str], KubeObject] = {}
    for obj in objects:
        key = (obj.kind, obj.effective_namespace if obj.kind in _NAMESPACED else "", obj.name)
        first = seen.setdefault(key, obj)
        if first is not obj and obj.position is not None:
            report.error(obj.position, "metadata.name",
                         f'{obj.kind} "{obj.name}" already exists (document {first.document + 1}'
                         " has the same kind, namespace and name)",
                         hint="give each object its own name")


# ------------------------------------------------------------------------------- the object


def _read_object(document: Document, report: Report) -> KubeObject | None:
    root = document.root
    if not isinstance(root, Mapping):
        assert root is not None
        report.error(root, None, "a Kubernetes object is a mapping (`kind:`, `metadata:`, …), "
                     f"not {describe(root)}", hint="check the indentation of this document")
        return None
    kind = _read_kind(root, report)
    if kind is None:
        return None
    api_version = API_VERSIONS[kind]
    for path, key, close in unknown_fields(root, OBJECTS[kind]):
        hint = f'did you mean "{close}"?' if close else "this field is ignored"
        report.warn(key, path, f'unknown field "{path}"', hint=hint)
    name, namespace, labels = _read_metadata(root, kind, report)
    pod_spec, replicas = _read_spec(root, kind, report)
    body = root.plain()
    if kind == "Secret":
        body = _read_secret(root, body, report)
    elif kind == "ServiceAccount":
        _read_pull_secret_names(root.get("imagePullSecrets"), "imagePullSecrets", report)
    first_key = next(iter(root.keys.values()), None)
    where = first_key or root
    return KubeObject(
        api_version=api_version, kind=kind, name=name or "", namespace=namespace,
        labels=labels, position=Position(where.line, where.column), document=document.index,
        pod_spec=pod_spec, replicas=replicas, body=body,
    )


def _read_kind(root: Mapping, report: Report) -> str | None:
    """The kind when it is supported and its apiVersion right; reports and returns None if not."""
    kind = as_str(root, "kind", "kind", report, required=True,
                  hint="every object starts with `apiVersion:` and `kind:`, e.g. `kind: Pod`")
    api_version = as_str(root, "apiVersion", "apiVersion", report)
    if kind is None:
        return None
    kind_node = root.values["kind"]
    if kind not in API_VERSIONS:
        close = next((k for k in OBJECT_KINDS if k.lower() == kind.lower()), None)
        hint = (f"kinds are case-sensitive: did you mean {close}?" if close
                else "this sandbox runs only these kinds")
        report.error(kind_node, "kind",
                     f'kind "{kind}" is not supported here: supported kinds are '
                     + ", ".join(OBJECT_KINDS), hint=hint)
        return None
    wanted = API_VERSIONS[kind]
    if api_version is None and "apiVersion" not in root:
        report.error(root, "apiVersion", "apiVersion: Required value",
                     hint=f"{kind} is in apiVersion {wanted}: add `apiVersion: {wanted}`")
    elif api_version is not None and api_version != wanted:
        report.error(root.values["apiVersion"], "apiVersion",
                     f"{kind} is in apiVersion {wanted}, not {api_version}",
                     hint=f"write `apiVersion: {wanted}`")
    return kind


def _read_metadata(
    root: Mapping, kind: str, report: Report,
) -> tuple[str | None, str | None, tuple[tuple[str, str], ...]]:
    metadata = as_mapping(root, "metadata", "metadata", report)
    if metadata is None:
        report.error(root, "metadata.name", "metadata.name: Required value: name or generateName "
                     "is required", hint="add `metadata:` with `name: <a name>`")
        return None, None, ()
    name = as_str(metadata, "name", "metadata.name", report)
    generate = as_str(metadata, "generateName", "metadata.generateName", report)
    check_name = check_dns_label if kind == "Namespace" else check_dns_subdomain
    if name:
        check_name(metadata.values["name"], "metadata.name", name, report)
    elif generate:
        name = generate
    else:
        where = metadata.get("name") or metadata
        report.error(where, "metadata.name",
                     "metadata.name: Required value: name or generateName is required",
                     hint="add `name: <a name>` under metadata")
    namespace = as_str(metadata, "namespace", "metadata.namespace", report)
    if namespace:
        check_dns_label(metadata.values["namespace"], "metadata.namespace", namespace, report)
    if kind == "Namespace":
        namespace = None  # cluster-scoped: the API server ignores it
    labels = as_string_map(metadata, "labels", "metadata.labels", report)
    label_node = metadata.get("labels")
    if isinstance(label_node, Mapping):
        check_labels(label_node, "metadata.labels", report)
    as_string_map(metadata, "annotations", "metadata.annotations", report)
    return name, namespace or None, tuple(labels.items())


# ---------------------------------------------------------------------------------- the spec


def _read_spec(root: Mapping, kind: str, report: Report) -> tuple[PodSpec | None, int | None]:
    if kind == "Pod":
        spec = as_mapping(root, "spec", "spec", report)
        if spec is None:
            report.error(root, "spec", "spec: Required value",
                         hint="a Pod needs `spec:` with `containers:`")
            return None, None
        return _read_pod_spec(spec, "spec", kind, report), None
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
    pod_spec = _read_pod_spec(pod_spec_node, f"{path}.spec", kind, report)
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
        requirement = _read_requirement(item, path, ("In", "NotIn", "Exists", "DoesNotExist"),
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


def _read_requirement(
    item: Node, path: str, operators: tuple[str, ...], report: Report,
) -> tuple[str, str, tuple[str, ...]] | None:
    """key/operator/values of a selector requirement, checked like the API server does."""
    if not isinstance(item, Mapping):
        report.error(item, path, f"{path}: must be a mapping with key, operator and values, "
                     f"not {describe(item)}")
        return None
    key = as_str(item, "key", f"{path}.key", report, required=True)
    operator = as_str(item, "operator", f"{path}.operator", report, required=True)
    values = tuple(_read_strings(item, "values", f"{path}.values", report))
    if key is None or operator is None:
        return None
    if operator not in operators:
        unsupported(item.values["operator"], f"{path}.operator", operator, operators, report)
        return None
    if operator in ("In", "NotIn") and not values:
        report.error(item, f"{path}.values", f"{path}.values: Required value: must be specified "
                     "when `operator` is 'In' or 'NotIn'", hint="list at least one value")
    elif operator in ("Exists", "DoesNotExist") and values:
        report.error(item.values["values"], f"{path}.values", f"{path}.values: Forbidden: may "
                     "not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                     hint="remove `values:` or use the In operator")
    elif operator in ("Gt", "Lt") and (len(values) != 1 or not values[0].lstrip("-").isdigit()):
        report.error(item.get("values") or item, f"{path}.values",
                     f"{path}.values: Required value: must be specified single value when "
                     "`operator` is 'Lt' or 'Gt'", hint="give exactly one integer, as a string")
    return key, operator, values


def _read_strings(mapping: Mapping, key: str, path: str, report: Report) -> list[str]:
    found = []
    for index, item in enumerate(as_list(mapping, key, path, report)):
        if isinstance(item, Scalar) and isinstance(item.value, str):
            found.append(item.value)
        else:
            report.error(item, f"{path}[{index}]",
                         f"{path}[{index}]: must be a string, not {describe(item)}",
                         hint="put the value in quotes")
    return found


# ------------------------------------------------------------------------------ the pod spec


def _read_pod_spec(spec: Mapping, path: str, kind: str, report: Report) -> PodSpec:
    names: dict[str, str] = {}
    init = _read_containers(spec, "initContainers", path, names, report)
    containers = _read_containers(spec, "containers", path, names, report)
    written = spec.get("containers")
    if written is None or _is_null(written) or isinstance(written, Sequence) and not written.items:
        where = written or spec
        report.error(where, f"{path}.containers", f"{path}.containers: Required value",
                     hint="a pod needs at least one container with a name and an image")
    pull_secrets_node = spec.get("imagePullSecrets")
    pull_secrets = _read_pull_secret_names(pull_secrets_node, f"{path}.imagePullSecrets", report)
    account = as_str(spec, "serviceAccountName", f"{path}.serviceAccountName", report)
    deprecated = as_str(spec, "serviceAccount", f"{path}.serviceAccount", report)
    account = account or deprecated or None
    if account:
        check_dns_subdomain(spec.get("serviceAccountName") or spec.values["serviceAccount"],
                            f"{path}.serviceAccountName", account, report)
    _check_restart_policy(spec, path, kind, report)
    return PodSpec(
        containers=tuple(containers),
        init_containers=tuple(init),
        image_pull_secrets=tuple(pull_secrets),
        image_pull_secrets_written=pull_secrets_node is not None and not _is_null(
            pull_secrets_node),
        service_account_name=account,
        node_name=as_str(spec, "nodeName", f"{path}.nodeName", report) or None,
        node_selector=tuple(as_string_map(spec, "nodeSelector", f"{path}.nodeSelector",
                                          report).items()),
        required_node_affinity=_read_node_affinity(spec, path, report),
        tolerations=tuple(_read_tolerations(spec, path, report)),
    )


def _is_null(node: Node) -> bool:
    return isinstance(node, Scalar) and node.value is None and not node.quoted


_RESTART_POLICIES = ("Always", "OnFailure", "Never")


def _check_restart_policy(spec: Mapping, path: str, kind: str, report: Report) -> None:
    policy = as_str(spec, "restartPolicy", f"{path}.restartPolicy", report)
    where = spec.get("restartPolicy")
    if kind in ("Job", "CronJob"):
        if not policy:
            report.error(spec, f"{path}.restartPolicy", f"{path}.restartPolicy: Required value: "
                         'valid values: "OnFailure", "Never"',
                         hint="a Job's pods must say `restartPolicy: OnFailure` or `Never`")
        elif policy not in ("OnFailure", "Never"):
            unsupported(where or spec, f"{path}.restartPolicy", policy, ("OnFailure", "Never"),
                        report)
    elif kind != "Pod" and policy and policy != "Always":
        unsupported(where or spec, f"{path}.restartPolicy", policy, ("Always",), report)
    elif policy and policy not in _RESTART_POLICIES:
        unsupported(where or spec, f"{path}.restartPolicy", policy, _RESTART_POLICIES, report)


def _read_pull_secret_names(node: Node | None, path: str, report: Report) -> list[str]:
    """Secret names of an imagePullSecrets list, in order, empty names skipped."""
    if node is None or _is_null(node):
        return []
    if not isinstance(node, Sequence):
        report.error(node, path, f"{path}: must be a list, not {describe(node)}",
                     hint="write one `- name: <secret>` line per secret")
        return []
    names = []
    for index, item in enumerate(node.items):
        where = f"{path}[{index}]"
        if not isinstance(item, Mapping):
            hint = (f"write `- name: {item.value}`" if isinstance(item, Scalar)
                    and isinstance(item.value, str) else "write `- name: <secret>`")
            report.error(item, where, f"{where}: must be a mapping with a name, "
                         f"not {describe(item)}", hint=hint)
            continue
        name = as_str(item, "name", f"{where}.name", report)
        if name:
            names.append(name)
    return names


def _read_containers(spec: Mapping, field: str, path: str, names: dict[str, str],
                     report: Report) -> list[Container]:
    found = []
    for index, item in enumerate(as_list(spec, field, f"{path}.{field}", report)):
        container = _read_container(item, f"{path}.{field}[{index}]", field == "initContainers",
                                    names, report)
        if container is not None:
            found.append(container)
    return found


def _read_container(item: Node, path: str, init: bool, names: dict[str, str],
                    report: Report) -> Container | None:
    if not isinstance(item, Mapping):
        report.error(item, path, f"{path}: must be a mapping (name, image, …), not "
                     f"{describe(item)}", hint="start each container with `- name: …`")
        return None
    name = as_str(item, "name", f"{path}.name", report, required=True,
                  hint="give the container a name, e.g. `- name: web`")
    if name:
        name_node = item.values["name"]
        check_dns_label(name_node, f"{path}.name", name, report)
        if name in names:
            report.error(name_node, f"{path}.name", f'{path}.name: Duplicate value: "{name}"',
                         hint=f"{names[name]} already has this name: container names must be "
                              "unique within the pod, init containers included")
        else:
            names[name] = path
    image = as_str(item, "image", f"{path}.image", report, required=True,
                   hint="say which image to run, e.g. `image: nginx:1.27`")
    image_node = item.get("image")
    if image is not None and image != image.strip():
        report.error(image_node, f"{path}.image", f"{path}.image: Invalid value: {quote(image)}: "
                     "must not have leading or trailing whitespace", hint="remove the spaces")
    policy = as_str(item, "imagePullPolicy", f"{path}.imagePullPolicy", report)
    policy_node = item.get("imagePullPolicy")
    if policy_node is not None and not isinstance(policy_node.value, str | None):
        policy = None
    elif policy is not None and policy not in PULL_POLICIES:
        unsupported(item.values["imagePullPolicy"], f"{path}.imagePullPolicy", policy,
                    PULL_POLICIES, report)
        policy = None
    where = image_node if isinstance(image_node, Scalar) else item
    return Container(name=name or "", image=image or "", image_pull_policy=policy or None,
                     init=init, position=Position(where.line, where.column))


# --------------------------------------------------------------------- scheduling constraints


def _read_node_affinity(
    spec: Mapping, path: str, report: Report,
) -> tuple[tuple[NodeSelectorRequirement, ...], ...]:
    path = f"{path}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
    node: Node | None = spec
    for step in ("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"):
        node = node.get(step) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping):
        return ()
    terms_node = node.get("nodeSelectorTerms")
    terms = as_list(node, "nodeSelectorTerms", f"{path}.nodeSelectorTerms", report)
    if not terms:
        report.error(terms_node or node, f"{path}.nodeSelectorTerms",
                     f"{path}.nodeSelectorTerms: Required value: must have at least one node "
                     "selector term", hint="add `- matchExpressions:` under nodeSelectorTerms")
        return ()
    found = []
    operators = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
    for index, term in enumerate(terms):
        where = f"{path}.nodeSelectorTerms[{index}]"
        if not isinstance(term, Mapping):
            report.error(term, where, f"{where}: must be a mapping, not {describe(term)}")
            continue
        requirements = []
        for number, item in enumerate(as_list(term, "matchExpressions",
                                              f"{where}.matchExpressions", report)):
            read = _read_requirement(item, f"{where}.matchExpressions[{number}]", operators,
                                     report)
            if read is not None:
                key, operator, values = read
                requirements.append(NodeSelectorRequirement(key, operator, values))  # type: ignore[arg-type]
        found.append(tuple(requirements))
    return tuple(found)


_EFFECTS = ("NoExecute", "NoSchedule", "PreferNoSchedule")


def _read_tolerations(spec: Mapping, path: str, report: Report) -> list[Toleration]:
    found = []
    for index, item in enumerate(as_list(spec, "tolerations", f"{path}.tolerations", report)):
        where = f"{path}.tolerations[{index}]"
        if not isinstance(item, Mapping):
            report.error(item, where, f"{where}: must be a mapping, not {describe(item)}")
            continue
        toleration = _read_toleration(item, where, report)
        if toleration is not None:
            found.append(toleration)
    return found


def _read_toleration(item: Mapping, where: str, report: Report) -> Toleration | None:
    key = as_str(item, "key", f"{where}.key", report) or None
    operator = as_str(item, "operator", f"{where}.operator", report) or "Equal"
    value = as_str(item, "value", f"{where}.value", report) or None
    effect = as_str(item, "effect", f"{where}.effect", report) or None
    as_int(item, "tolerationSeconds", f"{where}.tolerationSeconds", report)
    ok = True
    if operator not in ("Equal", "Exists"):
        unsupported(item.values["operator"], f"{where}.operator", operator,
                    ("Equal", "Exists"), report)
        ok = False
    elif operator == "Exists" and value:
        report.error(item.values["value"], f"{where}.operator",
                     f"{where}.operator: Invalid value: {quote(value)}: value must be empty "
                     "when `operator` is 'Exists'", hint="remove `value:` or use Equal")
        ok = False
    elif key is None and operator != "Exists":
        report.error(item, f"{where}.operator", f"{where}.operator: Invalid value: "
                     f"{quote(operator)}: operator must be Exists when `key` is empty, which "
                     'means "match all values and all keys"', hint="add `key:` or use Exists")
        ok = False
    if effect is not None and effect not in _EFFECTS:
        unsupported(item.values["effect"], f"{where}.effect", effect, _EFFECTS, report)
        ok = False
    if not ok:
        return None
    return Toleration(key=key, operator="Exists" if operator == "Exists" else "Equal",
                      value=value, effect=effect)


# ------------------------------------------------------------------------------------ Secret

_EMPTY = Mapping({}, {}, 0, 0)
_DOCKER_KEYS = {
    "kubernetes.io/dockerconfigjson": ".dockerconfigjson",
    "kubernetes.io/dockercfg": ".dockercfg",
}


def _read_secret(root: Mapping, body: dict[str, object], report: Report) -> dict[str, object]:
    """The body as the API server stores it: stringData merged into data as base64."""
    secret_type = as_str(root, "type", "type", report) or "Opaque"
    body["type"] = secret_type
    data: dict[str, bytes] = {}
    data_node = as_mapping(root, "data", "data", report) or _EMPTY
    for key, value in data_node.values.items():
        _check_secret_key(data_node, key, "data", report)
        decoded = _decode_base64(value, f"data[{key}]", report)
        if decoded is not None:
            data[key] = decoded
    string_node = as_mapping(root, "stringData", "stringData", report)
    for key, value in (string_node or _EMPTY).values.items():
        _check_secret_key(string_node or _EMPTY, key, "stringData", report)
        if isinstance(value, Scalar) and isinstance(value.value, str):
            data[key] = value.value.encode("utf-8")
        else:
            report.error(value, f"stringData[{key}]", f"stringData[{key}]: must be a string, "
                         f"not {describe(value)}", hint="put the value in quotes")
    wanted = _DOCKER_KEYS.get(secret_type)
    if wanted is not None:
        _check_docker_config(root, secret_type, wanted, data, report)
    if string_node is not None:
        body.pop("stringData", None)
        body["data"] = {key: base64.b64encode(raw).decode("ascii") for key, raw in data.items()}
    return body


def _check_secret_key(mapping: Mapping, key: str, field: str, report: Report) -> None:
    if not key or len(key) > 253 or not all(c.isascii() and (c.isalnum() or c in "-._")
                                            for c in key):
        report.error(mapping.keys[key], f"{field}[{key}]",
                     f"{field}[{key}]: Invalid value: {quote(key)}: a valid config key must "
                     "consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
                     "'KEY_NAME',  or 'key-name', regex used for validation is "
                     "'[-._a-zA-Z0-9]+')", hint="rename the key")


def _decode_base64(value: Node, path: str, report: Report) -> bytes | None:
    if _is_null(value):
        return b""
    if not (isinstance(value, Scalar) and isinstance(value.value, str)):
        report.error(value, path, f"{path}: must be a base64 string, not {describe(value)}",
                     hint="data values are base64; put plain text under stringData")
        return None
    text = value.value.replace("\n", "").replace("\r", "")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        report.error(value, path, f"{path}: illegal base64 data at input byte "
                     f"{_bad_base64_offset(text)}",
                     hint="data values are base64; put plain text under stringData")
        return None


def _bad_base64_offset(text: str) -> int:
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    for index, char in enumerate(text):
        if char not in alphabet:
            return index
    return len(text) - len(text) % 4


def _check_docker_config(root: Mapping, secret_type: str, wanted: str, data: dict[str, bytes],
                         report: Report) -> None:
    """API validation of docker-config Secrets: the key exists and holds JSON."""
    where = _secret_value_node(root, wanted) or root.get("type") or root
    path = f"data[{wanted}]"
    if wanted not in data:
        if _secret_value_node(root, wanted) is None:
            report.error(where, path, f"{path}: Required value",
                         hint=f"a {secret_type} Secret needs the key `{wanted}` under data "
                              "(base64) or stringData")
        return
    try:
        json.loads(data[wanted].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        detail = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8 text"
        report.error(where, path, f'{path}: Invalid value: "<secret contents redacted>": '
                     f"{detail}", hint=f"{wanted} must be a JSON document, e.g. "
                     '{"auths": {"registry.example.com": {"auth": "…"}}}')


def _secret_value_node(root: Mapping, key: str) -> Node | None:
    for field in ("stringData", "data"):
        mapping = root.get(field)
        if isinstance(mapping, Mapping) and key in mapping:
            return mapping.values[key]
    return None
