"""Image reference parsing and normalization, checked against upstream's own test tables.

Tables come from distribution/reference v0.6.0 (`reference_test.go`, `normalize_test.go`,
`regexp_test.go`) and kubernetes `pkg/util/parsers/parsers_test.go`, restated as data.
"""

from __future__ import annotations

import pytest

from sandbox.engine.reference import (
    ImageReference,
    InvalidReference,
    apply_default_tag,
    docker_ref,
    go_quote,
    image_locality_name,
    parse_image_name,
    parse_reference,
    parse_unnormalized,
)

SHA256_F = "sha256:" + "f" * 64
SHA512_F = "sha512:" + "f" * 128
E3B0 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
E669 = "sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582"
DBCC = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
BE17 = "sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912"

FORMAT = "invalid reference format"
UPPERCASE = "repository name must be lowercase"
EMPTY = "repository name must have at least one component"
TOO_LONG = "repository name must not be more than 255 characters"
DIGEST_LENGTH = "invalid checksum digest length"
DIGEST_FORMAT = "invalid checksum digest format"
UNSUPPORTED = "unsupported digest algorithm"


def error_of(parse: object, text: object) -> InvalidReference:
    assert callable(parse)
    with pytest.raises(InvalidReference) as caught:
        parse(text)
    return caught.value


# --- distribution/reference TestReferenceParse (Parse, no normalization) --------------------


@pytest.mark.parametrize(
    ("text", "domain", "name", "tag", "digest"),
    [
        ("test_com", "", "test_com", None, None),
        ("test.com:tag", "", "test.com", "tag", None),
        ("test.com:5000", "", "test.com", "5000", None),
        ("test.com/repo:tag", "test.com", "test.com/repo", "tag", None),
        ("test:5000/repo", "test:5000", "test:5000/repo", None, None),
        ("test:5000/repo:tag", "test:5000", "test:5000/repo", "tag", None),
        (f"test:5000/repo@{SHA256_F}", "test:5000", "test:5000/repo", None, SHA256_F),
        (f"test:5000/repo:tag@{SHA256_F}", "test:5000", "test:5000/repo", "tag", SHA256_F),
        ("lowercase:Uppercase", "", "lowercase", "Uppercase", None),
        (
            "a/" * 127 + "a:tag-puts-this-over-max",
            "a",
            "a/" * 127 + "a",
            "tag-puts-this-over-max",
            None,
        ),
        (
            "sub-dom1.foo.com/bar/baz/quux",
            "sub-dom1.foo.com",
            "sub-dom1.foo.com/bar/baz/quux",
            None,
            None,
        ),
        (
            "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
            "sub-dom1.foo.com",
            "sub-dom1.foo.com/bar/baz/quux",
            "some-long-tag",
            None,
        ),
        (
            "b.gcr.io/test.example.com/my-app:test.example.com",
            "b.gcr.io",
            "b.gcr.io/test.example.com/my-app",
            "test.example.com",
            None,
        ),
        (
            "xn--n3h.com/myimage:xn--n3h.com",
            "xn--n3h.com",
            "xn--n3h.com/myimage",
            "xn--n3h.com",
            None,
        ),
        (
            f"xn--7o8h.com/myimage:xn--7o8h.com@{SHA512_F}",
            "xn--7o8h.com",
            "xn--7o8h.com/myimage",
            "xn--7o8h.com",
            SHA512_F,
        ),
        ("foo_bar.com:8080", "", "foo_bar.com", "8080", None),
        ("foo/foo_bar.com:8080", "foo", "foo/foo_bar.com", "8080", None),
        ("192.168.1.1", "", "192.168.1.1", None, None),
        ("192.168.1.1:tag", "", "192.168.1.1", "tag", None),
        ("192.168.1.1:5000", "", "192.168.1.1", "5000", None),
        ("192.168.1.1/repo", "192.168.1.1", "192.168.1.1/repo", None, None),
        ("192.168.1.1:5000/repo", "192.168.1.1:5000", "192.168.1.1:5000/repo", None, None),
        ("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "192.168.1.1:5000/repo", "5050", None),
        ("[2001:db8::1]/repo", "[2001:db8::1]", "[2001:db8::1]/repo", None, None),
        (
            "[2001:db8:1:2:3:4:5:6]/repo:tag",
            "[2001:db8:1:2:3:4:5:6]",
            "[2001:db8:1:2:3:4:5:6]/repo",
            "tag",
            None,
        ),
        ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "[2001:db8::1]:5000/repo", None, None),
        (
            "[2001:db8::1]:5000/repo:tag",
            "[2001:db8::1]:5000",
            "[2001:db8::1]:5000/repo",
            "tag",
            None,
        ),
        (
            f"[2001:db8::1]:5000/repo@{SHA256_F}",
            "[2001:db8::1]:5000",
            "[2001:db8::1]:5000/repo",
            None,
            SHA256_F,
        ),
        (
            f"[2001:db8::1]:5000/repo:tag@{SHA256_F}",
            "[2001:db8::1]:5000",
            "[2001:db8::1]:5000/repo",
            "tag",
            SHA256_F,
        ),
        ("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "[2001:db8::]:5000/repo", None, None),
        ("[::1]:5000/repo", "[::1]:5000", "[::1]:5000/repo", None, None),
        (
            "example.com/" + "a" * 255 + ":tag",
            "example.com",
            "example.com/" + "a" * 255,
            "tag",
            None,
        ),
    ],
)
def test_grammar_splits_domain_name_tag_and_digest_like_upstream(
    text: str, domain: str, name: str, tag: str | None, digest: str | None
) -> None:
    ref = parse_unnormalized(text)
    assert (ref.domain, ref.name, ref.tag, ref.digest) == (domain, name, tag, digest)
    assert str(ref) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", EMPTY),
        (":justtag", FORMAT),
        (f"@{SHA256_F}", FORMAT),
        ("repo@sha256:" + "f" * 34, DIGEST_LENGTH),
        ("validname@invaliddigest:" + "f" * 64, UNSUPPORTED),
        ("Uppercase:tag", UPPERCASE),
        ("test:5000/Uppercase/lowercase:tag", UPPERCASE),
        ("domain/" + "a" * 256 + ":tag", TOO_LONG),
        ("aa/asdf$$^/aa", FORMAT),
        ("[2001:db8::1]", FORMAT),
        ("[2001:db8::1]:5000", FORMAT),
        ("[2001:db8::1]:tag", FORMAT),
        ("[fe80::1%eth0]:5000/repo", FORMAT),
        ("[fe80::1%@invalidzone]:5000/repo", FORMAT),
    ],
)
def test_grammar_rejects_with_upstream_error_text(text: str, message: str) -> None:
    assert str(error_of(parse_unnormalized, text)) == message


