"""`--field-selector`: apimachinery's field selectors (pkg/fields/selector.go) and the fields each
kind lets a list select on (the field label conversions of pkg/apis/core/v1 and apps/v1).

A selector is terms joined by commas, each `field=value`, `field==value` or `field!=value`
(the first operator found from the left, `!=` before `==` before `=`); in a value `\\,`, `\\=`
and `\\\\` stand for themselves and any other backslash, or a bare `,` or `=`, is an error.
Every term must hold. A field that is empty on an object is matched as the empty text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..reference import go_quote

_OPERATORS = ("!=", "==", "=")
_META = ("metadata.name", "metadata.namespace")
# The fields each kind's conversion accepts; other kinds take only metadata's two, with the
# default conversion's own wording for anything else.
FIELDS: dict[str, tuple[str, ...]] = {
    "Pod": (*_META, "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
            "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP",
            "status.podIPs", "status.nominatedNodeName"),
    "Event": ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
              "involvedObject.uid", "involvedObject.apiVersion",
              "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
              "reportingComponent", "source", "type", *_META),
    "Secret": ("type", *_META),
    "Node": ("metadata.name", "spec.unschedulable"),
    "Namespace": ("status.phase", "metadata.name"),
    "ReplicaSet": (*_META, "status.replicas"),
}
_ALIASES = {("Pod", "spec.host"): "spec.nodeName"}  # old clients' name, still accepted


class FieldSelectorError(ValueError):
    """The API server's refusal, worded as it words it."""


@dataclass(frozen=True)
class Term:
    field: str
    value: str
    equal: bool


def _split_terms(text: str) -> list[str]:
    terms, start, escaped = [], 0, False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append(text[start:index])
            start = index + 1
    return terms + [text[start:]]


def _unescape(value: str) -> str:
    out, escaped = [], False
    for char in value:
        if escaped:
            if char not in "\\,=":
                raise FieldSelectorError("invalid field selector: invalid escape sequence: "
                                         f"\\{char}")
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",=":
            raise FieldSelectorError("invalid field selector: unescaped character in value: "
                                     f"{ord(char)}")
        else:
            out.append(char)
    if escaped:
        raise FieldSelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def parse_field_selector(text: str, kind: str) -> tuple[Term, ...]:
    """The terms of `text` for a list of `kind`; raises FieldSelectorError."""
    terms = []
    for part in sorted(_split_terms(text)) if text else []:
        if not part:
            continue
        found = next(((i, op) for i in range(len(part)) for op in _OPERATORS
                      if part.startswith(op, i)), None)
        if found is None:
            raise FieldSelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        index, operator = found
        terms.append(Term(part[:index], _unescape(part[index + len(operator):]),
                          operator != "!="))
    return tuple(_converted(term, kind) for term in terms)


def _converted(term: Term, kind: str) -> Term:
    field = _ALIASES.get((kind, term.field), term.field)
    allowed = FIELDS.get(kind)
    if allowed is None:
        if field not in _META:
            raise FieldSelectorError(f"{go_quote(field)} is not a known field selector: only "
                                     '"metadata.name", "metadata.namespace"')
    elif field not in allowed:
        raise FieldSelectorError(f"field label not supported: {field}")
    return Term(field, term.value, term.equal)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def field_values(kind: str, body: dict[str, Any]) -> dict[str, str]:
    """The fields a listed object offers to a selector (each kind's ToSelectableFields)."""
    metadata, spec = body.get("metadata") or {}, body.get("spec") or {}
    status = body.get("status") or {}
    values = {"metadata.name": _text(metadata.get("name")),
              "metadata.namespace": _text(metadata.get("namespace"))}
    if kind == "Pod":
        values.update({f"spec.{k}": _text(spec.get(k)) for k in
                       ("nodeName", "restartPolicy", "schedulerName", "serviceAccountName")})
        values["spec.hostNetwork"] = _text(bool(spec.get("hostNetwork")))
        ips = [str(ip.get("ip")) for ip in status.get("podIPs") or [] if isinstance(ip, dict)]
        values.update({"status.phase": _text(status.get("phase")),
                       "status.podIP": _text(status.get("podIP")),
                       "status.podIPs": ",".join(ips),
                       "status.nominatedNodeName": _text(status.get("nominatedNodeName"))})
    elif kind == "Event":
        involved = body.get("involvedObject") or {}
        values.update({f"involvedObject.{k}": _text(involved.get(k)) for k in
                       ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion",
                        "fieldPath")})
        values.update({"reason": _text(body.get("reason")), "type": _text(body.get("type")),
                       "reportingComponent": _text(body.get("reportingComponent")),
                       "source": _text((body.get("source") or {}).get("component"))})
    elif kind == "Secret":
        values["type"] = _text(body.get("type"))
    elif kind == "Node":
        values["spec.unschedulable"] = _text(bool(spec.get("unschedulable")))
    elif kind == "Namespace":
        values["status.phase"] = _text(status.get("phase") or "Active")
    elif kind == "ReplicaSet":
        values["status.replicas"] = _text(status.get("replicas", 0))
    return values


def matches(terms: tuple[Term, ...], values: dict[str, str]) -> bool:
    return all((values.get(t.field, "") == t.value) is t.equal for t in terms)
