"""`kubectl describe` of the objects other than pods and nodes, from their stored bodies.

Followed from kubectl's pkg/describe/describe.go: `describeDeployment`, `describeReplicaSet`,
`DescribePodTemplate` with `describeContainers` for a template (no statuses), `describeSecret`,
`describeServiceAccount` and `describeNamespace`, with the same labels and annotations blocks
(`printLabelsMultilineWithIndent`, `printAnnotationsMultiline`: the last-applied annotation
left out, values past 140 characters broken onto lines of their own). Each function returns
the lines before the tabwriter (cells split by tabs); the caller adds the Events block and runs
`tabwrite`, which pads as kubectl's `tabbedString` does.

Left out, as the simulator has no counterpart: resource quantities are printed as written, not
canonicalised (`0.5` stays `0.5`, kubectl prints `500m`); volume types other than emptyDir,
hostPath, secret, configMap, persistentVolumeClaim, nfs, gitRepo and downwardAPI print
`<unknown>` (projected among them: kubectl prints its optional flags as Go pointers); a
namespace's quotas and limit ranges are always none.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from .selectors import selector_text

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140
# The API server's probe defaults (pkg/apis/core/v1/defaults.go SetDefaults_Probe).
PROBE_DEFAULTS = {"initialDelaySeconds": 0, "timeoutSeconds": 1, "periodSeconds": 10,
                  "successThreshold": 1, "failureThreshold": 3}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def labels_lines(title: str, labels: Any) -> list[str]:
    """printLabelsMultiline: `Title:\\tk=v`, one more line per label (sorted), `<none>` if none."""
    labels = _mapping(labels)
    if not labels:
        return [f"{title}:\t<none>"]
    keys = sorted(labels)
    return [f"{title}:\t{keys[0]}={labels[keys[0]]}"] + [f"\t{k}={labels[k]}" for k in keys[1:]]


def annotations_lines(title: str, annotations: Any) -> list[str]:
    """printAnnotationsMultiline: like labels, `key: value`; a long or multi-line value goes on
    lines of its own, each cut at 138 characters with `...`."""
    values = {k: v for k, v in _mapping(annotations).items() if k != LAST_APPLIED}
    if not values:
        return [f"{title}:\t<none>"]
    lines: list[str] = []
    for index, key in enumerate(sorted(values)):
        lead = f"{title}:\t" if index == 0 else "\t"
        value = str(values[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            lines.append(f"{lead}{key}:")
            limit = MAX_ANNOTATION_LEN - 2
            lines += [f"\t  {s[:limit] + '...' if len(s) > limit else s}"
                      for s in value.split("\n")]
        else:
            lines.append(f"{lead}{key}: {value}")
    return lines


def _go_strings(values: Any) -> str:
    """Go's %v of a []string: `[a b c]`."""
    return "[" + " ".join(str(v) for v in values) + "]" if isinstance(values, list) else "[]"


def describe_probe(probe: dict[str, Any]) -> str:
    """DescribeProbe, with the API server's defaults for the numbers left out."""
    numbers = {k: probe.get(k, default) for k, default in PROBE_DEFAULTS.items()}
    attrs = (f"delay={numbers['initialDelaySeconds']}s timeout={numbers['timeoutSeconds']}s "
             f"period={numbers['periodSeconds']}s "
             f"successThreshold={numbers['successThreshold']} "
             f"failureThreshold={numbers['failureThreshold']}")
    if isinstance(probe.get("exec"), dict):
        return f"exec {_go_strings(probe['exec'].get('command'))} {attrs}"
    if isinstance(probe.get("httpGet"), dict):
        get = probe["httpGet"]
        host, port = str(get.get("host") or ""), str(get.get("port") or "")
        if port:
            host = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        path = str(get.get("path") or "")
        if path and not path.startswith("/"):
            path = "/" + path
        return f"http-get {str(get.get('scheme') or 'HTTP').lower()}://{host}{path} {attrs}"
    if isinstance(probe.get("tcpSocket"), dict):
        socket = probe["tcpSocket"]
        return f"tcp-socket {socket.get('host') or ''}:{socket.get('port', '')} {attrs}"
    if isinstance(probe.get("grpc"), dict):
        grpc = probe["grpc"]
        return f"grpc <pod>:{grpc.get('port', 0)} {grpc.get('service') or ''} {attrs}"
    return f"unknown {attrs}"


def _ports(ports: list[dict[str, Any]], field: str) -> str:
    out = []
    for port in ports:
        text = f"{port.get(field, 0)}/{port.get('protocol') or 'TCP'}"
        out.append(f"{text} ({port['name']})" if port.get("name") else text)
    return ", ".join(out)