def test_uppercase_letters_in_the_first_part_make_it_a_domain_not_an_error() -> None:
    # Upstream's FIXME: "Uppercase/lowercase:tag" is read as domain "Uppercase".
    assert parse_unnormalized("Uppercase/lowercase:tag").domain == "Uppercase"


# --- distribution/reference TestDomainAndPath, TestDomainRegexp, TestFullNameRegexp --------


@pytest.mark.parametrize(
    ("text", "domain", "path"),
    [
        ("test.com/foo", "test.com", "foo"),
        ("test_com/foo", "", "test_com/foo"),
        ("test:8080/foo", "test:8080", "foo"),
        ("test.com:8080/foo", "test.com:8080", "foo"),
        ("test-com:8080/foo", "test-com:8080", "foo"),
        ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
        ("short", "", "short"),
        ("simple/name", "simple", "name"),
        ("library/ubuntu", "library", "ubuntu"),
        ("docker/stevvooe/app", "docker", "stevvooe/app"),
        (
            "aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb",
            "aa",
            "aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb",
        ),
        ("aa/aa/bb/bb/bb", "aa", "aa/bb/bb/bb"),
        ("a/a/a/a", "a", "a/a/a"),
        ("a", "", "a"),
        ("a/aa", "a", "aa"),
        ("a/aa/a", "a", "aa/a"),
        ("foo.com", "", "foo.com"),
        ("foo.com:8080/bar", "foo.com:8080", "bar"),
        ("foo.com/bar", "foo.com", "bar"),
        ("foo.com/bar/baz", "foo.com", "bar/baz"),
        ("localhost:8080/bar", "localhost:8080", "bar"),
        ("blog.foo.com/bar/baz", "blog.foo.com", "bar/baz"),
        ("aa-a/a", "aa-a", "a"),
        ("a/" * 128 + "a", "a", "a/" * 127 + "a"),
        ("foo_bar", "", "foo_bar"),
        ("foo_bar.com", "", "foo_bar.com"),
        ("foo.com/foo_bar", "foo.com", "foo_bar"),
        ("xn--7o8h.com/myimage", "xn--7o8h.com", "myimage"),
        ("example.com/xn--7o8h.com/myimage", "example.com", "xn--7o8h.com/myimage"),
        (
            "example.com/some_separator__underscore/myimage",
            "example.com",
            "some_separator__underscore/myimage",
        ),
        ("do__cker/docker", "", "do__cker/docker"),
        (
            "registry.io/foo/project--id.module--name.ver---sion--name",
            "registry.io",
            "foo/project--id.module--name.ver---sion--name",
        ),
        ("Asdf.com/foo/bar", "Asdf.com", "foo/bar"),
    ],
)
def test_first_part_is_the_domain_only_when_it_can_be_one(
    text: str, domain: str, path: str
) -> None:
    ref = parse_unnormalized(text)
    assert (ref.domain, ref.path) == (domain, path)


