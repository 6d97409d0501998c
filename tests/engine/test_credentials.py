"""Docker-config key matching and the keyring (KUBERNETES.md §9).

The tables follow upstream `pkg/credentialprovider/keyring_test.go` and `config_test.go` case
for case; the rest checks what the simulator adds on top (reference normalization, sources,
unions, never showing a password).
"""

from __future__ import annotations

import base64

import pytest

from sandbox.engine.credentials import (
    AUTH_FORMAT_ERROR,
    Credential,
    InvalidRegistryKey,
    Keyring,
    SecretError,
    credentials_match,
    is_default_registry_match,
    parse_registry_key,
)
from sandbox.engine.reference import parse_reference


def auth(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def one_key(key: str, **entry: str) -> Keyring:
    return Keyring.from_docker_config({key: entry}, source="test")


# --- matching a key against a repository (TestURLsMatch) ---------------------------------------


@pytest.mark.parametrize(("key", "target", "expected"), [
    # no path
    ("*.kubernetes.io", "prefix.kubernetes.io", True),
    ("prefix.*.io", "prefix.kubernetes.io", True),
    ("prefix.kubernetes.*", "prefix.kubernetes.io", True),
    ("*-good.kubernetes.io", "prefix-good.kubernetes.io", True),
    # with paths
    ("*.kubernetes.io/blah", "prefix.kubernetes.io/blah", True),
    ("prefix.*.io/foo", "prefix.kubernetes.io/foo/bar", True),
    # with paths and ports
    ("*.kubernetes.io:1111/blah", "prefix.kubernetes.io:1111/blah", True),
    ("prefix.*.io:1111/foo", "prefix.kubernetes.io:1111/foo/bar", True),
    # the number of labels differs
    ("*.kubernetes.io", "kubernetes.io", False),
    ("*.*.kubernetes.io", "prefix.kubernetes.io", False),
    ("*.*.kubernetes.io", "kubernetes.io", False),
    ("*kubernetes.io", "a.kubernetes.io", False),
    # the number of labels is the same
    ("*kubernetes.io", "kubernetes.io", True),
    ("*.*.*.kubernetes.io", "a.b.c.kubernetes.io", True),
    # a label differs
    ("kubernetes.io", "kubernetes.com", False),
    ("k*.io", "quay.io", False),
    # the ports differ
    ("*.kubernetes.io:1234/blah", "prefix.kubernetes.io:1111/blah", False),
    ("prefix.*.io/foo", "prefix.kubernetes.io:1111/foo/bar", False),
])
def test_key_matches_by_label_globs_port_and_path_prefix(key: str, target: str,
                                                          expected: bool) -> None:
    assert credentials_match(key, target) is expected


@pytest.mark.parametrize(("key", "image", "expected"), [
    ("registry.example.com", "registry.example.com:5000/app", False),
    ("registry.example.com:5000", "registry.example.com:5000/app:1.0", True),
    ("bar.example.com/pong", "bar.example.com/pongz/app", True),  # a string prefix, not a path
    ("docker.io", "busybox:1.36", True),  # busybox is docker.io/library/busybox
    ("registry-1.docker.io", "busybox:1.36", False),
    ("index.docker.io", "busybox", False),  # only the keyring's Docker Hub fallback uses it
    ("https://quay.io/v1/", "quay.io/team/app@sha256:" + "a" * 64, True),
    ("quay.io/team", "quay.io/other/app", False),
    ("Quay.io", "quay.io/app", False),  # Go compares host labels case-sensitively
    ("qu[a-z]y.io", "quay.io/app", True),  # a label is a full filepath.Match pattern
    ("[q]uay.io", "quay.io/app", False),  # Go reads a leading [ as an IPv6 literal: no key
    ("q[", "q/app", False),  # a malformed glob matches nothing
    ("quay.io:abc", "quay.io/app", False),  # a key Go cannot parse matches nothing
])
def test_key_applies_to_normalized_image_repository(key: str, image: str, expected: bool) -> None:
    assert credentials_match(key, image) is expected


def test_credentials_match_accepts_a_parsed_reference() -> None:
    assert credentials_match("docker.io/library", parse_reference("nginx:1.27"))


# --- parsing keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "expected"), [
    ("https://index.docker.io/v1/", "index.docker.io"),
    ("https://quay.io/v1/", "quay.io"),
    ("http://foo.example.com", "foo.example.com"),
    ("foo.example.com/", "foo.example.com"),
    ("quay.io/v2/team", "quay.io/team"),
    ("quay.io/v1", "quay.io/v1"),  # only `/v1/` with its slash is cut
    ("registry.local:5000/", "registry.local:5000"),
    ("https://user:pw@registry.local/team", "registry.local/team"),
    ("*.docker.io/path:1111", "*.docker.io/path:1111"),
    ("quay.io/a%2Fb", "quay.io/a/b"),  # the path is percent-decoded, as Go's URL.Path is
    ("quay.io/team?tab=tags#top", "quay.io/team"),
])
def test_registry_key_is_host_and_path_without_scheme_or_api_version(key: str,
                                                                    expected: str) -> None:
    assert parse_registry_key(key) == expected


