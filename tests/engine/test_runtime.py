"""The kubelet's and containerd's exact texts (RUNTIME.md, KUBERNETES.md §4-§5)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest

from sandbox.engine.reference import InvalidReference
from sandbox.engine.runtime import (
    DEFAULT_PROFILE,
    PROFILES,
    TRANSFER_SERVICE_PROFILE,
    PullFailure,
    RenderError,
    RuntimeProfile,
    UnreachableKind,
    access_denied_basic,
    access_denied_bearer,
    aggregate,
    aggregate_failures,
    anonymous_token_refused,
    backoff_status_message,
    basic_wrong_password,
    classify_pull_error,
    digest_not_found,
    go_duration,
    go_duration_ns,
    go_errorf_without_args,
    manifest_status,
    msg_already_present,
    msg_backoff,
    msg_created,
    msg_error,
    msg_failed_pull,
    msg_failed_scheduling,
    msg_failed_secrets,
    msg_invalid_name,
    msg_never_pull,
    msg_pulled,
    msg_pulling,
    msg_scheduled,
    msg_started,
    no_platform_match,
    oauth_token_refused,
    profile_for,
    pull_canceled,
    rate_limited,
    registry_unreachable,
    render_for_kubelet,
    repository_not_found_docker_hub,
    tag_not_found,
    token_url,
    truncate_ms,
    wrong_credentials,
)

CLASSIC, CURRENT, NEWEST = PROFILES["classic"], PROFILES["current"], PROFILES["newest"]
# containerd 1.7 (percent mangling, URL-form statuses) under a pre-1.28 kubelet.
CONTAINERD_17 = RuntimeProfile("k8s-1.27-containerd-1.7", (1, 27), (1, 27), (1, 7, 13))
# containerd 1.4 (pre-1.5.5 status wording, httpReaderSeeker) under kubelet 1.18.
CONTAINERD_14 = RuntimeProfile("k8s-1.18-containerd-1.4", (1, 18), (1, 18), (1, 4, 0))
DIGEST = "sha256:8d0bff43db3ce5c528cb6f957520511d263d7cceee012696e4afdc9087919bb9"


# --- Go durations (RUNTIME.md §9) ------------------------------------------------------------


@pytest.mark.parametrize(("raw", "printed"), [
    (1.234567891, "1.234s"),
    (5.123456789, "5.123s"),
    (0.512345678, "512ms"),
    (0.090, "90ms"),
    (1.001, "1.001s"),
    (1.1, "1.1s"),
    (1.01, "1.01s"),
    (1.1005, "1.1s"),
    (10, "10s"),
    (60, "1m0s"),
    (62.5, "1m2.5s"),
    (62.512345678, "1m2.512s"),
    (3601.5, "1h0m1.5s"),
    (0.000999999, "0s"),
])
def test_pulled_duration_is_truncated_to_milliseconds_then_printed_like_go(
        raw: float, printed: str) -> None:
    assert go_duration_ns(truncate_ms(raw)) == printed


@pytest.mark.parametrize(("ns", "printed"), [
    (0, "0s"),
    (1, "1ns"),
    (999, "999ns"),
    (1_000, "1µs"),
    (1_500, "1.5µs"),
    (999_999, "999.999µs"),
    (1_000_000, "1ms"),
    (1_100_000, "1.1ms"),
    (1_234_567_891, "1.234567891s"),
    (-1_500_000_000, "-1.5s"),
    (3_600_000_000_000, "1h0m0s"),
    (2**63 - 1, "2562047h47m16.854775807s"),
    (-(2**63), "-2562047h47m16.854775808s"),
])
def test_go_duration_string_covers_every_unit(ns: int, printed: str) -> None:
    assert go_duration_ns(ns) == printed


def test_go_duration_of_seconds_keeps_nanoseconds_without_float_drift() -> None:
    assert go_duration(1.234567891) == "1.234567891s"
    assert go_duration(0.0000015) == "1.5µs"
    assert go_duration(32.341313682) == "32.341313682s"


def test_truncation_goes_toward_zero_for_negative_durations() -> None:
    assert go_duration_ns(truncate_ms(-1.5009)) == "-1.5s"


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1s", True, None, 1e300])
def test_durations_reject_hostile_input_with_a_domain_error(bad: Any) -> None:
    with pytest.raises(RenderError):
        go_duration(bad)


def test_nanosecond_durations_reject_values_outside_int64() -> None:
    with pytest.raises(RenderError):
        go_duration_ns(2**63)


# --- Go's fmt on a message used as a format string (containerd 1.x) ---------------------------


@pytest.mark.parametrize(("message", "printed"), [
    ("scope=repository%3Alibrary%2Fredis%3Apull", "scope=repository%!A(MISSING)library%!F(MISSING)"
                                                  "redis%!A(MISSING)pull"),
    ("100%", "100%!(NOVERB)"),
    ("50%% off", "50% off"),
    ("%*d", "%!(BADWIDTH)%!d(MISSING)"),
    ("%.*f", "%!(BADPREC)%!f(MISSING)"),
    ("%-08.3f", "%!f(MISSING)"),
    ("no directives", "no directives"),
])
def test_go_sprintf_without_operands_reports_missing_verbs(message: str, printed: str) -> None:
    assert go_errorf_without_args(message) == printed


# --- profiles (RUNTIME.md §12) ----------------------------------------------------------------


def test_default_profile_is_kubernetes_135_with_kinds_local_pull_wording() -> None:
    assert DEFAULT_PROFILE is PROFILES["newest"]
    assert DEFAULT_PROFILE.kubelet == (1, 35)
    assert DEFAULT_PROFILE.resolve_wording == "reference"
    assert TRANSFER_SERVICE_PROFILE.resolve_wording == "image"
    assert set(PROFILES) == {"classic", "current", "newest", "k8s-1.37"}


def test_profiles_are_looked_up_by_name_and_unknown_names_are_refused() -> None:
    assert profile_for("current") is CURRENT
    assert profile_for(CLASSIC) is CLASSIC
    with pytest.raises(RenderError, match="unknown runtime profile"):
        profile_for("ancient")


@pytest.mark.parametrize("field", [{"kubelet": (1,)}, {"containerd": (1, 2, 9)},
                                   {"kubectl": (1, -5)}, {"name": ""}, {"kubelet": "1.35"}])
def test_profiles_reject_malformed_versions(field: dict[str, Any]) -> None:
    with pytest.raises(RenderError):
        replace(NEWEST, **field)


def test_transfer_wording_needs_containerd_21() -> None:
    older = RuntimeProfile("x", (1, 33), (1, 33), (2, 0, 5), transfer_service=True)
    assert older.resolve_wording == "reference"


# --- layer 1: the kubelet's rendering ---------------------------------------------------------


def test_kubelet_128_and_later_strip_only_the_unknown_code() -> None:
    unknown = PullFailure("Unknown", "boom")
    not_found = PullFailure("NotFound", "gone")
    assert render_for_kubelet(unknown, NEWEST) == "boom"
    assert render_for_kubelet(not_found, NEWEST) == "rpc error: code = NotFound desc = gone"
    assert render_for_kubelet(unknown, CLASSIC) == "rpc error: code = Unknown desc = boom"
    assert render_for_kubelet(unknown, "current") == "boom"


def test_pull_failure_rejects_unknown_grpc_codes() -> None:
    with pytest.raises(RenderError):
        PullFailure("PermissionDenied", "x")  # type: ignore[arg-type]


def test_builders_refuse_an_invalid_reference_with_the_reference_error() -> None:
    with pytest.raises(InvalidReference):
        tag_not_found("Nginx:1")


# --- whole observed texts, assembled layer by layer -------------------------------------------

KIND_2026 = (
    'Failed to pull image "jakwehrgkaejw:kahsdfgkhj": failed to pull and unpack image '
    '"docker.io/library/jakwehrgkaejw:kahsdfgkhj": failed to resolve reference '
    '"docker.io/library/jakwehrgkaejw:kahsdfgkhj": pull access denied, repository does not '
    'exist or may require authorization: server message: insufficient_scope: '
    'authorization failed'
)


def test_missing_docker_hub_repository_reads_as_access_denied_not_not_found() -> None:
    image = "jakwehrgkaejw:kahsdfgkhj"
    error = render_for_kubelet(repository_not_found_docker_hub(image))
    assert msg_failed_pull(image, error) == KIND_2026
    assert "not found" not in error


def test_missing_tag_keeps_the_not_found_prefix_on_new_kubelets() -> None:
    image = "cvisionai/tator_online:b51d8990fc4c560c0a2c64d6ddd753aedb9bdeab"
    ref = f"docker.io/{image}"
    assert msg_failed_pull(image, render_for_kubelet(tag_not_found(image), CURRENT)) == (
        f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and '
        f'unpack image "{ref}": failed to resolve reference "{ref}": {ref}: not found')


def test_missing_tag_on_ghcr_has_the_same_shape() -> None:
    image = "ghcr.io/sigstore/model-validation-operator:v0.0.1"
    assert render_for_kubelet(tag_not_found(image)) == (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{image}": '
        f'failed to resolve reference "{image}": {image}: not found')


def test_missing_tag_through_the_transfer_service_says_resolve_image() -> None:
    image = "ghcr.io/org/app:v9"
    failure = tag_not_found(image, TRANSFER_SERVICE_PROFILE)
    assert render_for_kubelet(failure, TRANSFER_SERVICE_PROFILE) == (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{image}": '
        f"failed to resolve image: {image}: not found")


def test_digest_not_found_names_the_digest_reference() -> None:
    image = ("quay.io/minio/directpv@sha256:"
             "98c23183f3abb8d9b6e0c300677605cc822e039fc81ce0e5dd8bef1006547627")
    assert render_for_kubelet(digest_not_found(image)) == (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{image}": '
        f'failed to resolve reference "{image}": {image}: not found')


def test_tag_and_digest_resolve_by_digest_only() -> None:
    image = f"quay.io/cilium/operator-generic:v1.11.3@{DIGEST}"
    assert f'image "quay.io/cilium/operator-generic@{DIGEST}"' in tag_not_found(image).text


def test_private_harbor_project_without_credentials_is_insufficient_scope_on_crictl() -> None:
    failure = access_denied_bearer("yhub.ssl.ysten.com/kube/pause:3.5")
    assert f"rpc error: code = {failure.code} desc = {failure.text}" == (
        'rpc error: code = Unknown desc = failed to pull and unpack image '
        '"yhub.ssl.ysten.com/kube/pause:3.5": failed to resolve reference '
        '"yhub.ssl.ysten.com/kube/pause:3.5": pull access denied, repository does not exist '
        'or may require authorization: server message: insufficient_scope: authorization failed')


def test_private_ghcr_package_anonymously_is_a_refused_anonymous_token() -> None:
    image = "ghcr.io/nloui/paperless-mcp:latest"
    error = render_for_kubelet(anonymous_token_refused(image, "403 Forbidden"))
    assert msg_failed_pull(image, error) == (
        'Failed to pull image "ghcr.io/nloui/paperless-mcp:latest": failed to pull and unpack '
        'image "ghcr.io/nloui/paperless-mcp:latest": failed to resolve reference '
        '"ghcr.io/nloui/paperless-mcp:latest": failed to authorize: failed to fetch anonymous '
        'token: unexpected status from GET request to https://ghcr.io/token?scope=repository'
        '%3Anloui%2Fpaperless-mcp%3Apull&service=ghcr.io: 403 Forbidden')


@pytest.mark.parametrize(("profile", "basic"), [
    (CURRENT, "pull access denied, repository does not exist or may require authorization: "
              "authorization failed: no basic auth credentials"),
    (NEWEST, "pull access denied, repository does not exist or may require authorization: "
             "authorization failed: no basic auth credentials"),
    (CLASSIC, "pulling from host reg.example.com:5000 failed with status code [manifests 1.0]: "
              "401 Unauthorized"),
    (replace(CONTAINERD_17, containerd=(1, 7, 5)),
     "unexpected status from HEAD request to https://reg.example.com:5000/v2/team/app/manifests/"
     "1.0: 401 Unauthorized"),
])
def test_basic_auth_registry_without_credentials_depends_on_containerd(
        profile: RuntimeProfile, basic: str) -> None:
    ref = "reg.example.com:5000/team/app:1.0"
    assert access_denied_basic(ref, profile).text == (
        f'failed to pull and unpack image "{ref}": failed to resolve reference "{ref}": {basic}')


def test_wrong_docker_hub_password_fails_at_the_token_endpoint() -> None:
    inner = oauth_token_refused("docker/welcome-to-docker").text
    assert inner.endswith(
        'failed to resolve reference "docker.io/docker/welcome-to-docker:latest": failed to '
        "authorize: failed to fetch oauth token: unexpected status from GET request to "
        "https://auth.docker.io/token?scope=repository%3Adocker%2Fwelcome-to-docker%3Apull"
        "&service=registry.docker.io: 401 Unauthorized")


def test_old_containerd_token_errors_carry_only_the_status() -> None:
    assert oauth_token_refused("user/app", profile=CLASSIC).text.endswith(
        "failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized")


def test_wrong_password_on_a_basic_registry_reports_the_manifest_401() -> None:
    ref = "registry.local:5000/team/app:2"
    assert basic_wrong_password(ref).text.endswith(
        f'failed to resolve reference "{ref}": unexpected status from HEAD request to '
        "https://registry.local:5000/v2/team/app/manifests/2: 401 Unauthorized")


class _Registry:
    def __init__(self, auth: str) -> None:
        self.auth = auth


def test_wrong_credentials_follow_the_registrys_auth_scheme() -> None:
    assert "unexpected status from HEAD" in wrong_credentials("r.io/a:1", _Registry("basic")).text
    assert "fetch oauth token" in wrong_credentials("r.io/a:1", _Registry("bearer")).text


def test_containerd_14_status_wording_matches_the_2020_report() -> None:
    image = "gcr.io/danny-239313/ingresscontroller:v0.1.0"
    error = render_for_kubelet(basic_wrong_password(image, CONTAINERD_14), CONTAINERD_14)
    assert msg_failed_pull(image, error) == (
        'Failed to pull image "gcr.io/danny-239313/ingresscontroller:v0.1.0": rpc error: code = '
        'Unknown desc = failed to pull and unpack image "gcr.io/danny-239313/ingresscontroller:'
        'v0.1.0": failed to resolve reference "gcr.io/danny-239313/ingresscontroller:v0.1.0": '
        "unexpected status code [manifests v0.1.0]: 401 Unauthorized")


def test_token_url_escapes_nested_paths_and_service_urls() -> None:
    assert token_url("ghcr.io/kubestellar/kubestellar/core-chart:1") == (
        "https://ghcr.io/token?scope=repository%3Akubestellar%2Fkubestellar%2Fcore-chart"
        "%3Apull&service=ghcr.io")
    image = "registry.jujucharms.com/charm/b370bfzj7fqgsh1qaywdz04w5n6z835nu8kzg/dashboard-image"
    failure = oauth_token_refused(
        image, "401 UNAUTHORIZED", realm="https://api.charmhub.io/v1/tokens/docker-registry",
        service="https://registry.jujucharms.com/", profile=TRANSFER_SERVICE_PROFILE)
    assert failure.text.endswith(
        "failed to resolve image: failed to authorize: failed to fetch oauth token: unexpected "
        "status from GET request to https://api.charmhub.io/v1/tokens/docker-registry?scope="
        "repository%3Acharm%2Fb370bfzj7fqgsh1qaywdz04w5n6z835nu8kzg%2Fdashboard-image%3Apull"
        "&service=https%3A%2F%2Fregistry.jujucharms.com%2F: 401 UNAUTHORIZED")


def test_other_manifest_statuses_show_only_the_status_line() -> None:
    assert manifest_status("quay.io/org/repo:4.3.0", "401 UNAUTHORIZED").text.endswith(
        "unexpected status from HEAD request to https://quay.io/v2/org/repo/manifests/4.3.0: "
        "401 UNAUTHORIZED")
    with pytest.raises(RenderError):
        manifest_status("quay.io/org/repo:1", "Unauthorized")


def test_platform_mismatch_has_no_resolve_stage() -> None:
    image = "foundationdb/fdb-kubernetes-operator:v2.6.0"
    error = render_for_kubelet(no_platform_match(image), CURRENT)
    assert msg_failed_pull(image, error) == (
        'Failed to pull image "foundationdb/fdb-kubernetes-operator:v2.6.0": rpc error: code = '
        'NotFound desc = failed to pull and unpack image "docker.io/foundationdb/'
        'fdb-kubernetes-operator:v2.6.0": no match for platform in manifest: not found')


def test_platform_mismatch_through_the_transfer_service_names_the_index() -> None:
    failure = no_platform_match("nginx:1", DIGEST, TRANSFER_SERVICE_PROFILE)
    assert render_for_kubelet(failure, TRANSFER_SERVICE_PROFILE) == (
        "rpc error: code = NotFound desc = get image config descriptor: no match for platform "
        f"in manifest {DIGEST}: not found")
    with pytest.raises(RenderError):
        no_platform_match("nginx:1", None, TRANSFER_SERVICE_PROFILE)


def test_rate_limit_on_old_containerd_matches_the_2022_report() -> None:
    image = f"index.docker.io/jaegertracing/all-in-one@{DIGEST}"
    error = render_for_kubelet(rate_limited(image, DIGEST, profile=CLASSIC), CLASSIC)
    assert msg_failed_pull(image, error) == (
        f'Failed to pull image "{image}": rpc error: code = Unknown desc = failed to pull and '
        f'unpack image "docker.io/jaegertracing/all-in-one@{DIGEST}": failed to copy: '
        "httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/"
        f"jaegertracing/all-in-one/manifests/{DIGEST}: 429 Too Many Requests - Server message: "
        "toomanyrequests: You have reached your pull rate limit. You may increase the limit by "
        "authenticating and upgrading: https://www.docker.com/increase-rate-limit")


def test_rate_limit_on_containerd_213_puts_the_registry_error_on_a_new_line() -> None:
    failure = rate_limited("nginx:1.27", DIGEST)
    assert failure.text.endswith(
        "failed to copy: httpReadSeeker: failed open: unexpected status from GET request to "
        f"https://registry-1.docker.io/v2/library/nginx/manifests/{DIGEST}: 429 Too Many "
        "Requests\ntoomanyrequests: You have reached your unauthenticated pull rate limit. "
        "https://www.docker.com/increase-rate-limit")
    assert render_for_kubelet(failure) == failure.text  # Unknown: no prefix


def test_rate_limit_refuses_a_malformed_digest() -> None:
    with pytest.raises(RenderError):
        rate_limited("nginx:1", "sha256:abc")


def test_dns_failure_names_the_node_resolver() -> None:
    failure = registry_unreachable("registry.k8s.io/pause:3.10", "dns", resolver="192.168.98.2")
    assert failure.text == (
        'failed to pull and unpack image "registry.k8s.io/pause:3.10": failed to resolve '
        'reference "registry.k8s.io/pause:3.10": failed to do request: Head "https://'
        'registry.k8s.io/v2/pause/manifests/3.10": dial tcp: lookup registry.k8s.io on '
        "192.168.98.2:53: no such host")


def test_dial_timeout_is_unknown_before_containerd_17_and_deadline_exceeded_after() -> None:
    old = registry_unreachable("busybox:1.36.1", "timeout", profile=CLASSIC)
    assert old.code == "Unknown"
    assert render_for_kubelet(old, CLASSIC).startswith(
        'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/'
        'busybox:1.36.1": failed to resolve reference "docker.io/library/busybox:1.36.1": failed '
        'to do request: Head "https://registry-1.docker.io/v2/library/busybox/manifests/1.36.1":'
        " dial tcp ")
    assert old.text.endswith(":443: i/o timeout")
    assert registry_unreachable("busybox:1.36.1", "timeout").code == "DeadlineExceeded"


def test_containerd_1x_mangles_percent_escapes_of_non_unknown_errors() -> None:
    failure = registry_unreachable("redis", "timeout", at_token_endpoint=True,
                                   profile=CONTAINERD_17)
    assert failure.code == "DeadlineExceeded"
    assert ('failed to fetch anonymous token: Get "https://auth.docker.io/token?scope=repository'
            '%!A(MISSING)library%!F(MISSING)redis%!A(MISSING)pull&service=registry.docker.io": '
            "dial tcp ") in failure.text


def test_containerd_2026_releases_redact_token_url_queries_in_transport_errors() -> None:
    assert ('Get "https://auth.docker.io/token?scope=%5BREDACTED%5D&service=%5BREDACTED%5D": '
            "dial tcp ") in registry_unreachable("redis", "timeout", at_token_endpoint=True).text
    current = registry_unreachable("redis", "timeout", at_token_endpoint=True, profile=CURRENT)
    assert "scope=repository%3Alibrary%2Fredis%3Apull" in current.text


@pytest.mark.parametrize(("kind", "tail"), [
    ("refused", "dial tcp [::1]:5050: connect: connection refused"),
    ("http", "http: server gave HTTP response to HTTPS client"),
])
def test_local_registry_transport_errors(kind: UnreachableKind, tail: str) -> None:
    text = registry_unreachable("localhost:5050/myapp:0.7.4", kind).text
    assert text.endswith(
        f'failed to do request: Head "https://localhost:5050/v2/myapp/manifests/0.7.4": {tail}')


def test_dial_addresses_are_deterministic_documentation_addresses() -> None:
    first = registry_unreachable("quay.io/a/b:1", "connect_timeout").text
    assert first == registry_unreachable("quay.io/a/b:1", "connect_timeout").text
    assert "dial tcp 203.0.113." in first and first.endswith(":443: connect: connection timed out")
    with pytest.raises(RenderError):
        registry_unreachable("quay.io/a/b:1", "cosmic-rays")  # type: ignore[arg-type]


def test_cancelled_download_is_canceled_and_keeps_its_prefix() -> None:
    failure = pull_canceled("registry.mydomain/csg/idrac_to_kafka:20250428T1620", DIGEST)
    assert render_for_kubelet(failure) == (
        'rpc error: code = Canceled desc = failed to pull and unpack image "registry.mydomain/'
        'csg/idrac_to_kafka:20250428T1620": failed to copy: httpReadSeeker: failed open: failed '
        'to do request: Get "https://registry.mydomain/v2/csg/idrac_to_kafka/blobs/'
        f'{DIGEST}": context canceled')


def test_containerd_14_spelled_the_seeker_differently() -> None:
    assert "httpReaderSeeker: failed open" in pull_canceled("a.io/b:1", DIGEST, CONTAINERD_14).text


# --- the kubelet's aggregate of several credentials -------------------------------------------


@pytest.mark.parametrize(("errors", "text"), [
    (["a"], "a"),
    (["a", "b"], "[a, b]"),
    (["a", "a"], "a"),
    (["a", "b", "a"], "[a, b]"),
])
def test_aggregate_follows_utilerrors(errors: list[str], text: str) -> None:
    assert aggregate(errors) == text


def test_aggregate_refuses_an_empty_list() -> None:
    with pytest.raises(RenderError):
        aggregate([])
    with pytest.raises(RenderError):
        aggregate_failures([])


def test_each_credentials_failure_is_rendered_before_aggregating() -> None:
    both = aggregate_failures([PullFailure("Unknown", "first"), PullFailure("Unknown", "second")])
    assert render_for_kubelet(both, NEWEST) == "[first, second]"
    assert render_for_kubelet(both, CLASSIC) == (
        "[rpc error: code = Unknown desc = first, rpc error: code = Unknown desc = second]")
    assert aggregate_failures(["only"]) == PullFailure("Unknown", "only")


def test_registry_unavailable_errors_are_reclassified() -> None:
    assert classify_pull_error("nginx:latest", "RegistryUnavailable: down") == (
        "RegistryUnavailable", "image pull failed for nginx:latest because the registry is "
                               "unavailable: down")
    assert classify_pull_error("nginx:latest", "SignatureValidationFailed") == (
        "SignatureValidationFailed", "image pull failed for nginx:latest because the signature "
                                     "validation failed")
    assert classify_pull_error("nginx:latest", "boom") == ("ErrImagePull", "boom")


# --- event messages (KUBERNETES.md §4) --------------------------------------------------------


def test_pulled_message_of_kubelet_130_and_later() -> None:
    assert msg_pulled("nginx:1.25", 1.2345, 1.2349, 70988027) == (
        'Successfully pulled image "nginx:1.25" in 1.234s (1.234s including waiting). '
        "Image size: 70988027 bytes.")
    assert msg_pulled("quay.io/gitops-cookbook/music:1.0.0", 0.7159, 0.7151, 94836428) == (
        'Successfully pulled image "quay.io/gitops-cookbook/music:1.0.0" in 715ms (715ms '
        "including waiting). Image size: 94836428 bytes.")


def test_pulled_message_of_older_kubelets_is_untruncated() -> None:
    old = RuntimeProfile("k8s-1.27", (1, 27), (1, 27), (1, 7, 13))
    assert msg_pulled("x:1", 32.341313682, 32.341329515, 5, old) == (
        'Successfully pulled image "x:1" in 32.341313682s (32.341329515s including waiting)')
    assert msg_pulled("nginx", 49.657983991, 50, 5, replace(old, kubelet=(1, 19))) == (
        'Successfully pulled image "nginx" in 49.657983991s')


def test_pulled_message_refuses_a_negative_size() -> None:
    with pytest.raises(RenderError):
        msg_pulled("x:1", 1, 1, -1)


@pytest.mark.parametrize(("message", "text"), [
    (msg_pulling("nginx:1.25"), 'Pulling image "nginx:1.25"'),
    (msg_already_present("nginx:1.27", True),
     'Container image "nginx:1.27" already present on machine and can be accessed by the pod'),
    (msg_already_present("nginx:1.27", False), 'Container image "nginx:1.27" already present on '
                                                "machine"),
    (msg_backoff("nginx:nope"), 'Back-off pulling image "nginx:nope"'),
    (msg_never_pull("app:1"), 'Container image "app:1" is not present with pull policy of Never'),
    (msg_error("ErrImagePull"), "Error: ErrImagePull"),
    (msg_error("ImagePullBackOff"), "Error: ImagePullBackOff"),
    (msg_scheduled("s10", "lifecycle-running", "devops-heros-worker"),
     "Successfully assigned s10/lifecycle-running to devops-heros-worker"),
    (msg_failed_secrets(["a", "b"]), "Unable to retrieve some image pull secrets (a, b); "
                                     "attempting to pull the image may not succeed."),
    (backoff_status_message("x:1", "ErrImagePull", "boom"),
     'Back-off pulling image "x:1": ErrImagePull: boom'),
    (backoff_status_message("x:1"), 'Back-off pulling image "x:1"'),
])
def test_event_messages_are_exact(message: str, text: str) -> None:
    assert message == text


def test_images_are_quoted_like_go() -> None:
    assert msg_pulling('we"ird\tname') == r'Pulling image "we\"ird\tname"'


INVALID = ("/cloudfoundry/75f129a0-d8c9-415a-9a8a-f514002f1459:"
           "a28a05709747165a9c25c14f1b77d5c4db260d48")


@pytest.mark.parametrize("parse_error", [
    "invalid reference format",
    f'couldn\'t parse image name "{INVALID}": invalid reference format',
])
def test_invalid_name_message_wraps_the_parse_error_once(parse_error: str) -> None:
    assert msg_invalid_name(INVALID, parse_error) == (
        f'Failed to apply default image tag "{INVALID}": couldn\'t parse image name '
        f'"{INVALID}": invalid reference format')


@pytest.mark.parametrize(("profile", "word"), [
    ("newest", "name"), ("current", "name"), ("classic", "reference"),
])
def test_invalid_name_says_image_name_since_kubelet_1_28(profile: str, word: str) -> None:
    """Since 1.28 applyDefaultImageTag (pkg/kubelet/images/image_manager.go) returns
    ParseImageName's `couldn't parse image name %q: %v` (pkg/util/parsers/parsers.go); 1.27 and
    before wrapped the parse error itself as `couldn't parse image reference %q: %v`."""
    assert msg_invalid_name(INVALID, "invalid reference format", profile) == (
        f'Failed to apply default image tag "{INVALID}": couldn\'t parse image {word} '
        f'"{INVALID}": invalid reference format')