@pytest.mark.parametrize(
    "text",
    [
        "a/a/a/a/",
        "a//a/a",
        "foo.com/",
        "foo.com:http/bar",
        "a^a",
        "asdf$$^/aa",
        "a-/a/a/a",
        "foo.com/a-/a/a",
        "-foo/bar",
        "foo/bar-",
        "foo-/bar",
        "foo/-bar",
        "_foo/bar",
        "foo_bar.com:8080/app",
        "____/____",
        "_docker/_docker",
        "docker_/docker_",
        "example.com/__underscore/myimage",
        "example.com/..dots/myimage",
        "example.com/.dots/myimage",
        "example.com/nodouble..dots/myimage",
        "docker./docker",
        ".docker/docker",
        "docker-/docker",
        "-docker/docker",
        "do..cker/docker",
        "do__cker:8080/docker",
        "Foo/FarB",
    ],
)
def test_names_outside_the_grammar_are_rejected(text: str) -> None:
    error_of(parse_unnormalized, text)


@pytest.mark.parametrize(
    ("domain", "valid"),
    [
        ("test.com", True),
        ("test.com:10304", True),
        ("test.com:http", False),
        ("localhost", True),
        ("localhost:8080", True),
        ("a", True),
        ("a.b", True),
        ("ab.cd.com", True),
        ("a-b.com", True),
        ("-ab.com", False),
        ("ab-.com", False),
        ("ab.c-om", True),
        ("ab.-com", False),
        ("ab.com-", False),
        ("0101.com", True),
        ("001a.com", True),
        ("b.gbc.io:443", True),
        ("b.gbc.io", True),
        ("xn--n3h.com", True),
        ("Asdf.com", True),
        ("192.168.1.1:75050", True),
        ("192.168.1.1:750050", True),
        ("[fd00:1:2::3]:75050", True),
        ("[fd00:1:2::3]75050", False),
        ("[fd00:1:2::3]::75050", False),
        ("[fd00:1:2::3%eth0]:75050", False),
        ("[fd00123123123]:75050", True),
        ("[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050", True),
        ("[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505", True),
        ("fd00:1:2::3:75050", False),
    ],
)
def test_domain_grammar_matches_upstream(domain: str, valid: bool) -> None:
    try:
        parsed_domain = parse_unnormalized(f"{domain}/foo").domain
    except InvalidReference:
        parsed_domain = None
    assert (parsed_domain == domain) is valid


