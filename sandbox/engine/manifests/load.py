"""`load_manifests`: a learner's paste in, typed objects out, every problem with its position.

The whole paste is checked before anything is raised, so one `ManifestError` lists every error
(and, for context, every warning). Messages follow the API server's field errors
(`spec.containers[0].image: Required value`, `Unsupported value: …`, `Invalid value: …`), each
with a hint for a learner.

Unknown fields follow kubectl's `--validate` (the `validate=` keyword): `strict`, kubectl's
default, refuses the object, as the API server's strict field validation does; `warn` creates it
and warns about each field; `ignore` drops them silently. See `check_unknown_fields`.

Choices:
* Only the kinds of `objects.OBJECT_KINDS` are accepted; anything else is an error naming them.
* `metadata.generateName` without `name`: the object's `name` is the generateName prefix as
  written (e.g. `web-`); the simulator adds the suffix. It can tell from `"name" not in
  obj.body["metadata"]`.
* A Secret's `stringData` is merged into `body["data"]` (base64-encoded, winning over `data`)
  and dropped, as the API server stores it: credential code reads only `data`.
* Two objects with the same kind, namespace and name are an error (`kubectl create` refuses the
  second with AlreadyExists).

The pod spec is read by `podspec`, a workload's template and selector by `workload_specs`, and a
Secret's data by `manifest_secrets`; this module reads the object around them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from ..objects import OBJECT_KINDS, KubeObject, Manifests
from ..problems import ManifestError, Position, Problem
from ..yamlsafe import (
    MAX_BYTES,
    MAX_PROBLEMS,
    Document,
    Mapping,
    Sequence,
    describe,
    safe_load_documents,
)
from .podspec import read_pull_secret_names
from .schema import (
    OBJECTS,
    Report,
    as_mapping,
    as_str,
    as_string_map,
    check_dns_label,
    check_dns_subdomain,
    check_labels,
    quote,
    unknown_fields,
)
from .secrets import read_secret
from .workload_specs import TEMPLATE_PATHS, read_spec

__all__ = ["MAX_BYTES", "STDIN", "TEMPLATE_PATHS", "Validate", "load_manifests", "read_object",
           "validation_directive"]

API_VERSIONS = {
    "Pod": "v1", "Namespace": "v1", "ServiceAccount": "v1", "Secret": "v1",
    "Deployment": "apps/v1", "ReplicaSet": "apps/v1", "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1",
}
_NAMESPACED = tuple(kind for kind in OBJECT_KINDS if kind != "Namespace")
NOTHING_TO_RUN = "nothing to run: paste at least one Kubernetes object"

Validate = Literal["strict", "warn", "ignore"]
# The source kubectl names for `-f -` (cli-runtime pkg/resource/visitor.go, constSTDINstr): a paste
# is what `kubectl apply -f -` reads.
STDIN = "STDIN"
_BOOLEANS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


def validation_directive(value: str | bool) -> Validate:
    """kubectl's reading of `--validate` (kubectl pkg/cmd/util/helpers.go GetValidationDirective).

    strict, warn or ignore; Go's ParseBool spellings too (true is strict, false is ignore).
    Anything else raises ValueError with kubectl's message.
    """
    if isinstance(value, bool):
        return "strict" if value else "ignore"
    if value in _BOOLEANS:
        return "strict" if _BOOLEANS[value] else "ignore"
    if value in get_args(Validate):
        return value  # type: ignore[return-value]
    raise ValueError(f"invalid - validate option {quote(value)}; must be one of: strict (or "
                     "true), warn, ignore (or false)")


def load_manifests(text: str | bytes, *, validate: str | bool = "strict") -> Manifests:
    """The objects of a paste, in order; raises ManifestError listing every problem.

    `validate` is kubectl's `--validate`: strict (the default), warn or ignore, or true/false.
    """
    directive = validation_directive(validate)
    documents = safe_load_documents(text)
    report = Report()
    objects: list[KubeObject] = []
    for document in documents:
        if document.root is not None:
            found = read_object(document, report, validate=directive)
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


def read_object(document: Document, report: Report, *,
                validate: Validate = "strict") -> KubeObject | None:
    """One document's object, or None when it cannot be read; every problem goes to `report`."""
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
    check_unknown_fields(root, kind, validate, report)
    name, namespace, labels = _read_metadata(root, kind, report)
    if kind == "Pod":
        _check_no_ephemeral_containers(root, name or "", report)
    elif kind in TEMPLATE_PATHS:
        _check_no_template_ephemeral_containers(root, kind, name or "", report)
    pod_spec, replicas = read_spec(root, kind, report)
    body = root.plain()
    if kind == "Secret":
        body = read_secret(root, body, report)
    elif kind == "ServiceAccount":
        read_pull_secret_names(root.get("imagePullSecrets"), "imagePullSecrets", report)
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


