"""`apply_settings`: a scenario as a learner changed its settings (`learnerSettings:`).

A pick is refused unless the scenario lists that setting and that value. The picks are then
written into the scenario's own YAML tree and the whole scenario read again by its reader, so
the kubelet's configuration rules hold as they do for the file (a verification policy without
the KubeletEnsureSecretPulledImages gate is refused with the kubelet's own words).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..problems import ManifestError, Problem
from ..world import Scenario, SettingValue
from ..yamlsafe import Mapping, Scalar
from .learner_settings import member, same, show
from .load import parse_scenario, read_scenario

Choice = tuple[str, SettingValue]


class SettingsError(ManifestError):
    """Cluster settings a learner picked that the scenario does not allow, or that the kubelet
    would refuse; each problem's `path` is the setting."""


def apply_settings(text: str | bytes, base: Scenario, choices: Iterable[Choice]) -> Scenario:
    """`base` (the scenario `text` describes) with the learner's `choices` in force.

    Raises SettingsError when a setting or value is not one the scenario lets a learner pick,
    or when the cluster it makes is one the kubelet refuses."""
    allowed = {setting.path: setting for setting in base.learner_settings}
    problems: list[Problem] = []
    changed: list[Choice] = []
    for path, value in choices:
        setting = allowed.get(path)
        if setting is None:
            problems.append(Problem(
                f"this scenario does not let learners change {path}", path=path,
                hint=("it lets you change " + ", ".join(allowed)) if allowed
                else "its cluster settings are fixed"))
        elif not member(value, setting.values):
            problems.append(Problem(
                f"{path} cannot be {show(value)} in this scenario", path=path,
                hint="pick one of " + ", ".join(show(v) for v in setting.values)))
        elif not same(value, setting.written):
            changed.append((path, value))
    if problems:
        raise SettingsError(problems)
    if not changed:
        return base
    root = parse_scenario(text)
    for path, value in changed:
        root = _with(root, path.split("."), value)
    try:
        return read_scenario(root, text)
    except ManifestError as error:
        # The positions are the scenario file's, which a learner does not see: the path says it.
        raise SettingsError([replace(p, line=None, column=None) for p in error.problems]) from None


def _with(mapping: Mapping, parts: list[str], value: SettingValue) -> Mapping:
    """`mapping` with the value at `parts` set (or removed, for None): a new tree."""
    name, rest = parts[0], parts[1:]
    values, keys = dict(mapping.values), dict(mapping.keys)
    if rest:
        inner = values.get(name)
        if not isinstance(inner, Mapping):
            inner = Mapping({}, {}, mapping.line, mapping.column)
        values[name] = _with(inner, rest, value)
    elif value is None:
        values.pop(name, None)
        keys.pop(name, None)
        return replace(mapping, values=values, keys=keys)
    else:
        values[name] = Scalar(value, mapping.line, mapping.column, quoted=isinstance(value, str))
    keys.setdefault(name, Scalar(name, mapping.line, mapping.column))
    return replace(mapping, values=values, keys=keys)