@pytest.mark.parametrize(
    ("text", "name", "tag", "digest"),
    [
        ("registry.com:8080/myapp:tag", "registry.com:8080/myapp", "tag", None),
        (f"registry.com:8080/myapp@{BE17}", "registry.com:8080/myapp", None, BE17),
        (f"registry.com:8080/myapp:tag2@{BE17}", "registry.com:8080/myapp", "tag2", BE17),
        (f"localhost:8080@{BE17}", "localhost", "8080", BE17),
        (f"localhost:8080/name@{BE17}", "localhost:8080/name", None, BE17),
        (f"localhost@{BE17}", "localhost", None, BE17),
    ],
)
def test_reference_grammar_captures_name_tag_and_digest(
    text: str, name: str, tag: str | None, digest: str | None
) -> None:
    ref = parse_unnormalized(text)
    assert (ref.name, ref.tag, ref.digest) == (name, tag, digest)


@pytest.mark.parametrize(
    "text",
    [
        "registry.com:8080/myapp@sha256:badbadbadbad",
        "registry.com:8080/myapp:invalid~tag",
        "bad_hostname.com:8080/myapp:tag",
        f"localhost:http/name@{BE17}",
        "registry.com:8080/myapp@bad",
        "registry.com:8080/myapp@2bad",
    ],
)
def test_references_outside_the_grammar_are_invalid_format(text: str) -> None:
    assert str(error_of(parse_unnormalized, text)) == FORMAT


# --- distribution/reference normalize_test.go (ParseNormalizedNamed) ------------------------


@pytest.mark.parametrize(
    "text",
    [
        "docker/docker",
        "library/debian",
        "debian",
        "docker.io/docker/docker",
        "docker.io/library/debian",
        "docker.io/debian",
        "index.docker.io/docker/docker",
        "index.docker.io/library/debian",
        "index.docker.io/debian",
        "127.0.0.1:5000/docker/docker",
        "127.0.0.1:5000/library/debian",
        "127.0.0.1:5000/debian",
        "192.168.0.1",
        "192.168.0.1:80",
        "192.168.0.1:8/debian",
        "192.168.0.2:25000/debian",
        "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
        "[fc00::1]:5000/docker",
        "[fc00::1]:5000/docker/docker",
        "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
        "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
        "Docker/docker",
        "DOCKER/docker",
        "docker-rules/docker",
        "docker---rules/docker",
        "doc/docker",
        "d/docker",
        "jess/t",
        "dock__er/docker",
    ],
)
def test_normalized_parse_accepts_upstream_valid_names(text: str) -> None:
    assert isinstance(parse_reference(text), ImageReference)


@pytest.mark.parametrize(
    "text",
    [
        "https://github.com/docker/docker",
        "docker/Docker",
        "-docker",
        "-docker/docker",
        "-docker.io/docker/docker",
        "docker///docker",
        "docker.io/docker/Docker",
        "docker.io/docker///docker",
        "[fc00::1]",
        "[fc00::1]:5000",
        "fc00::1:5000/debian",
        "[fe80::1%eth0]:5000/debian",
        "[2001:db8:3:4::192.0.2.33]:5000/debian",
        "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
        "docker-/docker",
        "-docker-/docker",
        "____/____",
        "_docker/_docker",
        "dock..er/docker",
        "dock_.er/docker",
        "dock-.er/docker",
        "docker/",
        "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_" * 4 + "/docker",
    ],
)
def test_normalized_parse_rejects_upstream_invalid_names(text: str) -> None:
    error_of(parse_reference, text)


