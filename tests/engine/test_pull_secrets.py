"""imagePullSecrets into a keyring (KUBERNETES.md §8, upstream secrets_test.go)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from sandbox.engine.credentials import AUTH_FORMAT_ERROR, Keyring, SecretError
from sandbox.engine.objects import KubeObject

JSON_TYPE = "kubernetes.io/dockerconfigjson"
CFG_TYPE = "kubernetes.io/dockercfg"
USER_PASSWORD = "dXNlcjpwYXNzd29yZA=="  # user:password


def secret(name: str, secret_type: str, key: str, content: str, namespace: str = "default"
           ) -> dict[str, Any]:
    """A Secret manifest as the API holds it: `data` values base64-encoded."""
    return {"apiVersion": "v1", "kind": "Secret", "type": secret_type,
            "metadata": {"name": name, "namespace": namespace},
            "data": {key: base64.b64encode(content.encode()).decode()}}


def pairs(keyring: Keyring, image: str) -> list[tuple[str, str]]:
    return [(c.username, c.password) for c in keyring.lookup(image)]


NODE = Keyring.from_docker_config(
    {"test.registry.io": {"username": "default-user", "password": "default-password"}},
    source="node")


# --- Test_MakeDockerKeyring -----------------------------------------------------------------------


def json_secret(auths: dict[str, Any], secret_type: str = JSON_TYPE,
                key: str = ".dockerconfigjson") -> dict[str, Any]:
    return secret("s", secret_type, key, json.dumps({"auths": auths}))


def cfg_secret(registries: dict[str, Any], secret_type: str = CFG_TYPE,
               key: str = ".dockercfg") -> dict[str, Any]:
    return secret("s", secret_type, key, json.dumps(registries))


WITH_AUTH = {"test.registry.io": {"auth": USER_PASSWORD}}
WITH_FIELDS = {"test.registry.io": {"username": "user", "password": "password"}}
OTHER_REGISTRY = {"foobar.io": {"auth": USER_PASSWORD}}
USER = ("user", "password")
DEFAULT = ("default-user", "default-password")


@pytest.mark.parametrize(("secrets", "with_node", "expected"), [
    pytest.param([json_secret(WITH_AUTH)], False, [USER], id="dockerconfigjson, auth"),
    pytest.param([cfg_secret(WITH_AUTH)], False, [USER], id="dockercfg, auth"),
    pytest.param([json_secret(WITH_FIELDS)], False, [USER], id="dockerconfigjson, fields"),
    pytest.param([cfg_secret(WITH_FIELDS)], False, [USER], id="dockercfg, fields"),
    pytest.param([json_secret(WITH_AUTH, secret_type=CFG_TYPE)], False, [],
                 id=".dockerconfigjson key in a dockercfg secret"),
    pytest.param([cfg_secret(WITH_AUTH, secret_type=JSON_TYPE)], False, [],
                 id=".dockercfg key in a dockerconfigjson secret"),
    pytest.param([json_secret(OTHER_REGISTRY)], True, [DEFAULT],
                 id="dockerconfigjson for another registry, node credential"),
    pytest.param([cfg_secret(OTHER_REGISTRY)], True, [DEFAULT],
                 id="dockercfg for another registry, node credential"),
    pytest.param([], True, [DEFAULT], id="no pull secrets, node credential"),
    pytest.param([json_secret(WITH_AUTH)], True, [USER, DEFAULT],
                 id="pull secret first, then node credential"),
])
def test_pull_secrets_and_node_credentials_combine_like_the_kubelet(
        secrets: list[dict[str, Any]], with_node: bool, expected: list[tuple[str, str]]) -> None:
    keyring = Keyring.from_pull_secrets(secrets)
    if with_node:
        keyring = keyring + NODE
    assert pairs(keyring, "test.registry.io") == expected


# --- which secrets are read ---------------------------------------------------------------------


def test_secret_type_and_key_must_both_match() -> None:
    opaque = secret("opaque", "Opaque", ".dockerconfigjson",
                    '{"auths": {"quay.io": {"username": "u"}}}')
    keyring = Keyring.from_pull_secrets([opaque])
    assert keyring.lookup("quay.io/app") == []
    assert keyring.ignored[0][0] == "default/opaque"
    assert "not a pull-secret type" in keyring.ignored[0][1]
    assert keyring.skipped == []


def test_secret_without_type_is_opaque_and_ignored() -> None:
    untyped = secret("untyped", JSON_TYPE, ".dockerconfigjson", '{"auths": {"quay.io": {}}}')
    del untyped["type"]
    assert Keyring.from_pull_secrets([untyped]).lookup("quay.io/app") == []


def test_string_data_is_read_like_data_and_wins_over_it() -> None:
    pasted = secret("pasted", JSON_TYPE, ".dockerconfigjson",
                    '{"auths": {"quay.io": {"username": "from-data"}}}')
    pasted["stringData"] = {".dockerconfigjson": '{"auths": {"quay.io": {"username": "plain"}}}'}
    assert [c.username for c in Keyring.from_pull_secrets([pasted]).lookup("quay.io/a")] == [
        "plain"]


def test_credentials_name_the_secret_they_came_from() -> None:
    auths = {"https://index.docker.io/v1/": {"auth": USER_PASSWORD}}
    regcred = secret("regcred", JSON_TYPE, ".dockerconfigjson", json.dumps({"auths": auths}),
                     namespace="shop")
    [credential] = Keyring.from_pull_secrets([regcred]).lookup("nginx:1.27")
    assert credential.source == "secret shop/regcred"
    assert credential.registry_key == "https://index.docker.io/v1/"


def test_kube_objects_are_accepted() -> None:
    body = secret("regcred", CFG_TYPE, ".dockercfg", '{"quay.io": {"username": "u"}}')
    obj = KubeObject("v1", "Secret", "regcred", namespace=None, body=body)
    [credential] = Keyring.from_pull_secrets([obj]).lookup("quay.io/app")
    assert credential.source == "secret default/regcred"


def test_keys_of_all_pod_secrets_are_sorted_together() -> None:
    host = secret("host", CFG_TYPE, ".dockercfg", '{"quay.io": {"username": "host"}}')
    team = secret("team", CFG_TYPE, ".dockercfg", '{"quay.io/team": {"username": "team"}}')
    keyring = Keyring.from_pull_secrets([host, team])
    assert [c.username for c in keyring.lookup("quay.io/team/app")] == ["team", "host"]


def test_same_key_in_two_secrets_keeps_secret_order() -> None:
    first = secret("first", CFG_TYPE, ".dockercfg", '{"quay.io": {"username": "one"}}')
    second = secret("second", JSON_TYPE, ".dockerconfigjson",
                    '{"auths": {"https://quay.io": {"username": "two"}}}')
    keyring = Keyring.from_pull_secrets([first, second])
    assert [c.username for c in keyring.lookup("quay.io/app")] == ["one", "two"]


@pytest.mark.parametrize("content", [
    '{"auths": null}',
    "{}",
    "null",
    '{"auths": {"quay.io": {"username": "u"}}, "HttpHeaders": {"User-Agent": "x"}}',
])
def test_dockerconfigjson_variants_that_parse(content: str) -> None:
    keyring = Keyring.from_pull_secrets(
        [secret("s", JSON_TYPE, ".dockerconfigjson", content)], strict=True)
    assert keyring.skipped == []


def test_auths_field_name_is_case_insensitive_like_go() -> None:
    keyring = Keyring.from_pull_secrets([secret(
        "s", JSON_TYPE, ".dockerconfigjson", '{"Auths": {"quay.io": {"username": "u"}}}')])
    assert [c.username for c in keyring.lookup("quay.io/app")] == ["u"]


# --- invalid content -----------------------------------------------------------------------------


def bad_data(value: str) -> dict[str, Any]:
    broken = secret("broken", JSON_TYPE, ".dockerconfigjson", "{}")
    broken["data"][".dockerconfigjson"] = value
    return broken


@pytest.mark.parametrize(("broken", "key", "message"), [
    (bad_data("not base64!"), ".dockerconfigjson", "illegal base64 data at input byte 3"),
    (bad_data("e30"), ".dockerconfigjson", "illegal base64 data at input byte 0"),  # unpadded
    (secret("broken", JSON_TYPE, ".dockerconfigjson", '{"auths": {'), ".dockerconfigjson",
     "is not valid JSON"),
    (secret("broken", JSON_TYPE, ".dockerconfigjson", '{"auths": NaN}'), ".dockerconfigjson",
     "is not valid JSON"),
    (secret("broken", JSON_TYPE, ".dockerconfigjson", "[" * 100_000), ".dockerconfigjson",
     "is not valid JSON"),
    (secret("broken", JSON_TYPE, ".dockerconfigjson",
            '{"auths": {"quay.io": {"auth": "cGFudHM="}}}'),
     ".dockerconfigjson", AUTH_FORMAT_ERROR),
    (secret("broken", JSON_TYPE, ".dockerconfigjson", '{"auths": ["quay.io"]}'),
     ".dockerconfigjson", '"auths" must be an object, not an array'),
    (secret("broken", JSON_TYPE, ".dockerconfigjson", '{"auths": {}, "HttpHeaders": 3}'),
     ".dockerconfigjson", "HttpHeaders"),
    (secret("broken", CFG_TYPE, ".dockercfg", '"quay.io"'), ".dockercfg",
     "the document must be an object, not a string"),
    (secret("broken", JSON_TYPE, ".dockercfg", '{"quay.io": {}}'), ".dockerconfigjson",
     "needs the key .dockerconfigjson"),
    (secret("broken", JSON_TYPE, ".dockerconfigjson", ""), ".dockerconfigjson", "is empty"),
])
def test_invalid_secret_raises_secret_error_when_strict(broken: dict[str, Any], key: str,
                                                        message: str) -> None:
    with pytest.raises(SecretError) as caught:
        Keyring.from_pull_secrets([broken], strict=True)
    assert caught.value.secret == "default/broken"
    assert caught.value.key == key
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"Secret default/broken, key {key}: ")


@pytest.mark.parametrize(("document", "message"), [
    ([], "a Secret must be a mapping, not an array"),
    ({"type": JSON_TYPE, "data": ["x"]}, "data must be a mapping, not an array"),
    ({"type": JSON_TYPE, "data": {".dockerconfigjson": 5}}, "data values must be strings"),
    ({"type": 7}, "type must be a string, not a number"),
])
def test_malformed_secret_document_raises_secret_error(document: Any, message: str) -> None:
    with pytest.raises(SecretError, match=message):
        Keyring.from_pull_secrets([document], strict=True)


def test_invalid_secret_is_skipped_and_recorded_when_not_strict() -> None:
    broken = secret("broken", JSON_TYPE, ".dockerconfigjson",
                    '{"auths": {"quay.io": {"auth": "cGFudHM="}}}')
    good = secret("good", JSON_TYPE, ".dockerconfigjson",
                  '{"auths": {"quay.io": {"username": "good"}}}')
    keyring = Keyring.from_pull_secrets([broken, good])
    assert [c.username for c in keyring.lookup("quay.io/app")] == ["good"]
    assert keyring.skipped == [("default/broken", f"registry 'quay.io': {AUTH_FORMAT_ERROR}")]


def test_one_bad_entry_leaves_out_the_whole_secret() -> None:
    mixed = secret("mixed", JSON_TYPE, ".dockerconfigjson", json.dumps({"auths": {
        "quay.io": {"username": "fine"}, "ghcr.io": {"auth": "cGFudHM="}}}))
    keyring = Keyring.from_pull_secrets([mixed])
    assert keyring.lookup("quay.io/app") == []
    assert [name for name, _ in keyring.skipped] == ["default/mixed"]


def test_skipped_secrets_and_errors_never_show_a_password() -> None:
    no_colon = base64.b64encode(b"hunter2-pw").decode()
    broken = secret("broken", JSON_TYPE, ".dockerconfigjson", json.dumps({"auths": {
        "quay.io": {"username": "ada", "password": "hunter2-pw"},
        "ghcr.io": {"auth": no_colon}}}))
    keyring = Keyring.from_pull_secrets([broken])
    with pytest.raises(SecretError) as caught:
        Keyring.from_pull_secrets([broken], strict=True)
    for text in (repr(keyring), str(keyring.skipped), str(caught.value), repr(caught.value)):
        assert "hunter2-pw" not in text
        assert no_colon not in text


def test_repeated_registry_key_keeps_its_last_entry() -> None:
    repeated = secret("r", CFG_TYPE, ".dockercfg",
                      '{"quay.io": {"username": "old"}, "quay.io": {"username": "new"}}')
    assert [c.username for c in Keyring.from_pull_secrets([repeated]).lookup("quay.io/a")] == [
        "new"]


def test_repeated_registry_key_still_fails_on_an_invalid_earlier_entry() -> None:
    # Go decodes every entry before the map keeps the last one.
    repeated = secret("r", CFG_TYPE, ".dockercfg",
                      '{"quay.io": {"auth": "pants"}, "quay.io": {"username": "new"}}')
    with pytest.raises(SecretError, match="illegal base64 data at input byte 4"):
        Keyring.from_pull_secrets([repeated], strict=True)