def _env_lines(container: dict[str, Any]) -> list[str]:
    lines = []
    if _items(container.get("envFrom")):
        lines.append("    Environment Variables from:")
        for source in _items(container.get("envFrom")):
            ref, kind = ((_mapping(source.get("configMapRef")), "ConfigMap")
                         if "configMapRef" in source else
                         (_mapping(source.get("secretRef")), "Secret"))
            optional = "true" if ref.get("optional") is True else "false"
            prefix = source.get("prefix")
            kind = f"{kind} with prefix '{prefix}'" if prefix else kind
            lines.append(f"      {ref.get('name', '')}\t{kind}\tOptional: {optional}")
    env = _items(container.get("env"))
    lines.append("    Environment:" + ("" if env else "\t<none>"))
    for var in env:
        name, source = var.get("name", ""), _mapping(var.get("valueFrom"))
        if not source:
            first, *rest = str(var.get("value", "")).split("\n")
            lines += [f"      {name}:\t{first}"] + [f"      \t{line}" for line in rest]
        elif "fieldRef" in source:
            ref = _mapping(source["fieldRef"])
            lines.append(f"      {name}:\t ({ref.get('apiVersion', 'v1')}:"
                         f"{ref.get('fieldPath', '')})")
        elif "resourceFieldRef" in source:
            resource = _mapping(source["resourceFieldRef"]).get("resource")
            lines.append(f"      {name}:\t ({resource})")
        else:
            secret = "secretKeyRef" in source
            ref = _mapping(source.get("secretKeyRef" if secret else "configMapKeyRef"))
            where = f"in secret '{ref.get('name', '')}'" if secret else \
                f"of config map '{ref.get('name', '')}'"
            optional = "true" if ref.get("optional") is True else "false"
            lines.append(f"      {name}:\t<set to the key '{ref.get('key', '')}' {where}>\t"
                         f"Optional: {optional}")
    return lines


def _mount_lines(container: dict[str, Any]) -> list[str]:
    mounts = sorted(_items(container.get("volumeMounts")),
                    key=lambda m: str(m.get("mountPath", "")))
    lines = ["    Mounts:" + ("" if mounts else "\t<none>")]
    for mount in mounts:
        flags = ["ro" if mount.get("readOnly") is True else "rw"]
        if mount.get("subPath"):
            flags.append(f'path="{mount["subPath"]}"')
        lines.append(f"      {mount.get('mountPath', '')} from {mount.get('name', '')} "
                     f"({','.join(flags)})")
    return lines


def command_lines(command: Sequence[object], args: Sequence[object]) -> list[str]:
    """describeContainerCommand: `Command:`, then `Args:`, each word on a line of its own (a
    word with newlines on one line per line of it); nothing for an empty list."""
    lines = []
    for title, words in (("Command", command), ("Args", args)):
        if words:
            lines.append(f"    {title}:")
            lines += [f"      {part}" for word in words for part in str(word).split("\n")]
    return lines


def container_lines(label: str, containers: Any) -> list[str]:
    """describeContainers for a pod template: no container ID, image ID or state."""
    containers = _items(containers)
    lines = [f"  {label}:" + ("" if containers else " <none>")]
    for container in containers:
        ports = _items(container.get("ports"))
        lines += [f"   {container.get('name', '')}:", f"    Image:\t{container.get('image', '')}"]
        for title, field in (("Port", "containerPort"), ("Host Port", "hostPort")):
            text = _ports(ports, field)
            lines.append(f"    {title}s:\t{text}" if "," in text else
                         f"    {title}:\t{text or '<none>'}")
        lines += command_lines(*(value if isinstance(value := container.get(title), list)
                                 else [] for title in ("command", "args")))
        resources = _mapping(container.get("resources"))
        for title in ("limits", "requests"):
            amounts = _mapping(resources.get(title))
            if amounts:
                lines.append(f"    {title.capitalize()}:")
                lines += [f"      {name}:\t{amounts[name]}" for name in sorted(amounts)]
        for title, field in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"),
                             ("Startup", "startupProbe")):
            if isinstance(container.get(field), dict):
                lines.append(f"    {title}:\t{describe_probe(container[field])}")
        lines += _env_lines(container) + _mount_lines(container)
    return lines