# (remote name, familiar name, full name, ambiguous name, domain) from TestParseRepositoryInfo.
REPOSITORY_INFO = [
    ("fooo/bar", "fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar", "docker.io"),
    ("library/ubuntu", "ubuntu", "docker.io/library/ubuntu", "library/ubuntu", "docker.io"),
    ("nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "", "docker.io"),
    ("other/library", "other/library", "docker.io/other/library", "", "docker.io"),
    (
        "private/moonbase",
        "127.0.0.1:8000/private/moonbase",
        "127.0.0.1:8000/private/moonbase",
        "",
        "127.0.0.1:8000",
    ),
    (
        "privatebase",
        "127.0.0.1:8000/privatebase",
        "127.0.0.1:8000/privatebase",
        "",
        "127.0.0.1:8000",
    ),
    (
        "private/moonbase",
        "example.com/private/moonbase",
        "example.com/private/moonbase",
        "",
        "example.com",
    ),
    ("privatebase", "example.com/privatebase", "example.com/privatebase", "", "example.com"),
    (
        "private/moonbase",
        "example.com:8000/private/moonbase",
        "example.com:8000/private/moonbase",
        "",
        "example.com:8000",
    ),
    (
        "privatebasee",
        "example.com:8000/privatebasee",
        "example.com:8000/privatebasee",
        "",
        "example.com:8000",
    ),
    (
        "library/ubuntu-12.04-base",
        "ubuntu-12.04-base",
        "docker.io/library/ubuntu-12.04-base",
        "index.docker.io/library/ubuntu-12.04-base",
        "docker.io",
    ),
    ("library/foo", "foo", "docker.io/library/foo", "docker.io/foo", "docker.io"),
    ("library/foo/bar", "library/foo/bar", "docker.io/library/foo/bar", "", "docker.io"),
    ("store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", "", "docker.io"),
    ("bar", "Foo/bar", "Foo/bar", "", "Foo"),
    ("bar", "FOO/bar", "FOO/bar", "", "FOO"),
]


@pytest.mark.parametrize(
    ("text", "path", "familiar", "full", "domain"),
    [
        (spelling, path, familiar, full, domain)
        for path, familiar, full, ambiguous, domain in REPOSITORY_INFO
        for spelling in (familiar, full, ambiguous)
        if spelling
    ],
)
def test_every_spelling_of_a_repository_normalizes_to_the_same_name(
    text: str, path: str, familiar: str, full: str, domain: str
) -> None:
    ref = parse_reference(text)
    assert (ref.path, ref.familiar_name, str(ref), ref.domain) == (path, familiar, full, domain)


def test_tag_and_digest_together_survive_normalization_and_familiar_form() -> None:
    short = "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
    ref = parse_reference(short)
    assert str(ref) == "docker.io/library/" + short
    assert ref.tag == "latest"
    assert ref.digest is not None
    assert ref.familiar == short


@pytest.mark.parametrize(
    ("text", "domain", "path"),
    [
        ("test.com/foo", "test.com", "foo"),
        ("test_com/foo", "docker.io", "test_com/foo"),
        ("docker/migrator", "docker.io", "docker/migrator"),
        ("test.com:8080/foo", "test.com:8080", "foo"),
        ("test-com:8080/foo", "test-com:8080", "foo"),
        ("foo", "docker.io", "library/foo"),
        ("xn--n3h.com/foo", "xn--n3h.com", "foo"),
        ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
        ("docker.io/foo", "docker.io", "library/foo"),
        ("docker.io/library/foo", "docker.io", "library/foo"),
        ("docker.io/library/foo/bar", "docker.io", "library/foo/bar"),
    ],
)
def test_normalization_picks_docker_hub_unless_the_first_part_looks_like_a_host(
    text: str, domain: str, path: str
) -> None:
    ref = parse_reference(text)
    assert (ref.domain, ref.path) == (domain, path)


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("redis", "docker.io/library/redis"),
        ("redis:latest", "docker.io/library/redis:latest"),
        ("docker.io/library/redis:latest", "docker.io/library/redis:latest"),
        (f"redis@{DBCC}", f"docker.io/library/redis@{DBCC}"),
        (f"docker.io/library/redis@{DBCC}", f"docker.io/library/redis@{DBCC}"),
        ("dmcgowan/myapp", "docker.io/dmcgowan/myapp"),
        ("dmcgowan/myapp:latest", "docker.io/dmcgowan/myapp:latest"),
        ("docker.io/mcgowan/myapp:latest", "docker.io/mcgowan/myapp:latest"),
        (f"dmcgowan/myapp@{DBCC}", f"docker.io/dmcgowan/myapp@{DBCC}"),
        (f"docker.io/dmcgowan/myapp@{DBCC}", f"docker.io/dmcgowan/myapp@{DBCC}"),
        (
            "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
            "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
        ),
        ("dbcc1", "docker.io/library/dbcc1"),
    ],
)
def test_normalized_string_adds_docker_io_and_library_but_no_tag(
    text: str, normalized: str
) -> None:
    assert str(parse_reference(text)) == normalized


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:latest", "docker.io/library/busybox:latest"),
        (f"busybox@{E669}", f"docker.io/library/busybox@{E669}"),
        ("library/busybox", "docker.io/library/busybox:latest"),
        ("docker.io/busybox", "docker.io/library/busybox:latest"),
        ("docker.io/library/busybox", "docker.io/library/busybox:latest"),
        ("docker.io/busybox:latest", "docker.io/library/busybox:latest"),
        ("library/busybox:latest", "docker.io/library/busybox:latest"),
        ("docker.io/library/busybox:latest", "docker.io/library/busybox:latest"),
        ("gcr.io/library/busybox", "gcr.io/library/busybox:latest"),
        (f"gcr.io/library/busybox:latest@{E669}", f"gcr.io/library/busybox@{E669}"),
        ("user/app", "docker.io/user/app:latest"),
        ("ghcr.io/o/i:t", "ghcr.io/o/i:t"),
    ],
)
def test_docker_ref_tags_bare_names_and_drops_the_tag_beside_a_digest(
    text: str, expected: str
) -> None:
    assert docker_ref(text) == expected
    assert str(parse_unnormalized(expected)) == expected


