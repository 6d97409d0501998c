"""The field schema: known field names per level, and typed field readers that report problems.

Known names feed the unknown-field check of kubectl's `--validate` (refused when strict, the
default; warned about when warn).

A schema is a dict from field name to the schema of its value, or `None` when we do not look
below that field (its content is free-form or not modelled: labels, resources, volumes, …).
A list is checked element by element against the same schema, so list fields need no marker.

Field names are the JSON tags of Kubernetes' Go types (`k8s.io/api` core/v1, apps/v1, batch/v1,
meta/v1), including recent and feature-gated ones: missing a real field would warn about a valid
manifest, which is worse than missing a typo.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Literal

from ..problems import Position, Problem
from ..yamlsafe import Mapping, Node, Scalar, Sequence, describe

Schema = dict[str, "Schema | None"]


def _opaque(*names: str) -> Schema:
    return dict.fromkeys(names)


OBJECT_META: Schema = _opaque(
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields",
)

_CONTAINER_FIELDS = (
    "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
    "resizePolicy", "restartPolicy", "restartPolicyRules", "volumeMounts", "volumeDevices",
    "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
    "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
)
CONTAINER: Schema = _opaque(*_CONTAINER_FIELDS)
EPHEMERAL_CONTAINER: Schema = _opaque(*_CONTAINER_FIELDS, "targetContainerName")

_NODE_SELECTOR_REQUIREMENT: Schema = _opaque("key", "operator", "values")
_NODE_SELECTOR_TERM: Schema = {
    "matchExpressions": _NODE_SELECTOR_REQUIREMENT,
    "matchFields": _NODE_SELECTOR_REQUIREMENT,
}
NODE_AFFINITY: Schema = {
    "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": _NODE_SELECTOR_TERM},
    "preferredDuringSchedulingIgnoredDuringExecution": {
        "weight": None, "preference": _NODE_SELECTOR_TERM,
    },
}

POD_SPEC: Schema = {
    **_opaque(
        "volumes", "restartPolicy", "terminationGracePeriodSeconds", "activeDeadlineSeconds",
        "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount",
        "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID", "hostIPC",
        "shareProcessNamespace", "securityContext", "hostname", "subdomain", "schedulerName",
        "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
        "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
        "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
        "resourceClaims", "resources", "hostnameOverride", "workloadRef",
    ),
    "containers": CONTAINER,
    "initContainers": CONTAINER,
    "ephemeralContainers": EPHEMERAL_CONTAINER,
    "imagePullSecrets": _opaque("name"),
    "tolerations": _opaque("key", "operator", "value", "effect", "tolerationSeconds"),
    "affinity": {"nodeAffinity": NODE_AFFINITY, "podAffinity": None, "podAntiAffinity": None},
}

POD_TEMPLATE: Schema = {"metadata": OBJECT_META, "spec": POD_SPEC}

_WORKLOAD_COMMON = ("replicas", "selector", "minReadySeconds", "revisionHistoryLimit")
DEPLOYMENT_SPEC: Schema = {
    **_opaque(*_WORKLOAD_COMMON, "strategy", "paused", "progressDeadlineSeconds"),
    "template": POD_TEMPLATE,
}
REPLICA_SET_SPEC: Schema = {**_opaque(*_WORKLOAD_COMMON), "template": POD_TEMPLATE}
STATEFUL_SET_SPEC: Schema = {
    **_opaque(
        *_WORKLOAD_COMMON, "serviceName", "volumeClaimTemplates", "podManagementPolicy",
        "updateStrategy", "persistentVolumeClaimRetentionPolicy", "ordinals",
    ),
    "template": POD_TEMPLATE,
}
DAEMON_SET_SPEC: Schema = {
    **_opaque("selector", "updateStrategy", "minReadySeconds", "revisionHistoryLimit"),
    "template": POD_TEMPLATE,
}
JOB_SPEC: Schema = {
    **_opaque(
        "parallelism", "completions", "activeDeadlineSeconds", "podFailurePolicy",
        "successPolicy", "backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes", "selector",
        "manualSelector", "ttlSecondsAfterFinished", "completionMode", "suspend",
        "podReplacementPolicy", "managedBy",
    ),
    "template": POD_TEMPLATE,
}
CRON_JOB_SPEC: Schema = {
    **_opaque(
        "schedule", "timeZone", "startingDeadlineSeconds", "concurrencyPolicy", "suspend",
        "successfulJobsHistoryLimit", "failedJobsHistoryLimit",
    ),
    "jobTemplate": {"metadata": OBJECT_META, "spec": JOB_SPEC},
}


def _object(**fields: Schema | None) -> Schema:
    return {"apiVersion": None, "kind": None, "metadata": OBJECT_META, **fields}


OBJECTS: dict[str, Schema] = {
    "Pod": _object(spec=POD_SPEC, status=None),
    "Deployment": _object(spec=DEPLOYMENT_SPEC, status=None),
    "ReplicaSet": _object(spec=REPLICA_SET_SPEC, status=None),
    "StatefulSet": _object(spec=STATEFUL_SET_SPEC, status=None),
    "DaemonSet": _object(spec=DAEMON_SET_SPEC, status=None),
    "Job": _object(spec=JOB_SPEC, status=None),
    "CronJob": _object(spec=CRON_JOB_SPEC, status=None),
    "Namespace": _object(spec=_opaque("finalizers"), status=None),
    "ServiceAccount": _object(
        secrets=None, imagePullSecrets=_opaque("name"), automountServiceAccountToken=None,
    ),
    "Secret": _object(data=None, stringData=None, type=None, immutable=None),
}


def unknown_fields(node: Node, schema: Schema,
                   path: str = "") -> list[tuple[str, Node, str | None]]:
    """(field path, key node, closest known name or None) for every field `schema` lacks."""
    found: list[tuple[str, Node, str | None]] = []
    _walk(node, schema, path, found)
    return found


def _walk(node: Node, schema: Schema, path: str,
          found: list[tuple[str, Node, str | None]]) -> None:
    if isinstance(node, Sequence):
        for index, item in enumerate(node.items):
            _walk(item, schema, f"{path}[{index}]", found)
        return
    if not isinstance(node, Mapping):
        return
    for key, value in node.items():
        name = str(key.value)
        where = f"{path}.{name}" if path else name
        if name not in schema:
            # Suggestions only for the first few: difflib is the slow part of a hostile paste.
            close = difflib.get_close_matches(name, schema, n=1, cutoff=0.6) \
                if len(found) < 64 else []
            found.append((where, key, close[0] if close else None))
            continue
        child = schema[name]
        if child is not None:
            _walk(value, child, where, found)


# ------------------------------------------------------------- reading fields, with problems


class Report:
    """Problems found so far, errors and warnings, each with where it is."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.errors = 0

    def error(self, at: Node | Position | None, path: str | None, message: str,
              hint: str | None = None) -> None:
        self.errors += 1
        self._add(at, path, message, hint, "error")

    def warn(self, at: Node | Position | None, path: str | None, message: str,
             hint: str | None = None) -> None:
        self._add(at, path, message, hint, "warning")

    def _add(self, at: Node | Position | None, path: str | None, message: str,
             hint: str | None, severity: Literal["error", "warning"]) -> None:
        line = at.line if at is not None else None
        column = at.column if at is not None else None
        self.problems.append(Problem(message, line, column, path, severity, hint))

    def sorted(self) -> list[Problem]:
        """In text order; problems without a position first."""
        return sorted(self.problems, key=lambda p: (p.line or 0, p.column or 0))


