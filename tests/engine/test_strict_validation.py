"""kubectl's field validation (`--validate`, default strict) and the Pod create-only rules.

Upstream sources, read for the wording (each test names the one it follows):
* kubernetes/apimachinery pkg/runtime/error.go: strictDecodingError prints
  `strict decoding error: ` and its errors joined by ", ".
* kubernetes-sigs/json internal/golang/encoding/json/kubernetes_patch.go: each strict error is
  `unknown field "<path>"` or `duplicate field "<path>"` (the path quoted with strconv.Quote).
* kubernetes/apiserver pkg/endpoints/handlers/create.go and rest.go (transformDecodeError,
  addStrictDecodingWarnings): Strict refuses with BadRequest `<Kind> in version "<version>"
  cannot be handled as a <Kind>: …`; Warn keeps the object and sends one warning per field.
* kubernetes/kubectl pkg/cmd/util/helpers.go: AddValidateFlags (default "strict", bare
  `--validate` is strict), GetValidationDirective (ParseBool spellings; true is strict, false is
  ignore; the error for anything else), AddSourceToErr (`error when creating "<source>": …`),
  checkErr/StandardErrorMessage (`Error from server (BadRequest): …`, and Invalid as
  `The <Kind> "<name>" is invalid: <field>: <message>`).
* kubernetes/cli-runtime pkg/resource/visitor.go: `-f -` is named "STDIN".
* kubernetes/kubernetes pkg/apis/core/validation/validation.go ValidatePodCreate:
  `spec.ephemeralContainers: Forbidden: cannot be set on create`.
"""

from __future__ import annotations

import pytest

from sandbox.engine import load_paste
from sandbox.engine.manifests import load_manifests, validation_directive
from sandbox.engine.problems import ManifestError, Problem

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: registry.company.com/web:1.0
"""

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        colour: blue
"""

INDENTED_PULL_SECRETS = POD + "    imagePullSecrets:\n    - name: regcred\n"


def refused(text: str, **options: str | bool) -> list[Problem]:
    with pytest.raises(ManifestError) as caught:
        load_manifests(text, **options)  # type: ignore[arg-type]
    return list(caught.value.problems)


def kubectl_line(problems: list[Problem]) -> Problem:
    (line,) = [p for p in problems if p.message.startswith("Error from server")]
    return line


def test_unknown_field_is_a_strict_decoding_error_by_default() -> None:
    """kubectl defaults to --validate=strict (kubectl pkg/cmd/util/helpers.go AddValidateFlags),
    so the API server refuses the object (apiserver handlers/create.go) and nothing is created.
    `imagePullSecrets` indented under a container is the classic case."""
    problems = refused(INDENTED_PULL_SECRETS)
    field = next(p for p in problems if p.path)
    assert field.message == \
        'strict decoding error: unknown field "spec.containers[0].imagePullSecrets"'
    assert field.severity == "error"
    assert (field.line, field.column) == (9, 5)
    assert field.hint is not None and "belongs to the pod spec" in field.hint
    assert kubectl_line(problems).message == (
        'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" '
        'cannot be handled as a Pod: strict decoding error: unknown field '
        '"spec.containers[0].imagePullSecrets"')


def test_strict_decoding_error_joins_every_unknown_field_with_a_comma() -> None:
    """apimachinery pkg/runtime/error.go strictDecodingError.Error joins its errors with ", "
    after `strict decoding error: `; each is sigs.k8s.io/json's `unknown field "<path>"`."""
    text = POD.replace("spec:\n", "spec:\n  flavour: mint\n") + "    imagePullPolice: Always\n"
    problems = refused(text)
    assert kubectl_line(problems).message.endswith(
        'strict decoding error: unknown field "spec.flavour", unknown field '
        '"spec.containers[0].imagePullPolice"')
    hints = {p.path: p.hint for p in problems if p.path}
    assert hints["spec.containers[0].imagePullPolice"] == 'did you mean "imagePullPolicy"?'


def test_strict_decoding_error_names_the_version_not_the_group() -> None:
    """apiserver pkg/endpoints/handlers/rest.go transformDecodeError prints gvk.Version: a
    Deployment of apps/v1 is `Deployment in version "v1"`."""
    line = kubectl_line(refused(DEPLOYMENT))
    assert line.message == (
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version '
        '"v1" cannot be handled as a Deployment: strict decoding error: unknown field '
        '"spec.template.spec.containers[0].colour"')
    assert (line.line, line.column) == (1, 1)


def test_validate_warn_creates_the_object_and_warns_about_each_field() -> None:
    """Warn: the apiserver keeps the object and adds one warning per field (rest.go
    addStrictDecodingWarnings); kubectl prints it as `Warning: unknown field "<path>"`."""
    objects = load_manifests(INDENTED_PULL_SECRETS, validate="warn")
    (warning,) = objects.warnings
    assert warning.severity == "warning"
    assert warning.message == 'unknown field "spec.containers[0].imagePullSecrets"'
    assert objects[0].pod_spec is not None
    assert objects[0].pod_spec.image_pull_secrets == ()  # dropped: the pull will be anonymous


def test_validate_ignore_drops_unknown_fields_silently() -> None:
    """Ignore: the strict errors are dropped (apiserver handlers/create.go), kubectl's flag help:
    "false" or "ignore" silently drops unknown or duplicate fields."""
    objects = load_manifests(INDENTED_PULL_SECRETS, validate="ignore")
    assert objects.warnings == []
    assert len(objects) == 1