def check_unknown_fields(root: Mapping, kind: str, validate: Validate, report: Report) -> None:
    """Fields the object's type lacks, as kubectl's `--validate` treats them.

    strict: the API server's strict decoder collects every unknown field (sigs.k8s.io/json,
    `unknown field "<path>"`), apimachinery joins them (pkg/runtime/error.go strictDecodingError:
    `strict decoding error: ` + the errors joined by ", "), and the create handler refuses the
    object with BadRequest (apiserver pkg/endpoints/handlers/create.go, transformDecodeError in
    rest.go: `<Kind> in version "<version>" cannot be handled as a <Kind>: …`); kubectl adds the
    source (kubectl pkg/cmd/util/helpers.go AddSourceToErr: `error when creating "<file>": …`) and
    prints `Error from server (BadRequest): …`. One error per object carries that line; each
    field is an error of its own, where it is, with a hint.
    warn: the server keeps the object and returns each one as a warning (rest.go
    addStrictDecodingWarnings), which kubectl prints as `Warning: unknown field "<path>"`.
    ignore: silently dropped.
    """
    found = unknown_fields(root, OBJECTS[kind])
    if not found or validate == "ignore":
        return
    for path, key, close in found:
        hint = _unknown_field_hint(path, close, validate)
        if validate == "warn":
            report.warn(key, path, f"unknown field {quote(path)}", hint=hint)
        else:
            report.error(key, path, f"strict decoding error: unknown field {quote(path)}",
                         hint=hint)
    if validate == "strict":
        version = API_VERSIONS[kind].rpartition("/")[2]
        shown = ", ".join(f"unknown field {quote(path)}" for path, _, _ in found[:_LISTED])
        if len(found) > _LISTED:
            shown += f", … ({len(found) - _LISTED} more)"
        where = next(iter(root.keys.values()), None) or root
        report.error(where, None, f"Error from server (BadRequest): error when creating "
                     f"{quote(STDIN)}: {kind} in version {quote(version)} cannot be handled as a "
                     f"{kind}: strict decoding error: {shown}",
                     hint=f"nothing was created: kubectl validates strictly by default, so fix "
                          f"or remove the unknown field{'s' if len(found) > 1 else ''}")


_LISTED = 20  # unknown fields named in the kubectl line; a hostile paste can have thousands
_POD_SPEC_ONLY = ("imagePullSecrets", "serviceAccountName", "nodeSelector", "restartPolicy",
                  "tolerations", "affinity", "volumes", "initContainers")


def _unknown_field_hint(path: str, close: str | None, validate: Validate) -> str:
    name = path.rpartition(".")[2]
    if "ontainers[" in path.rpartition(".")[0].rpartition(".")[2] and name in _POD_SPEC_ONLY:
        # The classic slip: a pod-level field indented under a container.
        return (f"{name} belongs to the pod spec, not to a container: indent it to line up "
                "with `containers:`")
    if close:
        return f'did you mean "{close}"?'
    return "this field is ignored" if validate == "warn" else \
        "remove it: the API server refuses a field its type does not have"


def _check_no_ephemeral_containers(root: Mapping, name: str, report: Report) -> None:
    """A Pod may not be created with ephemeral containers: they are added later, by `kubectl
    debug`, through the pods/ephemeralcontainers subresource. Upstream: pkg/apis/core/validation/
    validation.go ValidatePodCreate, `field.Forbidden(spec.ephemeralContainers, "cannot be set on
    create")`; kubectl prints the Invalid status as `The Pod "<name>" is invalid: <field>:
    <message>` (kubectl pkg/cmd/util/helpers.go checkErr)."""
    spec = root.get("spec")
    node = spec.get("ephemeralContainers") if isinstance(spec, Mapping) else None
    if isinstance(node, Sequence) and node.items:
        report.error(spec.keys["ephemeralContainers"] if isinstance(spec, Mapping) else node,
                     "spec.ephemeralContainers",
                     f"The Pod {quote(name)} is invalid: spec.ephemeralContainers: Forbidden: "
                     "cannot be set on create",
                     hint="a new pod cannot have ephemeral containers: list the container under "
                          "`containers:`, or add it to a running pod with `kubectl debug`")


def _check_no_template_ephemeral_containers(root: Mapping, kind: str, name: str,
                                            report: Report) -> None:
    """No pod template may list ephemeral containers (pkg/apis/core/validation/validation.go
    ValidatePodTemplateSpec: `field.Forbidden(<template>.spec.ephemeralContainers, "ephemeral
    containers not allowed in pod template")`), printed by kubectl as `The <Kind> "<name>" is
    invalid: …`."""
    node: object = root
    for key in TEMPLATE_PATHS[kind]:
        node = node.get(key) if isinstance(node, Mapping) else None
    spec = node.get("spec") if isinstance(node, Mapping) else None
    found = spec.get("ephemeralContainers") if isinstance(spec, Mapping) else None
    if isinstance(spec, Mapping) and isinstance(found, Sequence) and found.items:
        path = ".".join(TEMPLATE_PATHS[kind]) + ".spec.ephemeralContainers"
        report.error(spec.keys["ephemeralContainers"], path,
                     f"The {kind} {quote(name)} is invalid: {path}: Forbidden: ephemeral "
                     "containers not allowed in pod template",
                     hint="list the container under `containers:`; ephemeral containers are "
                          "added to a running pod with `kubectl debug`")


_read_object = read_object  # the name scenario.py imported before it was public