def quote(value: object) -> str:
    """A value the way the API server prints it in field errors (Go's %q for strings)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def go_map(labels: dict[str, str]) -> str:
    """`map[string]string{"app":"web"}`, Go's %#v of a label map (keys sorted)."""
    inner = ", ".join(f"{quote(k)}:{quote(v)}" for k, v in sorted(labels.items()))
    return f"map[string]string{{{inner}}}"


def _wrong_type(node: Node, path: str, wanted: str, report: Report) -> None:
    hint = "put the value in quotes" if wanted == "a string" and isinstance(node, Scalar) \
        else f"write {wanted} here"
    report.error(node, path, f"{path}: must be {wanted}, not {describe(node)}", hint=hint)


def _present(mapping: Mapping, key: str) -> Node | None:
    """The value node, or None when absent or null (JSON null reads as "not set")."""
    node = mapping.values.get(key)
    if isinstance(node, Scalar) and node.value is None and not node.quoted:
        return None
    return node


def as_str(mapping: Mapping, key: str, path: str, report: Report, *, required: bool = False,
           hint: str | None = None) -> str | None:
    node = _present(mapping, key)
    if node is not None and not (isinstance(node, Scalar) and isinstance(node.value, str)):
        _wrong_type(node, path, "a string", report)
        return None
    value = node.value if isinstance(node, Scalar) else None
    if required and not value:
        report.error(mapping.values.get(key) or mapping, path, f"{path}: Required value",
                     hint=hint)
    return value if isinstance(value, str) else None