# --- the awkward cases KUBERNETES.md §1 calls out ---------------------------------------------


def test_localhost_port_without_slash_is_a_docker_hub_name_with_a_tag() -> None:
    ref = parse_reference("localhost:5000")
    assert (ref.domain, ref.path, ref.tag) == ("docker.io", "library/localhost", "5000")


def test_localhost_before_a_slash_is_a_registry() -> None:
    ref = parse_reference("localhost/app")
    assert (ref.domain, ref.path) == ("localhost", "app")


def test_registry_1_docker_io_is_its_own_domain_not_an_alias() -> None:
    ref = parse_reference("registry-1.docker.io/x")
    assert (ref.domain, ref.path, ref.familiar) == (
        "registry-1.docker.io",
        "x",
        "registry-1.docker.io/x",
    )


def test_index_docker_io_is_rewritten_to_docker_io() -> None:
    assert str(parse_reference("index.docker.io/nginx:1.25")) == "docker.io/library/nginx:1.25"


def test_uppercase_first_part_becomes_the_domain() -> None:
    ref = parse_reference("Foo/bar")
    assert (ref.domain, ref.path, str(ref)) == ("Foo", "bar", "Foo/bar")


def test_path_limit_of_255_does_not_count_the_domain() -> None:
    assert parse_reference("example.com/" + "a" * 255).path == "a" * 255
    assert str(error_of(parse_reference, "example.com/" + "a" * 256)) == TOO_LONG


def test_slashless_docker_hub_name_longer_than_247_fails_because_library_counts() -> None:
    assert parse_reference("a" * 247).path == "library/" + "a" * 247
    assert str(error_of(parse_reference, "a" * 248)) == TOO_LONG


def test_normalized_uppercase_error_names_the_path_after_normalization() -> None:
    message = str(error_of(parse_reference, "Nginx"))
    assert message == "invalid reference format: repository name (library/Nginx) must be lowercase"


def test_bare_64_hex_identifier_is_not_a_repository_name() -> None:
    text = E3B0.removeprefix("sha256:")
    assert str(error_of(parse_reference, text)) == (
        f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
    )


def test_empty_string_after_normalization_is_an_invalid_format() -> None:
    assert str(error_of(parse_reference, "")) == FORMAT


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nginx@md5:" + "a" * 32, UNSUPPORTED),
        ("nginx@sha256:" + "a" * 63, DIGEST_LENGTH),
        ("nginx@sha256:" + "a" * 65, DIGEST_LENGTH),
        ("nginx@sha512:" + "a" * 64, DIGEST_LENGTH),
        ("nginx@sha256:" + "A" * 64, DIGEST_FORMAT),
        ("nginx:1@SHA256:" + "a" * 64, DIGEST_FORMAT),
        ("nginx@sha256:abc123", FORMAT),
    ],
)
def test_digests_are_checked_like_go_digest(text: str, message: str) -> None:
    assert str(error_of(parse_reference, text)) == message