@pytest.mark.parametrize("key", ["quay.io:abc", "bad host.io", "quay.io/%zz", "[::1", "a\x7fb"])
def test_registry_key_go_cannot_parse_is_rejected(key: str) -> None:
    with pytest.raises(InvalidRegistryKey, match="is not a valid URL"):
        parse_registry_key(key)


def test_keyring_ignores_an_entry_whose_key_does_not_parse() -> None:
    keyring = Keyring.from_docker_config({
        "quay.io:abc": {"username": "broken", "password": "x"},
        "quay.io": {"username": "kept", "password": "y"},
    }, source="node")
    assert [c.username for c in keyring.lookup("quay.io/app")] == ["kept"]
    assert keyring.ignored and keyring.ignored[0][0] == "node"


# --- the keyring: glob keys (TestDockerKeyringForGlob, TestKeyringMiss) -----------------------


@pytest.mark.parametrize(("key", "target"), [
    ("https://hello.kubernetes.io", "hello.kubernetes.io"),
    ("https://*.docker.io", "prefix.docker.io"),
    ("https://prefix.*.io", "prefix.docker.io"),
    ("https://prefix.docker.*", "prefix.docker.io"),
    ("https://*.docker.io/path", "prefix.docker.io/path"),
    ("https://prefix.*.io/path", "prefix.docker.io/path/subpath"),
    ("https://prefix.docker.*/path", "prefix.docker.io/path"),
    ("https://*.docker.io:8888", "prefix.docker.io:8888"),
    ("https://prefix.*.io:8888", "prefix.docker.io:8888"),
    ("https://prefix.docker.*:8888", "prefix.docker.io:8888"),
    ("https://*.docker.io/path:1111", "prefix.docker.io/path:1111"),
    ("https://*.docker.io/v1/", "prefix.docker.io/path:1111"),
    ("https://*.docker.io/v2/", "prefix.docker.io/path:1111"),
    ("https://prefix.docker.*/path:1111", "prefix.docker.io/path:1111"),
    ("prefix.docker.io:1111", "prefix.docker.io:1111/path"),
    ("*.docker.io:1111", "prefix.docker.io:1111/path"),
])
def test_keyring_finds_credentials_under_glob_keys(key: str, target: str) -> None:
    keyring = one_key(key, email="foo@bar.baz", auth=auth("foo", "bar"))
    found = keyring.lookup(target + "/foo/bar")
    assert found, f"nothing found for {target}"
    assert (found[0].username, found[0].password, found[0].email) == ("foo", "bar", "foo@bar.baz")


