"""`learnerSettings:`: the kubelet and admission settings a scenario lets a learner change.

A scenario lists each setting by its path in the scenario file and the values a learner may
pick (`null` meaning "not set", so the kubelet's default applies), e.g.

    learnerSettings:
      kubelet.featureGates.KubeletEnsureSecretPulledImages: [false, true]
      admission.alwaysPullImages: [false, true]

Reading checks each path and value against what the simulator models, and that the scenario's
own value is one a learner could pick back. Applying a learner's picks is `apply_settings`.
"""

from __future__ import annotations

from ..problems import suggestion
from ..world import VERIFICATION_POLICIES, KubeletConfig, LearnerSetting, SettingValue
from ..yamlsafe import Mapping, Scalar
from ..yamlsafe import Node as YamlNode
from .fields import FieldReader, child

FEATURE_GATES = ("KubeletEnsureSecretPulledImages",
                 "KubeletServiceAccountTokenForCredentialProviders")
_BOOLEANS: tuple[SettingValue, ...] = (True, False)

# Each setting a learner may be given, and the values it can take at all.
SETTABLE: dict[str, tuple[SettingValue, ...]] = {
    "kubelet.featureGates.KubeletEnsureSecretPulledImages": _BOOLEANS,
    "kubelet.featureGates.KubeletServiceAccountTokenForCredentialProviders": _BOOLEANS,
    "kubelet.imagePullCredentialsVerificationPolicy": VERIFICATION_POLICIES,
    "kubelet.serializeImagePulls": _BOOLEANS,
    "admission.alwaysPullImages": _BOOLEANS,
}
PATH = "learnerSettings"


def same(a: SettingValue, b: SettingValue) -> bool:
    """Equal and of one type (True is not "true", and never 1)."""
    return type(a) is type(b) and a == b


def member(value: SettingValue, values: tuple[SettingValue, ...]) -> bool:
    return any(same(value, v) for v in values)


def show(value: SettingValue) -> str:
    """A value as YAML writes it: true, false, null, AlwaysVerify."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def written(root: Mapping, path: str) -> SettingValue:
    """What the scenario file sets at `path` (a dotted path), or None when it sets nothing
    there (or something the reader refuses on its own)."""
    node: YamlNode | None = root
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if isinstance(node, Scalar) and isinstance(node.value, (bool, str)):
        return node.value
    return None


def read_learner_settings(r: FieldReader, node: YamlNode | None,
                          root: Mapping) -> list[LearnerSetting]:
    """The `learnerSettings:` entries, each checked; `in_force` is filled by `in_force`."""
    mapping = r.mapping(node, PATH)
    found: list[LearnerSetting] = []
    for key_node, value_node in mapping.items() if mapping is not None else ():
        path = str(key_node.value)
        where = child(PATH, path)
        domain = SETTABLE.get(path)
        if domain is None:
            r.error(key_node, where, f"learners cannot be given {path}: the sandbox lets them "
                    "change only " + ", ".join(SETTABLE), hint=suggestion(path, SETTABLE))
            continue
        values = _values(r, value_node, where, path, domain)
        if not values:
            continue
        own = written(root, path)
        if not member(own, values):
            r.error(key_node, where, f"the scenario's own value of {path} ({show(own)}) is not "
                    "one of the values learners may pick",
                    hint=f"add {show(own)} to the list: the page starts from it")
            continue
        found.append(LearnerSetting(path, values, own))
    return found


def _values(r: FieldReader, node: YamlNode | None, where: str, path: str,
            domain: tuple[SettingValue, ...]) -> tuple[SettingValue, ...]:
    items = r.sequence(node, where, required=True)  # an empty list is reported there
    if not items:
        return ()
    values: list[SettingValue] = []
    for index, item in enumerate(items):
        at = f"{where}[{index}]"
        raw = item.value if isinstance(item, Scalar) else None
        value: SettingValue = raw if isinstance(raw, (bool, str)) else None
        if not isinstance(item, Scalar) or not (
                raw is None or (isinstance(raw, (bool, str)) and member(raw, domain))):
            written_as = f"{raw!r}" if isinstance(item, Scalar) else "a collection"
            r.error(item, at, f"{written_as} is not a value of {path}",
                    hint="one of " + ", ".join(show(v) for v in (*domain, None)))
        elif member(value, tuple(values)):
            r.error(item, at, f"{show(value)} is listed twice")
        else:
            values.append(value)
    return tuple(values) if len(values) == len(items) else ()


def in_force(settings: list[LearnerSetting], kubelet: KubeletConfig,
             always_pull: bool) -> tuple[LearnerSetting, ...]:
    """Each setting with the value the cluster runs with, defaults included."""
    now: dict[str, SettingValue] = {
        "kubelet.featureGates.KubeletEnsureSecretPulledImages":
            kubelet.ensure_secret_pulled_images,
        "kubelet.featureGates.KubeletServiceAccountTokenForCredentialProviders":
            kubelet.service_account_token_for_credential_providers,
        "kubelet.imagePullCredentialsVerificationPolicy": kubelet.verification_policy,
        "kubelet.serializeImagePulls": kubelet.serialize_image_pulls,
        "admission.alwaysPullImages": always_pull,
    }
    return tuple(LearnerSetting(s.path, s.values, s.written, now[s.path]) for s in settings)