# describe.go's printers of the volume types modelled: the Type line, then (label, field, what a
# missing field prints); `bool` for an optional bool, printed `true` or `false`. A hostPath's
# type is defaulted to "" by the API server, so an unset one prints empty, as on a cluster.
_VOLUMES: dict[str, tuple[str, tuple[tuple[str, str, Any], ...]]] = {
    "hostPath": ("HostPath (bare host directory volume)",
                 (("Path", "path", ""), ("HostPathType", "type", ""))),
    "emptyDir": ("EmptyDir (a temporary directory that shares a pod's lifetime)",
                 (("Medium", "medium", ""), ("SizeLimit", "sizeLimit", "<unset>"))),
    "secret": ("Secret (a volume populated by a Secret)",
               (("SecretName", "secretName", ""), ("Optional", "optional", bool))),
    "configMap": ("ConfigMap (a volume populated by a ConfigMap)",
                  (("Name", "name", ""), ("Optional", "optional", bool))),
    "persistentVolumeClaim": (
        "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
        (("ClaimName", "claimName", ""), ("ReadOnly", "readOnly", bool))),
    "nfs": ("NFS (an NFS mount that lasts the lifetime of a pod)",
            (("Server", "server", ""), ("Path", "path", ""), ("ReadOnly", "readOnly", bool))),
    "gitRepo": ("GitRepo (a volume that is pulled from git when the pod is created)",
                (("Repository", "repository", ""), ("Revision", "revision", ""))),
    "downwardAPI": ("DownwardAPI (a volume populated by information about the pod)", ()),
}


def _volume_lines(volumes: Any) -> list[str]:
    volumes = _items(volumes)
    if not volumes:
        return ["  Volumes:\t<none>"]
    lines = ["  Volumes:"]
    for volume in volumes:
        lines.append(f"   {volume.get('name', '')}:")
        kind = next((k for k in _VOLUMES if isinstance(volume.get(k), dict)), None)
        if kind is None:
            lines.append("  <unknown>")
            continue
        title, fields = _VOLUMES[kind]
        lines.append(f"    Type:\t{title}")
        if kind == "downwardAPI":  # printDownwardAPIVolumeSource: each item's source -> path
            lines.append("    Items:")
            for item in _items(volume[kind].get("items")):
                for ref, field in (("fieldRef", "fieldPath"), ("resourceFieldRef", "resource")):
                    if isinstance(item.get(ref), dict):
                        lines.append(f"      {item[ref].get(field, '')} -> {item.get('path', '')}")
        for label, field, missing in fields:
            value = volume[kind].get(field)
            if missing is bool:
                text = "true" if value is True else "false"
            else:
                text = missing if value in (None, "") else str(value)
            lines.append(f"    {label}:\t{text}")
    return lines


def _toleration_lines(tolerations: Any) -> list[str]:
    tolerations = sorted(_items(tolerations), key=lambda t: str(t.get("key", "")))
    if not tolerations:
        return ["  Tolerations:\t<none>"]
    lines = []
    for index, toleration in enumerate(tolerations):
        text = str(toleration.get("key", ""))
        text += f"={toleration['value']}" if toleration.get("value") else ""
        text += f":{toleration['effect']}" if toleration.get("effect") else ""
        if toleration.get("operator") == "Exists" and not toleration.get("value"):
            text += " op=Exists" if toleration.get("key") or toleration.get("effect") else \
                "op=Exists"
        if isinstance(toleration.get("tolerationSeconds"), int):
            text += f" for {toleration['tolerationSeconds']}s"
        lines.append(("  Tolerations:\t" if index == 0 else "\t") + text)
    return lines


def template_lines(template: Any) -> list[str]:
    """DescribePodTemplate."""
    template = _mapping(template)
    metadata, spec = _mapping(template.get("metadata")), _mapping(template.get("spec"))
    lines = ["Pod Template:"] + labels_lines("  Labels", metadata.get("labels"))
    if _mapping(metadata.get("annotations")):
        lines += annotations_lines("  Annotations", metadata.get("annotations"))
    if spec.get("serviceAccountName"):
        lines.append(f"  Service Account:\t{spec['serviceAccountName']}")
    if _items(spec.get("initContainers")):
        lines += container_lines("Init Containers", spec.get("initContainers"))
    lines += container_lines("Containers", spec.get("containers"))
    lines += _volume_lines(spec.get("volumes"))
    if spec.get("priorityClassName"):
        lines.append(f"  Priority Class Name:\t{spec['priorityClassName']}")
    lines += labels_lines("  Node-Selectors", spec.get("nodeSelector"))
    return lines + _toleration_lines(spec.get("tolerations"))


def conditions_lines(conditions: list[tuple[str, str, str]]) -> list[str]:
    """A Deployment's or ReplicaSet's `Conditions:` table (type, status, reason)."""
    if not conditions:
        return []
    return (["Conditions:", "  Type\tStatus\tReason", "  ----\t------\t------"]
            + [f"  {kind} \t{status}\t{reason}" for kind, status, reason in conditions])