@pytest.mark.parametrize("algorithm,length", [("sha256", 64), ("sha384", 96), ("sha512", 128)])
def test_registered_digest_algorithms_are_accepted(algorithm: str, length: int) -> None:
    digest = f"{algorithm}:" + "0" * length
    assert parse_reference(f"nginx@{digest}").digest == digest


def test_tag_may_be_128_characters_but_not_129() -> None:
    assert parse_reference("nginx:" + "t" * 128).tag == "t" * 128
    assert str(error_of(parse_reference, "nginx:" + "t" * 129)) == FORMAT


def test_familiar_form_drops_docker_io_and_library() -> None:
    ref = parse_reference("docker.io/library/nginx:1.25")
    assert (ref.familiar, ref.familiar_name, ref.name) == (
        "nginx:1.25",
        "nginx",
        "docker.io/library/nginx",
    )


def test_image_reference_is_frozen() -> None:
    ref = parse_reference("nginx")
    with pytest.raises(AttributeError):
        ref.tag = "1.25"  # type: ignore[misc]


# --- kubernetes pkg/util/parsers TestParseImageName ------------------------------------------


@pytest.mark.parametrize(
    ("image", "repo", "tag", "digest"),
    [
        ("root", "docker.io/library/root", "latest", ""),
        ("root:tag", "docker.io/library/root", "tag", ""),
        (f"root@{E3B0}", "docker.io/library/root", "", E3B0),
        ("user/repo", "docker.io/user/repo", "latest", ""),
        ("user/repo:tag", "docker.io/user/repo", "tag", ""),
        (f"user/repo@{E3B0}", "docker.io/user/repo", "", E3B0),
        ("url:5000/repo", "url:5000/repo", "latest", ""),
        ("url:5000/repo:tag", "url:5000/repo", "tag", ""),
        (f"url:5000/repo@{E3B0}", "url:5000/repo", "", E3B0),
        (f"url:5000/repo:latest@{E3B0}", "url:5000/repo", "latest", E3B0),
    ],
)
def test_parse_image_name_reports_latest_only_when_tag_and_digest_are_both_absent(
    image: str, repo: str, tag: str, digest: str
) -> None:
    assert parse_image_name(image) == (repo, tag, digest)


@pytest.mark.parametrize(
    ("image", "fragment"),
    [
        ("ROOT", "must be lowercase"),
        ("http://root", "invalid reference format"),
        (E3B0.removeprefix("sha256:"), "cannot specify 64-byte hexadecimal strings"),
    ],
)
def test_parse_image_name_wraps_the_parse_error(image: str, fragment: str) -> None:
    message = str(error_of(parse_image_name, image))
    assert message.startswith(f'couldn\'t parse image name "{image}": ')
    assert fragment in message


# --- kubelet default tag, scheduler name, Go quoting -----------------------------------------


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("root", "root:latest"),
        ("nginx:1.25", "nginx:1.25"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("localhost:5000", "localhost:5000"),
        (f"root:latest@{E3B0}", f"root:latest@{E3B0}"),
        (f"root@{E3B0}", f"root@{E3B0}"),
        ("index.docker.io/library/root", "index.docker.io/library/root:latest"),
    ],
)
def test_kubelet_appends_latest_to_the_string_as_written(image: str, expected: str) -> None:
    assert apply_default_tag(image) == expected


def test_kubelet_default_tag_error_is_parse_image_names_since_1_28() -> None:
    """pkg/kubelet/images/image_manager.go applyDefaultImageTag returns the error of
    pkg/util/parsers/parsers.go ParseImageName unwrapped (Kubernetes 1.28 and later)."""
    image = "/cloudfoundry/75f129a0:a28a05709747165a9c25c14f1b77d5c4db260d48"
    assert str(error_of(apply_default_tag, image)) == (
        f'couldn\'t parse image name "{image}": invalid reference format'
    )


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("nginx", "nginx:latest"),
        ("nginx:1.25", "nginx:1.25"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("localhost:5000", "localhost:5000"),
        (f"nginx@{E3B0}", f"nginx@{E3B0}"),
        ("docker.io/library/nginx", "docker.io/library/nginx:latest"),
    ],
)
def test_image_locality_appends_latest_when_the_last_part_has_no_colon(
    image: str, expected: str
) -> None:
    assert image_locality_name(image) == expected


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("nginx", '"nginx"'),
        ('a"b\\c', '"a\\"b\\\\c"'),
        ("tab\there\n", '"tab\\there\\n"'),
        ("nul\x00", '"nul\\x00"'),
        ("caf\u00e9", '"caf\u00e9"'),
        ("\u200b", '"\\u200b"'),
    ],
)
def test_go_quote_matches_go_percent_q(value: str, quoted: str) -> None:
    assert go_quote(value) == quoted


