"""A corpus of hostile inputs, minimized from fuzzing the engine's entry points.

Each case is the text handed to one entry point and what must come back: `OK` (the input is
read and simulated) or `Fails(fragment, line, column)`, the first problem of the domain error
(`ManifestError`, `InvalidReference`), positioned when the input is YAML or a Dockerfile.
Several cases would hang or exhaust memory if their guard went away (alias and variable
doubling, `replicas` times containers), so they need no timing assertion to catch a regression.
"""

from __future__ import annotations

from dataclasses import dataclass

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:1.25
"""


def DEPLOY(replicas: str, containers: int = 1) -> str:  # noqa: N802 - reads like a constant
    listed = ", ".join(f"{{name: c{i}, image: nginx:1.25}}" for i in range(containers))
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
        f"  replicas: {replicas}\n  selector: {{matchLabels: {{a: b}}}}\n  template:\n"
        f"    metadata: {{labels: {{a: b}}}}\n    spec:\n      containers: [{listed}]\n"
    )


def reg(rest: str) -> str:
    """A scenario with one private-less registry, `rest` appended under it."""
    return "name: x\nregistries:\n  - host: registry.company.com\n" + rest


@dataclass(frozen=True)
class Fails:
    fragment: str  # the first problem's message starts with this
    line: int | None
    column: int | None


OK = None


@dataclass(frozen=True)
class Case:
    id: str
    text: str | bytes
    expected: Fails | None


PASTES = [
    Case("bom", "\ufeff" + POD, OK),
    Case("crlf", POD.replace("\n", "\r\n"), OK),
    Case("cr-only", POD.replace("\n", "\r"), OK),
    Case(
        "unicode-line-separator",
        POD.replace("\n", "\u2028"),
        Fails("mapping values are not allowed here", 1, 20),
    ),
    Case(
        "next-line-char",
        POD.replace("\n", "\x85"),
        Fails("mapping values are not allowed here", 1, 20),
    ),
    Case(
        "tab-indentation", POD.replace("  ", "\t"), Fails("tab character in the indentation", 4, 1)
    ),
    Case("nul-byte", POD + "\x00", Fails("NUL byte in the text", 9, 1)),
    Case("lone-surrogate", POD + "# \ud800\n", Fails("invalid UTF-8 in the text", 9, 3)),
    Case("bytes-invalid-utf8", POD.encode() + b"\xff", Fails("invalid UTF-8 (byte 0xff)", 9, 1)),
    Case("bytes-utf16", POD.encode("utf-16"), Fails("invalid UTF-8 (byte 0xff)", 1, 1)),
    Case(
        "key-200k-chars",
        "a" * 200_000 + ": 1\n",
        Fails("mapping values are not allowed here", 1, 200001),
    ),
    Case(
        "image-200k-chars",
        POD.replace("nginx:1.25", "a" * 200_000),
        Fails("spec.containers[0].image: 200000 characters is", 8, 12),
    ),
    Case("image-1024-chars-is-simulated", POD.replace("nginx:1.25", "a" * 1024), OK),
    Case(
        "image-digest-200k-hex",
        POD.replace("nginx:1.25", "a@sha256:" + "a" * 200_000),
        Fails("spec.containers[0].image: 200009 characters is", 8, 12),
    ),
    Case(
        "image-backtracking-separators",
        POD.replace("nginx:1.25", "a" + "._-" * 20_000 + "!"),
        Fails("spec.containers[0].image: 60002 characters is", 8, 12),
    ),
    Case(
        "paste-over-256-kib",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: w}\nspec:\n  containers:\n"
        + "".join(f"  - {{name: c{i}, image: nginx:1.25}}\n" for i in range(10_000)),
        Fails("the text is 360.4 KiB; at most 256 KiB is", None, None),
    ),
    Case(
        "101-documents",
        "---\n".join(POD.replace("name: web\nspec", f"name: p{i}\nspec") for i in range(101)),
        Fails("more than 100 YAML documents", 900, 1),
    ),
    Case(
        "replicas-1e9",
        DEPLOY("1000000000"),
        Fails("Deployment/d would bring the pod count above", 1, 1),
    ),
    Case(
        "replicas-negative", DEPLOY("-1"), Fails("spec.replicas: Invalid value: -1: must be", 5, 13)
    ),
    Case(
        "replicas-string",
        DEPLOY('"3"'),
        Fails("spec.replicas: must be an integer, not a string", 5, 13),
    ),
    Case(
        "replicas-nan",
        DEPLOY(".nan"),
        Fails("spec.replicas: must be an integer, not a number", 5, 13),
    ),
    Case(
        "replicas-1e300",
        DEPLOY("1e300"),
        Fails("spec.replicas: must be an integer, not a number", 5, 13),
    ),
    Case("replicas-beyond-64-bits", DEPLOY("99999999999999999999"), Fails("integer", 5, 13)),
    Case(
        "replicas-inf",
        DEPLOY(".inf"),
        Fails("spec.replicas: must be an integer, not a number", 5, 13),
    ),
    Case(
        "500-replicas-of-1000-containers",
        DEPLOY("500", containers=1000),
        Fails("Deployment/d would bring the container count", 1, 1),
    ),
    Case(
        "1001-containers-in-one-pod",
        DEPLOY("1", containers=1001),
        Fails("Deployment/d would bring the container count", 1, 1),
    ),
    Case(
        "job-parallelism-1e9",
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: d}\nspec:\n"
        "  parallelism: 1000000000\n  template:\n    spec:\n      restartPolicy: Never\n"
        "      containers: [{name: c, image: nginx}]\n",
        Fails("Job/d would bring the pod count above 500, the", 1, 1),
    ),
    Case(
        "merge-key-bomb",
        "a: &a {x: 1}\n"
        + "".join(
            f"b{i}: &b{i}\n"
            f"  <<: [*{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}]\n"
            f"  y{i}: 1\n"
            for i in range(30)
        ),
        Fails("aliases expand this document to more than", 1, 1),
    ),
    Case(
        "merge-key-of-a-list",
        "a: &a [1]\nb:\n  <<: *a\n",
        Fails("a merge key `<<` takes a mapping or a list of", 1, 8),
    ),
    Case(
        "billion-laughs",
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n"
            for i in range(8)
        ),
        Fails("aliases expand this document to more than", 6, 4),
    ),
    Case(
        "alias-cycle",
        "a: &x [1, *x]\n",
        Fails("alias *x points into its own anchor (a cycle)", 1, 11),
    ),
    Case(
        "undefined-alias",
        "a: 1\nb: *nowhere\n",
        Fails("alias *nowhere has no anchor &nowhere before it", 2, 4),
    ),
    Case(
        "block-nesting-500",
        "".join("  " * i + f"k{i}:\n" for i in range(500)),
        Fails("nesting deeper than 64 levels", 64, 127),
    ),
    Case("flow-nesting-10k", "[" * 10_000, Fails("nesting deeper than 64 levels", 1, 65)),
    Case(
        "flow-mapping-nesting-10k", "{a: " * 10_000, Fails("nesting deeper than 64 levels", 1, 254)
    ),
    Case("complex-key", "? [a, b]\n: 1\n", Fails("mapping keys must be strings, not a list", 1, 3)),
    Case(
        "python-tag",
        'a: !!python/object/apply:os.system ["true"]\n',
        Fails("YAML tag !!python/object/apply:os.system is not", 1, 4),
    ),
    Case(
        "tag-directive",
        "%TAG ! tag:x,2000:\n--- !foo\na: 1\n",
        Fails("YAML tag tag:x,2000:foo is not allowed", 2, 5),
    ),
    Case(
        "yaml-directive-9.9",
        "%YAML 9.9\n---\n" + POD,
        Fails("found incompatible YAML document", 1, 1),
    ),
    Case("empty", "", Fails("nothing to run: paste at least one Kubernetes", None, None)),
    Case(
        "only-document-markers",
        "---\n---\n",
        Fails("nothing to run: paste at least one Kubernetes", None, None),
    ),
    Case("document-end-only", "...\n", Fails("did not find expected node content (while", 1, 1)),
    Case("scalar-document", "hello\n", Fails("a Kubernetes object is a mapping (`kind:`,", 1, 1)),
    Case("integer-5000-digits", "a: " + "9" * 5000 + "\n", Fails("integer", 1, 4)),
    Case("hex-5000-digits", "a: 0x" + "f" * 5000 + "\n", Fails("integer 0x", 1, 4)),
    Case(
        "float-overflow",
        POD.replace("spec:\n", "spec:\n  terminationGracePeriodSeconds: 1e99999\n"),
        OK,
    ),
    Case(
        "sexagesimal-3000-parts",
        "a: " + ":".join(["59"] * 3000) + "\n",
        Fails("kind: Required value", 1, 1),
    ),
    Case(
        "kind-list",
        "apiVersion: v1\nkind: List\nitems: []\n",
        Fails('kind "List" is not supported here: supported', 2, 7),
    ),
    Case(
        "name-100k",
        POD.replace("name: web\nspec", "name: " + "a" * 100_000 + "\nspec"),
        Fails("metadata.name: Invalid value:", 4, 9),
    ),
    Case(
        "labels-10k",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: w\n  labels:\n"
        + "".join(f"    k{i}: v\n" for i in range(10_000))
        + "spec:\n  containers: [{name: c, image: nginx}]\n",
        OK,
    ),
    Case(
        "dockerconfigjson-bad-base64",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
        "type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: '!!!!'\n",
        Fails("data[.dockerconfigjson]: illegal base64 data at", 6, 22),
    ),
    Case(
        "dockerconfigjson-nested-100k",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
        "type: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '"
        + "[" * 100_000
        + "'\n",
        Fails("data[.dockerconfigjson]: Invalid value:", 6, 22),
    ),
    Case(
        "dockerconfigjson-nan",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
        "type: kubernetes.io/dockerconfigjson\nstringData:\n"
        "  .dockerconfigjson: '{\"auths\": NaN}'\n",
        Fails("data[.dockerconfigjson]: Invalid value:", 6, 22),
    ),
    Case(
        "resources-huge",
        POD + "    resources: {limits: {memory: 99999999999999999999Ti, cpu: 1e308}}\n",
        OK,
    ),
    Case(
        "pull-secrets-5000",
        POD.replace(
            "spec:\n",
            "spec:\n  imagePullSecrets:\n" + "".join(f"  - name: s{i}\n" for i in range(5000)),
        ),
        OK,
    ),
    Case(
        "kubectl-unclosed-quotes",
        "kubectl create secret docker-registry s --docker-server=" + "'" * 10_001 + "\n",
        Fails("this single quote (') is never closed", 1, 10057),
    ),
    Case(
        "kubectl-3000-continuations",
        "kubectl create secret docker-registry s \\\n" * 3000,
        Fails("error: exactly one NAME is required, got 14996", 2, 1),
    ),
    Case(
        "kubectl-patch-nested-50k",
        "kubectl patch serviceaccount default -p '" + '{"a":' * 50_000 + "'\n",
        Fails("error: unable to parse the patch: nested too", 1, 38),
    ),
    Case(
        "kubectl-patch-array-nested-50k",
        "kubectl patch serviceaccount default -p '" + "[" * 50_000 + "'\n",
        Fails("error: unable to parse the patch: nested too", 1, 38),
    ),
    Case(
        "kubectl-patch-nan",
        "kubectl patch serviceaccount default -p '{\"imagePullSecrets\": NaN}'\n",
        Fails("only imagePullSecrets can be patched here", 1, 38),
    ),
    Case(
        "kubectl-nul",
        "kubectl create serviceaccount a\x00b\n",
        Fails("NUL byte in the text", 1, 32),
    ),
    Case(
        "kubectl-then-yaml",
        "kubectl create serviceaccount a\n---\n" + POD,
        Fails("YAML after kubectl commands is not supported", 2, 1),
    ),
    Case(
        "kubectl-from-file",
        "kubectl create secret docker-registry s --from-file=.dockerconfigjson=/etc/passwd\n",
        Fails("--from-file is not supported here", 1, 41),
    ),
    Case(
        "kubectl-shell-expansion",
        "kubectl create secret docker-registry s --docker-password=$(cat /etc/shadow)\n",
        Fails("`$` starts a shell expansion here: a shell", 1, 59),
    ),
    Case(
        "kubectl-duplicate",
        "kubectl create serviceaccount a\n" * 2,
        Fails("Error from server (AlreadyExists):", 2, 31),
    ),
    Case(
        "kubectl-run-5000-images",
        "kubectl create deployment x --image=" + ",".join(["nginx"] * 5000) + "\n",
        Fails("this command lists 5000 images, variables, labels and arguments", 1, 1),
    ),
    Case(
        "kubectl-run-60k-words",
        "kubectl run x --image=nginx -- " + "a " * 60_000 + "\n",
        Fails("more than 20000 words in the pasted commands", 1, 40_022),
    ),
    Case(
        "kubectl-run-200-commands",
        "".join(f"kubectl run p{i} --image=nginx\n" for i in range(200)),
        Fails("more than 100 kubectl commands in one paste", 101, 1),
    ),
    Case(
        "kubectl-run-100-pods",
        "".join(f"kubectl run p{i} --image=nginx:1.25 --labels=app=p{i}\n" for i in range(100)),
        OK,
    ),
    Case(
        "kubectl-run-long-name",
        "kubectl run " + "a" * 200_000 + " --image=nginx\n",
        Fails('The Pod "' + "a" * 200, 1, 13),
    ),
    Case(
        "kubectl-run-uppercase-image",
        "kubectl run x --image=" + "A" * 100_000 + "\n",
        Fails('error: invalid image name "' + "A" * 200 + '…": invalid reference format', 1, 15),
    ),
]

SCENARIOS = [
    Case(
        "51-nodes",
        "name: x\nnodes:\n" + "".join(f"  - name: n{i}\n" for i in range(51)),
        Fails("at most 50 nodes are simulated", 3, 3),
    ),
    Case(
        "2k-tags",
        reg(
            "    repositories:\n      a:\n        images: {i: {layers: [{id: l, size: 1MB}]}}\n"
            "        tags: {"
            + ", ".join(f"t{i}: i" for i in range(2_000))
            + "}\n"
        ),
        OK,
    ),
    Case(
        "1k-layers",
        reg(
            "    repositories:\n      a:\n        images: {i: {layers: ["
            + ", ".join(f"{{id: l{i}, size: 1}}" for i in range(1_000))
            + "]}}\n        tags: {t: i}\n"
        ),
        OK,
    ),
    # Over a scenario's 64 KiB or 10 000 values: refused before anything is read, at once.
    Case(
        "10k-layers",
        reg(
            "    repositories:\n      a:\n        images: {i: {layers: ["
            + ", ".join(f"{{id: l{i}, size: 1}}" for i in range(10_000))
            + "]}}\n        tags: {t: i}\n"
        ),
        Fails("the text is 213.9 KiB; at most 64 KiB is accepted", None, None),
    ),
    Case(
        "2500-layers-in-64-kib",
        reg(
            "    repositories:\n      a:\n        images: {i: {layers: ["
            + ", ".join(f"{{id: {i}, size: 1}}" for i in range(2_500))
            + "]}}\n        tags: {t: i}\n"
        ),
        Fails("the document has more than 10000 values", 6, 30),
    ),
    Case(
        "3k-node-images",
        "name: x\nnodes:\n  - name: node\n    images:\n"
        + "".join(f"      - nginx:1.{i}\n" for i in range(3_000)),
        Fails("at most 200 images per node are simulated (this node lists 3000)", 5, 7),
    ),
    Case(
        "timeline-at-1e300s",
        "name: x\ntimeline:\n  - at: 1e300s\n"
        "    push: {repository: nginx, tag: x, image: 1.25.5}\n",
        Fails("duration '1e300s' is not like '60s', '2m',", 3, 9),
    ),
    Case(
        "timeline-at-nan",
        "name: x\ntimeline:\n  - at: .nan\n    push: {repository: nginx, tag: x, image: 1.25.5}\n",
        Fails("a duration must be a finite number not below", 3, 9),
    ),
    Case(
        "timeline-at-negative",
        "name: x\ntimeline:\n  - at: -5s\n    push: {repository: nginx, tag: x, image: 1.25.5}\n",
        Fails("duration '-5s' is not like '60s', '2m', '1m30s'", 3, 9),
    ),
    Case(
        "horizon-0",
        "name: x\nhorizon: 0s\n",
        Fails("horizon must be more than 0s and at most 1h", 2, 10),
    ),
    Case(
        "horizon-1e300s",
        "name: x\nhorizon: 1e300s\n",
        Fails("duration '1e300s' is not like '60s', '2m',", 2, 10),
    ),
    Case(
        "horizon-inf",
        "name: x\nhorizon: .inf\n",
        Fails("a duration must be a finite number not below", 2, 10),
    ),
    Case(
        "bandwidth-0",
        reg("    bandwidth: 0MB/s\n"),
        Fails("bandwidth '0MB/s' must be at least 1 byte per", 4, 16),
    ),
    Case(
        "bandwidth-1-bit",
        reg("    bandwidth: 1bit/s\n"),
        Fails("bandwidth '1bit/s' must be at least 1 byte per", 4, 16),
    ),
    Case(
        "bandwidth-20-digits-TB",
        reg("    bandwidth: 99999999999999999999TB/s\n"),
        Fails("bandwidth", 4, 16),
    ),
    Case(
        "latency-1e300s",
        reg("    latency: 1e300s\n"),
        Fails("duration '1e300s' is not like '60s', '2m',", 4, 14),
    ),
    Case("latency-1h", reg("    latency: 1h\n"), Fails("latency must be at most 60s", 4, 14)),
    Case(
        "layer-size-20-digits-TB",
        reg(
            "    repositories:\n      a:\n"
            "        images: {i: {layers: [{id: l, size: 99999999999999999999TB}]}}\n"
            "        tags: {t: i}\n"
        ),
        Fails("size", 6, 45),
    ),
    Case(
        "layer-size-negative",
        reg(
            "    repositories:\n      a:\n"
            "        images: {i: {layers: [{id: l, size: -1MB}]}}\n        tags: {t: i}\n"
        ),
        Fails("size '-1MB' is not a number with a unit, like", 6, 45),
    ),
    Case(
        "1000TB-at-8-bits-a-second",
        "name: x\nnodes: [{name: n1}]\nregistries:\n  - host: registry.company.com\n"
        "    bandwidth: 8bit/s\n    repositories:\n      a:\n"
        "        images: {i: {layers: [{id: l, size: 1000TB}]}}\n        tags: {t: i}\n",
        OK,
    ),
    Case(
        "backoff-1e300s",
        "name: x\nkubelet:\n  imagePullBackOff: {initial: 1e300s, max: 1e300s}\n",
        Fails("duration '1e300s' is not like '60s', '2m',", 3, 31),
    ),
    Case(
        "backoff-0",
        "name: x\nkubelet:\n  imagePullBackOff: {initial: 0s, max: 0s}\n",
        Fails("the initial back-off must be more than 0s", 3, 31),
    ),
    Case(
        "max-parallel-pulls-1e9",
        "name: x\nkubelet:\n  serializeImagePulls: false\n  maxParallelImagePulls: 1000000000\n",
        OK,
    ),
    Case(
        "21-builds",
        reg(
            "builds:\n"
            + "".join(
                f"  - dockerfile: 'FROM python:3.12-slim'\n    push: registry.company.com/a:v{i}\n"
                for i in range(21)
            )
        ),
        Fails("at most 20 builds per scenario", 5, 3),
    ),
    Case(
        "build-3000-files",
        reg(
            'builds:\n  - dockerfile: "FROM python:3.12-slim\\nCOPY . ."\n'
            '    push: registry.company.com/a:v\n    files: {'
            + ", ".join(f"'d/{i}/f': v" for i in range(3000))
            + "}\n"
        ),
        Fails("Dockerfile line 1: build context: the build", 5, 17),
    ),
    Case(
        "build-path-outside-context",
        reg(
            'builds:\n  - dockerfile: "FROM python:3.12-slim\\nCOPY . ."\n'
            '    push: registry.company.com/a:v\n    files: {../../x: v}\n'
        ),
        Fails("Dockerfile line 1: build context: file path", 5, 17),
    ),
    Case(
        "build-env-doubling",
        reg(
            "builds:\n  - dockerfile: |\n      FROM python:3.12-slim\n      ENV A=xx\n"
            + "      ENV A=$A$A\n" * 60
            + "    push: registry.company.com/a:v\n"
        ),
        Fails("variables expand this value to more than 64 KiB", 23, 7),
    ),
    Case(
        "build-chain-of-20",
        reg(
            "builds:\n  - dockerfile: 'FROM python:3.12-slim'\n"
            "    push: registry.company.com/a:v0\n"
            + "".join(
                f'  - dockerfile: "FROM registry.company.com/a:v{i}\\nRUN x"\n'
                f'    push: registry.company.com/a:v{i + 1}\n'
                for i in range(19)
            )
        ),
        OK,
    ),
    Case(
        "node-credentials-bad-auth",
        "name: x\nnodes:\n  - name: n1\n"
        "    credentials: {'*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*': {auth: '!!!'}}\n",
        OK,
    ),
    Case(
        "objects-500-accounts",
        "name: x\nobjects:\n"
        + "".join(
            f"  - {{apiVersion: v1, kind: ServiceAccount, metadata: {{name: s{i}}}}}\n"
            for i in range(500)
        ),
        OK,
    ),
    Case(
        "registry-host-20k-chars", "name: x\nregistries:\n  - host: '" + "a." * 10_000 + "io'\n", OK
    ),
    Case(
        "empty-platform-list",
        reg(
            "    repositories:\n      a:\n        images: {i: {platforms: []}}\n"
            "        tags: {t: i}\n"
        ),
        Fails("registries[0].repositories.a.images.i.platforms", 6, 33),
    ),
    Case(
        "node-name-n-is-a-boolean",
        "name: x\nnodes: [{name: n}]\n",
        Fails("nodes[0].name must be a string, not a boolean", 2, 16),
    ),
    Case(
        "scenario-nesting-10k",
        "name: x\nnodes: " + "[" * 10_000,
        Fails("nesting deeper than 64 levels", 2, 71),
    ),
]

GOALS = [
    Case(
        "max-bytes-inf",
        "- maxBytesPulled: .inf\n",
        Fails("a size must be a finite number not below zero,", 1, 3),
    ),
    Case(
        "max-bytes-nan",
        "- maxBytesPulled: .nan\n",
        Fails("a size must be a finite number not below zero,", 1, 3),
    ),
    Case(
        "max-bytes-negative",
        "- maxBytesPulled: -1\n",
        Fails("a size must be a finite number not below zero,", 1, 3),
    ),
    Case(
        "max-bytes-20-digits-TB", "- maxBytesPulled: 99999999999999999999TB\n", Fails("size", 1, 3)
    ),
    Case(
        "max-bytes-list",
        "- maxBytesPulled: [1]\n",
        Fails("a size must be a number or a string, got list", 1, 3),
    ),
    Case(
        "max-bytes-1e308",
        "- maxBytesPulled: 1e308\n",
        Fails("size 1e+308 is larger than 1 PiB", 1, 3),
    ),
    Case(
        "waiting-reason-list",
        "- waitingReason: []\n",
        Fails("waitingReason needs {reason: …} and optionally", 1, 3),
    ),
    Case(
        "event-scalar",
        "- event: x\n",
        Fails("event needs {reason: …} and optionally message", 1, 3),
    ),
    Case(
        "two-keys",
        "- {allPodsRunning: true, noRegistryPulls: true}\n",
        Fails("goal 1 is not a single `name: value` pair", 1, 3),
    ),
    Case(
        "alias-cycle",
        "- &a {event: *a}\n",
        Fails("alias *a points into its own anchor (a cycle)", 1, 14),
    ),
    Case(
        "mapping-not-list", "a: 1\n", Fails("goals must be a YAML list of one-key mappings", 1, 1)
    ),
    Case(
        "two-documents",
        "- allPodsRunning: 1\n---\n- a\n",
        Fails("goals must be a single YAML document", 2, 1),
    ),
    Case("nesting-10k", "- " + "[" * 10_000, Fails("nesting deeper than 64 levels", 1, 66)),
    Case("5000-unknown-goals", "- unknown: 1\n" * 5000, Fails("unknown goal 'unknown", 1, 3)),
    Case(
        "python-tag",
        "- sameImageEverywhere: !!python/object:os.system x\n",
        Fails("YAML tag !!python/object:os.system is not", 1, 24),
    ),
    Case("nul", "- allPodsRunning: true\x00\n", Fails("NUL byte in the text", 1, 23)),
    Case("bom-crlf", "\ufeff- allPodsRunning: true\r\n- noRegistryPulls: true\r\n", OK),
    Case("event-message-200k", "- event: {reason: Pulled, message: '" + "a" * 200_000 + "'}\n", OK),
]

DOCKERFILES = [
    Case("empty", "", Fails("the Dockerfile cannot be empty", 1, 1)),
    Case("no-from", "RUN x\n", Fails("no build stage in current context", 1, 1)),
    Case(
        "501-instructions",
        "FROM python:3.12-slim\n" + "RUN x\n" * 600,
        Fails("the Dockerfile has more than 500 instructions", 501, 1),
    ),
    Case(
        "line-300k",
        "FROM python:3.12-slim\nRUN " + "x" * 300_000 + "\n",
        Fails("the Dockerfile is larger than 64 KiB", 1, 1),
    ),
    Case(
        "global-arg-doubling",
        "ARG A=x\n"
        + "".join(
            f"ARG A{i}=${{A{i - 1 if i else ''}}}${{A{i - 1 if i else ''}}}\n" for i in range(60)
        )
        + "FROM python:3.12-slim\nRUN ${A59}\n",
        Fails("variables expand this value to more than 64 KiB", 18, 1),
    ),
    Case(
        "env-doubling",
        "FROM python:3.12-slim\nENV A=xx\n" + "ENV A=$A$A\n" * 60 + "RUN $A\n",
        Fails("variables expand this value to more than 64 KiB", 18, 1),
    ),
    Case(
        "arg-doubling-into-from",
        "ARG A=x\n" + "ARG A=$A$A\n" * 60 + "FROM python:$A\n",
        Fails("variables expand this value to more than 64 KiB", 18, 1),
    ),
    Case(
        "unclosed-brace-10k",
        "FROM python:3.12-slim\nENV A=" + "${" * 10_000 + "\n",
        Fails("missing '}' in", 2, 1),
    ),
    Case(
        "platform-unclosed-brace",
        "FROM --platform=${X python:3.12-slim\n",
        Fails("missing '}' in '${X", 1, 1),
    ),
    Case(
        "platform-bad-substitution",
        "FROM --platform=${1} python:3.12-slim\n",
        Fails("bad substitution '${1}", 1, 1),
    ),
    Case("only-a-continuation", "\\\n", Fails("the Dockerfile cannot be empty", 1, 1)),
    Case("trailing-continuation", "FROM python:3.12-slim\n\\\n", OK),
    Case(
        "copy-star-5000", "FROM python:3.12-slim\nCOPY " + "*" * 5000 + "a .\n", Fails("COPY", 2, 1)
    ),
    Case(
        "copy-star-a-2000",
        "FROM python:3.12-slim\nCOPY " + "*a" * 2000 + "b .\n",
        Fails("COPY *a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*…:", 2, 1),
    ),
    Case(
        "copy-classes-5000",
        "FROM python:3.12-slim\nCOPY " + "[a-z]" * 5000 + " .\n",
        Fails("COPY [a-z][a-z][a-z][a-z][a-z][a-z][a-z][a-z…:", 2, 1),
    ),
    Case(
        "copy-unclosed-bracket",
        "FROM python:3.12-slim\nCOPY [\n",
        Fails("COPY requires at least two arguments, but only", 2, 1),
    ),
    Case(
        "from-cycle",
        "FROM b AS a\nFROM a AS b\n",
        Fails("failed to resolve source metadata for", 1, 1),
    ),
    Case("400-stages", "".join(f"FROM python:3.12-slim AS s{i}\n" for i in range(400)), OK),
    Case(
        "cmd-bad-json",
        'FROM python:3.12-slim\nCMD ["a", \n',
        Fails("CMD: malformed JSON array (Expecting value)", 2, 1),
    ),
    Case("nul", "FROM python:3.12-slim\x00\n", Fails("the Dockerfile holds a NUL character", 1, 1)),
    Case("lone-surrogate", "FROM python:3.12-slim\nRUN \ud800\n", OK),
    Case(
        "expose-20-digits",
        "FROM python:3.12-slim\nEXPOSE 99999999999999999999/tcp\n",
        Fails("invalid containerPort:", 2, 1),
    ),
    Case("healthcheck-1e308s", "FROM python:3.12-slim\nHEALTHCHECK --interval=1e308s CMD x\n", OK),
]

REFERENCES = [
    Case(
        "1-MB-name", "a" * 1_000_000, Fails("repository name must not be more than 255", None, None)
    ),
    Case(
        "digest-1e6-hex",
        "a@sha256:" + "a" * 1_000_000,
        Fails("invalid checksum digest length", None, None),
    ),
    Case("100k-colons", ":" * 100_000, Fails("invalid reference format", None, None)),
    Case(
        "100k-slashes",
        "a/" * 100_000 + "b",
        Fails("repository name must not be more than 255", None, None),
    ),
    Case("100k-dots", "a." * 100_000 + "io/x", OK),
    Case(
        "dashes-then-bang", "a" + "-" * 100_000 + "!", Fails("invalid reference format", None, None)
    ),
    Case(
        "separators-then-bang",
        "a" + "._-" * 50_000 + "!",
        Fails("invalid reference format", None, None),
    ),
    Case("100k-at-signs", "a@" * 100_000, Fails("invalid reference format", None, None)),
    Case("port-100k-digits", "a:" + "9" * 100_000 + "/b", OK),
    Case("tag-100k", "a:" + "b" * 100_000, Fails("invalid reference format", None, None)),
    Case(
        "uppercase-100k",
        "A" * 100_000,
        Fails("invalid reference format: repository name", None, None),
    ),
    Case(
        "digest-algorithm-10k",
        "a@" + "sha256+" * 10_000 + "x:" + "a" * 64,
        Fails("unsupported digest algorithm", None, None),
    ),
    Case("nul", "a\x00b", Fails("invalid reference format", None, None)),
    Case("lone-surrogate", "a\ud800", Fails("invalid reference format", None, None)),
    Case("empty", "", Fails("invalid reference format", None, None)),
    Case("ipv6-10k-colons", "[" + ":" * 10_000 + "]/a", OK),
    Case("fullwidth", "ｎｇｉｎｘ", Fails("invalid reference format", None, None)),
    Case(
        "uppercase-digest",
        "a@sha256:" + "A" * 64,
        Fails("invalid checksum digest format", None, None),
    ),
]