def deployment_lines(body: dict[str, Any], *, created: str, annotations: Mapping[str, str],
                     status: Mapping[str, int], conditions: list[tuple[str, str, str]],
                     old_sets: str, new_set: str) -> list[str]:
    """describeDeployment, up to (not including) its Events."""
    metadata, spec = _mapping(body.get("metadata")), _mapping(body.get("spec"))
    strategy = _mapping(spec.get("strategy"))
    lines = [f"Name:\t{metadata.get('name', '')}", f"Namespace:\t{metadata.get('namespace', '')}",
             f"CreationTimestamp:\t{created}"]
    lines += labels_lines("Labels", metadata.get("labels"))
    lines += annotations_lines("Annotations", {**_mapping(metadata.get("annotations")),
                                               **annotations})
    lines += [f"Selector:\t{selector_text(spec.get('selector'))}",
              f"Replicas:\t{status['desired']} desired | {status['updated']} updated | "
              f"{status['total']} total | {status['available']} available | "
              f"{status['unavailable']} unavailable",
              f"StrategyType:\t{strategy.get('type', 'RollingUpdate')}",
              f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}"]
    rolling = _mapping(strategy.get("rollingUpdate"))
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        lines.append(f"RollingUpdateStrategy:\t{rolling.get('maxUnavailable', '25%')} max "
                     f"unavailable, {rolling.get('maxSurge', '25%')} max surge")
    lines += template_lines(spec.get("template")) + conditions_lines(conditions)
    return lines + [f"OldReplicaSets:\t{old_sets}", f"NewReplicaSet:\t{new_set}"]


def replicaset_lines(body: dict[str, Any], *, annotations: Mapping[str, str],
                     controlled_by: str | None, current: int,
                     pods: tuple[int, int, int, int]) -> list[str]:
    """describeReplicaSet, up to its Events. `pods`: running, waiting, succeeded, failed."""
    metadata, spec = _mapping(body.get("metadata")), _mapping(body.get("spec"))
    lines = [f"Name:\t{metadata.get('name', '')}", f"Namespace:\t{metadata.get('namespace', '')}",
             f"Selector:\t{selector_text(spec.get('selector'))}"]
    lines += labels_lines("Labels", metadata.get("labels"))
    lines += annotations_lines("Annotations", {**_mapping(metadata.get("annotations")),
                                               **annotations})
    if controlled_by:
        lines.append(f"Controlled By:\t{controlled_by}")
    running, waiting, succeeded, failed = pods
    lines += [f"Replicas:\t{current} current / {spec.get('replicas', 1)} desired",
              f"Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / "
              f"{failed} Failed"]
    return lines + template_lines(spec.get("template"))


def secret_sizes(body: dict[str, Any]) -> dict[str, int]:
    """The byte length of each key of a Secret as the API server stores it: `data` decoded,
    with `stringData` written over it (the server merges it into `data`)."""
    sizes = {}
    for key, value in _mapping(body.get("data")).items():
        try:
            sizes[str(key)] = len(base64.b64decode(str(value), validate=True))
        except (binascii.Error, ValueError):
            sizes[str(key)] = 0
    for key, value in _mapping(body.get("stringData")).items():
        sizes[str(key)] = len(str(value).encode())
    return sizes


def secret_lines(body: dict[str, Any], sizes: Mapping[str, int]) -> list[str]:
    """describeSecret: never a value, only each key's size."""
    metadata = _mapping(body.get("metadata"))
    lines = [f"Name:\t{metadata.get('name', '')}", f"Namespace:\t{metadata.get('namespace', '')}"]
    lines += labels_lines("Labels", metadata.get("labels"))
    lines += annotations_lines("Annotations", metadata.get("annotations"))
    lines += ["", f"Type:\t{body.get('type', 'Opaque')}", "", "Data", "===="]
    return lines + [f"{key}:\t{sizes[key]} bytes" for key in sorted(sizes)]


def service_account_lines(body: dict[str, Any]) -> list[str]:
    """describeServiceAccount, up to its Events: its image pull secrets, one a line."""
    metadata = _mapping(body.get("metadata"))
    lines = [f"Name:\t{metadata.get('name', '')}", f"Namespace:\t{metadata.get('namespace', '')}"]
    lines += labels_lines("Labels", metadata.get("labels"))
    lines += annotations_lines("Annotations", metadata.get("annotations"))
    names = [str(s.get("name", "")) for s in _items(body.get("imagePullSecrets"))]
    if not names:
        return lines + ["Image pull secrets:\t<none>"]
    return lines + [("Image pull secrets:\t" if i == 0 else "                   \t") + name
                    for i, name in enumerate(names)]


def namespace_lines(body: dict[str, Any]) -> list[str]:
    """describeNamespace: no quotas and no limit ranges exist in the simulated cluster."""
    metadata = _mapping(body.get("metadata"))
    name = str(metadata.get("name", ""))
    labels = {"kubernetes.io/metadata.name": name, **_mapping(metadata.get("labels"))}
    return ([f"Name:\t{name}"] + labels_lines("Labels", labels)
            + annotations_lines("Annotations", metadata.get("annotations"))
            + ["Status:\tActive", "", "No resource quota.", "", "No LimitRange resource."])