# --- hostile input and hints ------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, 5, 1.25, b"nginx", ["nginx"], {"image": "nginx"}])
@pytest.mark.parametrize(
    "function",
    [
        parse_reference,
        parse_unnormalized,
        parse_image_name,
        apply_default_tag,
        docker_ref,
        image_locality_name,
    ],
)
def test_non_string_input_is_an_invalid_reference(function: object, value: object) -> None:
    error = error_of(function, value)
    assert FORMAT in str(error)
    assert error.hint is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a" * 1_000_000, TOO_LONG),
        ("a-" * 500_000 + "!", FORMAT),
        ("a." * 500_000 + "/x!", FORMAT),
        ("a__" * 300_000 + "_", FORMAT),
        ("[" + ":" * 1_000_000 + "%]/x", FORMAT),
        ("x/" * 500_000, FORMAT),
        ("nginx@sha256:" + "a" * 1_000_000, DIGEST_LENGTH),
        ("nginx:" + "t" * 1_000_000, FORMAT),
    ],
)
def test_very_long_input_fails_cleanly(text: str, message: str) -> None:
    assert str(error_of(parse_reference, text)) == message


def test_very_long_registry_host_is_still_valid_as_upstream_has_no_domain_limit() -> None:
    host = "a" * 100_000 + ".com"
    assert parse_reference(f"{host}/app").domain == host


@pytest.mark.parametrize("text", ["nginx\x00", "\x00", "ngi\x00nx:1.25", "nginx:1.25\x00"])
def test_nul_bytes_are_invalid(text: str) -> None:
    error = error_of(parse_reference, text)
    assert str(error) == FORMAT
    assert error.hint is not None and "NUL" in error.hint


def test_dollar_does_not_let_a_trailing_newline_through() -> None:
    assert str(error_of(parse_reference, "nginx\n")) == FORMAT


@pytest.mark.parametrize(
    ("text", "hint_fragment"),
    [
        ("myapp@sha256:abc123", "a sha256 digest has 64 hex characters; this one has 6"),
        ("Nginx", "repository names are lowercase: try `nginx`"),
        ("Nginx:1.25", "try `nginx:1.25`"),
        ("http://registry.example.com/app:1", "leave out `http://`"),
        ("https://ghcr.io/org/app", "`ghcr.io/org/app`"),
        ("nginx 1.25", "cannot contain spaces"),
        (" nginx:1.25 ", "remove the spaces around the image: `nginx:1.25`"),
        ("", "the image is empty"),
        ("nginx:", "nothing follows the `:`"),
        ("nginx:-x", "cannot start with `.` or `-`"),
        ("nginx@md5:" + "a" * 32, "`md5` is not a supported digest algorithm"),
        ("nginx@SHA256:" + "a" * 64, "lowercase: `sha256:`"),
        ("nginx@sha256:" + "A" * 64, "lowercase hex"),
        ("nginx@", "after `@` comes a digest"),
        ("a" * 248, "`library/` in front"),
        ("example.com//app", "remove the extra `/`"),
        (E3B0.removeprefix("sha256:"), "image ID"),
    ],
)
def test_errors_carry_a_learner_facing_hint(text: str, hint_fragment: str) -> None:
    error = error_of(parse_reference, text)
    assert error.hint is not None
    assert hint_fragment in error.hint


def test_wrapped_errors_keep_the_hint() -> None:
    hint = "repository names are lowercase: try `nginx`"
    assert error_of(apply_default_tag, "Nginx").hint == hint
    assert error_of(parse_image_name, "Nginx").hint == hint


def test_invalid_reference_is_a_value_error() -> None:
    assert isinstance(error_of(parse_reference, "Nginx"), ValueError)