def as_int(mapping: Mapping, key: str, path: str, report: Report) -> int | None:
    node = _present(mapping, key)
    if node is None:
        return None
    value = node.value if isinstance(node, Scalar) else None
    if isinstance(value, int) and not isinstance(value, bool):
        if not -(2**31) <= value < 2**31:
            report.error(node, path, f"{path}: Invalid value: {value}: must fit in 32 bits",
                         hint="use a smaller number")
            return None
        return value
    _wrong_type(node, path, "an integer", report)
    return None


def as_mapping(mapping: Mapping, key: str, path: str, report: Report) -> Mapping | None:
    node = _present(mapping, key)
    if node is None or isinstance(node, Mapping):
        return node
    _wrong_type(node, path, "a mapping", report)
    return None


def as_list(mapping: Mapping, key: str, path: str, report: Report) -> tuple[Node, ...]:
    node = _present(mapping, key)
    if node is None:
        return ()
    if isinstance(node, Sequence):
        return node.items
    _wrong_type(node, path, "a list", report)
    return ()


def as_string_map(mapping: Mapping, key: str, path: str, report: Report) -> dict[str, str]:
    """A string-to-string map (labels, nodeSelector); non-string values are errors."""
    node = as_mapping(mapping, key, path, report)
    found: dict[str, str] = {}
    for name, value in (node.values.items() if node else ()):
        if isinstance(value, Scalar) and isinstance(value.value, str):
            found[name] = value.value
        elif isinstance(value, Scalar) and value.value is None:
            found[name] = ""
        else:
            where = f"{path}.{name}"
            hint = f'quote it: {name}: "{value.text}"' if isinstance(value, Scalar) else None
            report.error(value, where, f"{where}: must be a string, not {describe(value)}",
                         hint=hint or "write a string here")
    return found


def unsupported(node: Node | Mapping, path: str, value: object, allowed: tuple[str, ...],
                report: Report) -> None:
    """The API server's enum error, plus a did-you-mean for a case slip."""
    choices = ", ".join(quote(choice) for choice in allowed)
    close = [c for c in allowed if isinstance(value, str) and c.lower() == value.lower()]
    hint = f"values are case-sensitive: did you mean {close[0]}?" if close \
        else f"use one of {choices}"
    report.error(node, path, f"{path}: Unsupported value: {quote(value)}: supported values: "
                 f"{choices}", hint=hint)


_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_NAME_HINT = "use lowercase letters, digits and '-', e.g. `web-1`"


def check_dns_label(node: Node, path: str, value: str, report: Report) -> None:
    if len(value) > 63:
        report.error(node, path, f"{path}: Invalid value: {quote(value)}: must be no more than "
                     "63 characters", hint="shorten the name")
    elif not _DNS_LABEL.fullmatch(value):
        report.error(node, path, f"{path}: Invalid value: {quote(value)}: a lowercase RFC 1123 "
                     "label must consist of lower case alphanumeric characters or '-', and must "
                     "start and end with an alphanumeric character (e.g. 'my-name',  or "
                     "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                     hint=_NAME_HINT)


def check_dns_subdomain(node: Node, path: str, value: str, report: Report) -> None:
    if len(value) > 253:
        report.error(node, path, f"{path}: Invalid value: {quote(value)}: must be no more than "
                     "253 characters", hint="shorten the name")
    elif not _DNS_SUBDOMAIN.fullmatch(value):
        report.error(node, path, f"{path}: Invalid value: {quote(value)}: a lowercase RFC 1123 "
                     "subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                     "and must start and end with an alphanumeric character (e.g. "
                     "'example.com', regex used for validation is "
                     r"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                     hint=_NAME_HINT)


def check_labels(labels: Mapping, path: str, report: Report) -> None:
    """Label keys (optional DNS prefix + name) and values, as the API server checks them."""
    for key_node, value in labels.items():
        key = str(key_node.value)
        prefix, _, name = key.rpartition("/")
        if (not name or len(name) > 63 or not _LABEL_VALUE.fullmatch(name)
                or prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix))):
            report.error(key_node, path, f"{path}: Invalid value: {quote(key)}: name part must "
                         "consist of alphanumeric characters, '-', '_' or '.', and must start "
                         "and end with an alphanumeric character (e.g. 'MyName',  or "
                         "'my.name',  or '123-abc', regex used for validation is "
                         "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                         hint="label keys are like `app` or `example.com/tier`")
        text = value.value if isinstance(value, Scalar) else None
        if isinstance(text, str) and (len(text) > 63 or not _LABEL_VALUE.fullmatch(text)):
            report.error(value, f"{path}.{key}", f"{path}: Invalid value: {quote(text)}: a valid "
                         "label must be an empty string or consist of alphanumeric characters, "
                         "'-', '_' or '.', and must start and end with an alphanumeric character "
                         "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
                         "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                         hint="at most 63 letters, digits, '-', '_' or '.'")