@pytest.mark.parametrize(("key", "target"), [
    ("https://hello.kubernetes.io", "world.mesos.org/foo/bar"),
    ("https://*.docker.com", "prefix.docker.io"),
    ("https://suffix.*.io", "prefix.docker.io"),
    ("https://prefix.docker.c*", "prefix.docker.io"),
    ("https://prefix.*.io/path:1111", "prefix.docker.io/path/subpath:1111"),
    ("suffix.*.io", "prefix.docker.io"),
])
def test_keyring_finds_nothing_when_no_key_matches(key: str, target: str) -> None:
    keyring = one_key(key, email="foo@bar.baz", auth=auth("foo", "bar"))
    assert keyring.lookup(target + "/foo/bar") == []


# --- the Docker Hub fallback ---------------------------------------------------------------------


def docker_hub_keyring() -> Keyring:
    return one_key("https://index.docker.io/v1/", email="foo@bar.baz", auth=auth("foo", "bar"))


def test_docker_hub_credentials_do_not_serve_other_registries() -> None:
    assert docker_hub_keyring().lookup("world.mesos.org/foo/bar") == []


@pytest.mark.parametrize("image", [
    "google/docker-registry",  # a user repository
    "jenkins",  # an official image
    "index.docker.io/v1//google/docker-registry",  # matches the key directly
    "docker.io/library/busybox",  # what the kubelet passes for busybox
    "busybox:1.36",
    "docker.io/library/busybox@sha256:" + "b" * 64,
])
def test_docker_hub_credentials_serve_docker_hub_images(image: str) -> None:
    found = docker_hub_keyring().lookup(image)
    assert [(c.username, c.password, c.email) for c in found] == [("foo", "bar", "foo@bar.baz")]


def test_docker_hub_fallback_only_when_nothing_matched() -> None:
    keyring = Keyring.from_docker_config({
        "https://index.docker.io/v1/": {"username": "hub", "password": "x"},
        "docker.io/team": {"username": "team", "password": "y"},
    })
    assert [c.username for c in keyring.lookup("team/app:1")] == ["team"]
    assert [c.username for c in keyring.lookup("other/app:1")] == ["hub"]


def test_registry_1_docker_io_key_does_not_serve_docker_hub_images() -> None:
    keyring = one_key("registry-1.docker.io", username="u", password="p")
    assert keyring.lookup("nginx") == []


@pytest.mark.parametrize(("image", "expected"), [
    ("foo/bar", True),
    ("docker.io/foo/bar", True),
    ("index.docker.io/foo/bar", True),
    ("foo", True),
    ("", False),
    ("registry.tld/foo/bar", False),
    ("registry:5000/foo/bar", False),
    ("myhostdocker.io/foo/bar", False),
])
def test_docker_hub_images_are_recognized_by_first_component(image: str, expected: bool) -> None:
    assert is_default_registry_match(image) is expected


# --- order (TestDockerKeyringLookup, TestIssue3797) ----------------------------------------------


GRACE = ("grace", "squash", "grace@example.com")
ADA = ("ada", "smash", "ada@example.com")


@pytest.mark.parametrize(("image", "expected"), [
    ("bar.example.com", [ADA]),  # direct match
    ("bar.example.com/pong", [GRACE, ADA]),  # the deeper key first, then the host
    ("bar.example.com/ping", [ADA]),
    ("bar.example.com/pongz", [GRACE, ADA]),  # the path is compared as a string prefix
    ("bar.example.com/pong/pang", [GRACE, ADA]),
    ("example.com", []),
    ("foo.example.com", []),
])
def test_lookup_returns_every_matching_key_most_specific_first(
        image: str, expected: list[tuple[str, str, str]]) -> None:
    keyring = Keyring.from_docker_config({
        "bar.example.com/pong": dict(zip(("username", "password", "email"), GRACE, strict=True)),
        "bar.example.com": dict(zip(("username", "password", "email"), ADA, strict=True)),
    }, source="node")
    assert [(c.username, c.password, c.email) for c in keyring.lookup(image)] == expected


