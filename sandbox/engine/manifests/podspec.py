"""The pod spec of a Pod or a workload's template: containers, pull secrets, scheduling.

`read_pod_spec` checks a `spec:` mapping the way the API server validates a PodSpec and returns
the typed `objects.PodSpec`; errors and warnings go to the caller's `Report`. Selector
requirements (`read_requirement`) are shared with the workload selectors of `workload_specs`.
"""

from __future__ import annotations

from ..objects import (
    PULL_POLICIES,
    Container,
    ContainerPort,
    NodeSelectorRequirement,
    PodSpec,
    Toleration,
)
from ..problems import Position
from ..yamlsafe import Mapping, Node, Scalar, Sequence, describe
from .schema import (
    Report,
    as_int,
    as_list,
    as_str,
    as_string_map,
    check_dns_label,
    check_dns_subdomain,
    quote,
    unsupported,
)

# The longest image string simulated. The API server sets no limit, but a real reference is far
# shorter (a 255-character path, a 128-character tag, a digest), and every kubelet event about
# the container repeats the image: a 250 KB one made a 5-minute evaluation send 30 MB of events.
MAX_IMAGE_LENGTH = 1024


def read_pod_spec(spec: Mapping, path: str, kind: str, report: Report) -> PodSpec:
    """The PodSpec at `path` (`spec` or a template's `….spec`); problems go to `report`."""
    names: dict[str, str] = {}
    init = _read_containers(spec, "initContainers", path, names, report)
    containers = _read_containers(spec, "containers", path, names, report)
    written = spec.get("containers")
    if written is None or is_null(written) or isinstance(written, Sequence) and not written.items:
        where = written or spec
        report.error(where, f"{path}.containers", f"{path}.containers: Required value",
                     hint="a pod needs at least one container with a name and an image")
    pull_secrets_node = spec.get("imagePullSecrets")
    pull_secrets = read_pull_secret_names(pull_secrets_node, f"{path}.imagePullSecrets", report)
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
        image_pull_secrets_written=pull_secrets_node is not None and not is_null(
            pull_secrets_node),
        image_pull_secret_entries=(len(pull_secrets_node.items)
                                   if isinstance(pull_secrets_node, Sequence) else 0),
        service_account_name=account,
        node_name=as_str(spec, "nodeName", f"{path}.nodeName", report) or None,
        node_selector=tuple(as_string_map(spec, "nodeSelector", f"{path}.nodeSelector",
                                          report).items()),
        required_node_affinity=_read_node_affinity(spec, path, report),
        tolerations=tuple(_read_tolerations(spec, path, report)),
    )


def is_null(node: Node) -> bool:
    """A plain `~`/`null`/empty value (a quoted "null" is a string)."""
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


def read_pull_secret_names(node: Node | None, path: str, report: Report) -> list[str]:
    """Secret names of an imagePullSecrets list, in order, empty names skipped."""
    if node is None or is_null(node):
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
    if image is not None and len(image) > MAX_IMAGE_LENGTH:
        report.error(image_node, f"{path}.image", f"{path}.image: {len(image)} characters is "
                     f"longer than the {MAX_IMAGE_LENGTH} the sandbox simulates",
                     hint="a real image reference is a few hundred characters at most")
        image = None
    elif image is not None and image != image.strip():
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
                     init=init, position=Position(where.line, where.column),
                     ports=_read_ports(item.get("ports")),
                     command=_read_words(item, "command", path, report),
                     args=_read_words(item, "args", path, report))


def _read_words(item: Mapping, key: str, path: str, report: Report) -> tuple[str, ...]:
    """`command:` or `args:`: a list of strings, as the API server decodes it (a null entry
    is an empty word); `kubectl describe` shows them, nothing here runs them."""
    words = []
    for index, entry in enumerate(as_list(item, key, f"{path}.{key}", report)):
        where = f"{path}.{key}[{index}]"
        if isinstance(entry, Scalar) and entry.value is None and not entry.quoted:
            words.append("")
        elif isinstance(entry, Scalar) and isinstance(entry.value, str):
            words.append(entry.value)
        else:
            hint = f'quote it: "{entry.text}"' if isinstance(entry, Scalar) else None
            report.error(entry, where, f"{where}: must be a string, not {describe(entry)}",
                         hint=hint)
    return tuple(words)


def _read_ports(node: Node | None) -> tuple[ContainerPort, ...]:
    """The well-formed `ports:` entries, defaulted as the API server does (hostPort 0,
    protocol TCP); they are not validated here, only shown by `kubectl describe`."""
    ports = []
    for entry in node.items if isinstance(node, Sequence) else ():
        values = entry.plain() if isinstance(entry, Mapping) else {}
        number, host = values.get("containerPort"), values.get("hostPort") or 0
        protocol, name = values.get("protocol") or "TCP", values.get("name") or ""
        # `type(…) is int`: a YAML true is no port number.
        if (type(number) is int and type(host) is int and isinstance(protocol, str)
                and isinstance(name, str)):
            ports.append(ContainerPort(number, host, protocol, name))
    return tuple(ports)


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
            read = read_requirement(item, f"{where}.matchExpressions[{number}]", operators,
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


# ---------------------------------------------------------------------- selector requirements


def read_requirement(
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