@pytest.mark.parametrize("bad", [[], "a", [""]])
def test_failed_secrets_needs_secret_names(bad: Any) -> None:
    with pytest.raises(RenderError):
        msg_failed_secrets(bad)


def test_failed_scheduling_sorts_reasons_as_whole_strings() -> None:
    assert msg_failed_scheduling(4, {"Insufficient memory": 2, "Insufficient cpu": 1,
                                     "node(s) had untolerated taint(s)": 1}) == (
        "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s), "
        "2 Insufficient memory. preemption: 0/4 nodes are available: 4 Preemption is not "
        "helpful for scheduling.")


def test_failed_scheduling_edge_cases() -> None:
    assert msg_failed_scheduling(0, {}) == "no nodes available to schedule pods"
    assert msg_failed_scheduling(2, {}) == (
        "0/2 nodes are available: preemption: 0/2 nodes are available: 2 Preemption is not "
        "helpful for scheduling.")
    long = msg_failed_scheduling(1, {"x" * 2000: 1})
    assert len(long) == 1024 and long.endswith(" ...")
    for bad in ({"r": 0}, {"r": True}, {"": 1}):
        with pytest.raises(RenderError):
            msg_failed_scheduling(1, bad)


@pytest.mark.parametrize(("profile", "created", "started"), [
    (CLASSIC, "Created container web", "Started container web"),
    (CURRENT, "Created container: web", "Started container web"),
    (NEWEST, "Container created", "Container started"),
    ("newest", "Container created", "Container started"),
    (replace(CLASSIC, kubelet=(1, 13)), "Created container", "Started container"),
])
def test_created_and_started_follow_the_kubelet_version(
        profile: RuntimeProfile | str, created: str, started: str) -> None:
    assert msg_created("web", profile) == created
    assert msg_started("web", profile) == started


def test_builders_accept_a_parsed_reference_and_a_profile_name() -> None:
    from sandbox.engine.reference import parse_reference

    assert tag_not_found(parse_reference("nginx"), "classic") == tag_not_found("nginx:latest",
                                                                               CLASSIC)
    assert "docker.io/library/nginx:latest: not found" in tag_not_found("nginx").text