@pytest.mark.parametrize("image", ["quay.io", "quay.io/foo", "quay.io/foo/bar"])
def test_versioned_key_matches_the_whole_host(image: str) -> None:
    keyring = one_key("https://quay.io/v1/", username="rex", password="tiny arms",
                      email="rex@example.com")
    assert keyring.lookup(image) == [
        Credential("rex", "tiny arms", "rex@example.com", "https://quay.io/v1/", "test")]


def test_keys_are_searched_in_reverse_lexicographic_order() -> None:
    keyring = Keyring.from_docker_config({
        "quay.io": {"username": "host"},
        "*.io": {"username": "glob"},
        "quay.io/team": {"username": "team"},
    })
    assert keyring.keys == ("quay.io/team", "quay.io", "*.io")
    assert [c.username for c in keyring.lookup("quay.io/team/app")] == ["team", "host", "glob"]


def test_keys_that_normalize_alike_share_one_entry_in_written_order() -> None:
    keyring = Keyring.from_docker_config({
        "https://quay.io/v1/": {"username": "first"},
        "quay.io": {"username": "second"},
    })
    assert keyring.keys == ("quay.io",)
    found = keyring.lookup("quay.io/app")
    assert [(c.username, c.registry_key) for c in found] == [
        ("first", "https://quay.io/v1/"), ("second", "quay.io")]


def test_lookup_uses_the_repository_not_the_tag_or_digest() -> None:
    keyring = one_key("registry.local:5000/team", username="u", password="p")
    assert keyring.lookup("registry.local:5000/team/app:1.0")
    assert keyring.lookup(parse_reference("registry.local:5000/team/app@sha256:" + "c" * 64))
    assert keyring.lookup("registry.local:5000/other/app:1.0") == []


# --- union: pod credentials, then node credentials ----------------------------------------------


def test_union_tries_pod_credentials_before_node_credentials() -> None:
    pod = Keyring.from_docker_config({"quay.io": {"username": "pod"}}, source="secret a/b")
    node = Keyring.from_docker_config({"quay.io": {"username": "node"}}, source="node")
    assert [c.username for c in (pod + node).lookup("quay.io/app")] == ["pod", "node"]
    assert [c.source for c in Keyring.union(node, pod).lookup("quay.io/app")] == [
        "node", "secret a/b"]


def test_each_keyring_of_a_union_applies_its_own_docker_hub_fallback() -> None:
    pod = one_key("https://index.docker.io/v1/", username="pod-hub")
    node = one_key("docker.io", username="node-direct")
    assert [c.username for c in (pod + node).lookup("nginx")] == ["pod-hub", "node-direct"]


# --- entries: auth, username/password, email (config_test.go) -----------------------------------


@pytest.mark.parametrize(("entry", "expected"), [
    ({"username": "foo", "password": "bar", "email": "foo@example.com"},
     ("foo", "bar", "foo@example.com")),
    ({"auth": "Zm9vOmJhcg==", "email": "foo@example.com"}, ("foo", "bar", "foo@example.com")),
    # auth wins over username and password
    ({"username": "foo", "password": "bar", "auth": "cGluZzpwb25n", "email": "foo@example.com"},
     ("ping", "pong", "foo@example.com")),
    ({"auth": "Zm9vOmJhcg"}, ("foo", "bar", "")),  # unpadded base64 is accepted
    ({"auth": "Zm9v\nOmJhcg=="}, ("foo", "bar", "")),  # Go skips line breaks
    ({"auth": auth("user", "pa:ss:word")}, ("user", "pa:ss:word", "")),  # split at the first :
    ({"auth": auth("", "")}, ("", "", "")),
    ({"Username": "foo", "PASSWORD": "bar", "Email": "e"}, ("foo", "bar", "e")),  # Go folds case
    ({"username": "foo", "password": None}, ("foo", "", "")),  # null leaves the field empty
    ({"auth": "", "username": "foo"}, ("foo", "", "")),  # an empty auth is no auth
    ({"username": "foo", "registrytoken": "ignored", "identitytoken": "ignored"}, ("foo", "", "")),
])
def test_entry_gives_username_password_and_email(entry: dict[str, object],
                                                  expected: tuple[str, str, str]) -> None:
    keyring = Keyring.from_docker_config({"quay.io": entry})
    found = keyring.lookup("quay.io/app")
    assert [(c.username, c.password, c.email) for c in found] == [expected]