@pytest.mark.parametrize(("value", "directive"), [
    ("strict", "strict"), ("warn", "warn"), ("ignore", "ignore"),
    ("true", "strict"), ("True", "strict"), ("1", "strict"), ("t", "strict"), (True, "strict"),
    ("false", "ignore"), ("FALSE", "ignore"), ("0", "ignore"), ("F", "ignore"), (False, "ignore"),
])
def test_validate_accepts_kubectls_legacy_true_and_false(value: str | bool, directive: str) -> None:
    """kubectl pkg/cmd/util/helpers.go GetValidationDirective: strconv.ParseBool first (true is
    Strict, false is Ignore), then strict, warn, ignore."""
    assert validation_directive(value) == directive


def test_an_unknown_validate_value_is_refused_in_kubectls_words() -> None:
    """GetValidationDirective's error for any other value; `Strict` is not accepted (the names
    are lowercase)."""
    with pytest.raises(ValueError) as caught:
        load_manifests(POD, validate="Strict")
    assert str(caught.value) == ('invalid - validate option "Strict"; must be one of: strict '
                                 "(or true), warn, ignore (or false)")


def test_load_paste_passes_validate_to_the_yaml() -> None:
    """A YAML paste is read as `kubectl apply -f -` reads it, with the given --validate."""
    with pytest.raises(ManifestError):
        load_paste(INDENTED_PULL_SECRETS)
    assert len(load_paste(INDENTED_PULL_SECRETS, validate="warn").warnings) == 1
    assert load_paste(INDENTED_PULL_SECRETS, validate=False).warnings == []


def test_a_pasted_command_with_a_bad_validate_value_is_refused() -> None:
    """`kubectl create secret docker-registry` reads --validate with GetValidationDirective
    (kubectl pkg/cmd/create/create_secret_docker.go Complete) before it sends anything."""
    paste = ("kubectl create secret docker-registry regcred --docker-server=r.io "
             "--docker-username=u --docker-password=p --validate=yes\n")
    with pytest.raises(ManifestError) as caught:
        load_paste(paste)
    (problem,) = caught.value.problems
    assert problem.message == ('error: invalid - validate option "yes"; must be one of: strict '
                               "(or true), warn, ignore (or false)")
    ok = paste.replace("--validate=yes", "--validate=warn")
    assert [o.kind for o in load_paste(ok)] == ["Secret"]


def test_ephemeral_containers_cannot_be_set_on_pod_create() -> None:
    """pkg/apis/core/validation/validation.go ValidatePodCreate: Forbidden
    `cannot be set on create` (they are added later through pods/ephemeralcontainers); kubectl
    prints the Invalid status as `The Pod "web" is invalid: <field>: <message>` (checkErr)."""
    text = POD.replace("spec:\n", "spec:\n  ephemeralContainers:\n  - name: debug\n"
                       "    image: busybox\n")
    for validate in ("strict", "ignore"):  # API validation, not field validation
        (problem,) = refused(text, validate=validate)
        assert problem.message == ('The Pod "web" is invalid: spec.ephemeralContainers: '
                                   "Forbidden: cannot be set on create")
        assert problem.path == "spec.ephemeralContainers"
        assert (problem.line, problem.column) == (6, 3)
    # An empty list is no ephemeral container (`len(...) > 0` upstream).
    assert len(load_manifests(POD.replace("spec:\n", "spec:\n  ephemeralContainers: []\n"))) == 1


def test_duplicate_keys_are_refused_whatever_validate_says() -> None:
    """The API server's strict decoder also reports `duplicate field "<path>"` (sigs.k8s.io/json
    kubernetes_patch.go), but only for a body it decodes itself: kubectl turns YAML into JSON
    first with the non-strict sigs.k8s.io/yaml (apimachinery pkg/util/yaml/decoder.go
    YAMLToJSONDecoder), where the later key wins. The sandbox refuses a duplicate key in the
    YAML itself, with both positions, for every --validate: a deliberate difference."""
    text = POD + "    image: nginx:1.27\n"
    for validate in ("strict", "warn", "ignore"):
        (problem,) = refused(text, validate=validate)
        assert problem.message == 'duplicate key "image" (first at line 8, column 5)'


@pytest.mark.parametrize(("kind", "path"), [
    ("Deployment", "spec.template.spec.ephemeralContainers"),
    ("DaemonSet", "spec.template.spec.ephemeralContainers"),
])
def test_no_pod_template_may_list_ephemeral_containers(kind: str, path: str) -> None:
    """ValidatePodTemplateSpec forbids them in every template (validation.go)."""
    text = (f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: web}}\nspec:\n"
            "  selector: {matchLabels: {app: web}}\n  template:\n"
            "    metadata: {labels: {app: web}}\n    spec:\n"
            "      containers: [{name: web, image: nginx:1.25}]\n"
            "      ephemeralContainers: [{name: debug, image: busybox}]\n")
    with pytest.raises(ManifestError) as caught:
        load_paste(text)
    messages = [p.message for p in caught.value.problems]
    assert f'The {kind} "web" is invalid: {path}: Forbidden: ephemeral containers not allowed ' \
           "in pod template" in messages
    assert any(p.line == 10 for p in caught.value.problems)