def test_null_entry_is_an_empty_credential() -> None:
    keyring = Keyring.from_docker_config({"quay.io": None})
    assert keyring.lookup("quay.io/app") == [Credential("", "", "", "quay.io", "node")]


@pytest.mark.parametrize(("entry", "message"), [
    ({"auth": "cGFudHM=", "email": "foo@example.com"}, AUTH_FORMAT_ERROR),  # no colon
    ({"auth": "pants"}, "illegal base64 data at input byte 4"),
    ({"auth": "Zm9vOmJhcg=", "email": "x"}, "illegal base64 data at input byte 11"),  # one =
    ({"auth": " Zm9vOmJhcg=="}, "illegal base64 data at input byte 0"),
    ({"email": False}, "'email' must be a string, not a boolean"),
    ({"password": 1234}, "'password' must be a string, not a number"),
    ("user:pass", "the entry must be an object, not a string"),
])
def test_invalid_entry_raises_a_clear_error(entry: object, message: str) -> None:
    with pytest.raises(SecretError, match="registry 'quay.io'") as caught:
        Keyring.from_docker_config({"quay.io": entry}, source="node")
    assert message in str(caught.value)
    assert caught.value.secret == "node"


def test_invalid_config_can_be_skipped_instead_of_raised() -> None:
    keyring = Keyring.from_docker_configs([
        ({"quay.io": {"auth": "cGFudHM="}}, "/var/lib/kubelet/config.json"),
        ({"quay.io": {"username": "fallback"}}, "/root/.docker/config.json"),
    ], strict=False)
    assert [c.username for c in keyring.lookup("quay.io/x")] == ["fallback"]
    assert keyring.skipped == [("/var/lib/kubelet/config.json",
                                f"registry 'quay.io': {AUTH_FORMAT_ERROR}")]


# --- never showing a password ---------------------------------------------------------------------


@pytest.mark.parametrize("key", ["quay.io", "https://ada:s3cr3t-pw@quay.io/v1/"])
def test_credential_repr_and_str_mask_the_password(key: str) -> None:
    credential = Credential("ada", "s3cr3t-pw", "ada@example.com", key, "secret default/r")
    for text in (repr(credential), str(credential), repr([credential]), f"{credential}"):
        assert "s3cr3t-pw" not in text
        assert "ada" in text and "***" in text and "quay.io" in text


def test_keyring_repr_shows_keys_not_passwords() -> None:
    keyring = one_key("quay.io", username="ada", password="s3cr3t-pw")
    assert "s3cr3t-pw" not in repr(keyring)
    assert "quay.io" in repr(keyring)


@pytest.mark.parametrize("entry", [
    {"auth": base64.b64encode(b"s3cr3t-pw").decode()},  # no colon
    {"auth": "s3cr3t-pw!"},  # not base64
    {"username": "ada", "password": ["s3cr3t-pw"]},
])
def test_errors_never_contain_the_password_or_auth(entry: dict[str, object]) -> None:
    with pytest.raises(SecretError) as caught:
        Keyring.from_docker_config({"https://ada:s3cr3t-pw@quay.io": entry})
    text = str(caught.value) + repr(caught.value) + caught.value.reason
    assert "s3cr3t-pw" not in text
    assert base64.b64encode(b"s3cr3t-pw").decode() not in text
