"""Resolving with HEAD, fetching only what the node lacks, and ghcr.io's token refusals (issue 12,
items 3 and 6).

Each scenario is written as an instructor would write it and followed through `simulate`: the
pod's events, the pull's error text and its registry exchange (`Pull.exchanges`).
"""

from __future__ import annotations

import textwrap

import pytest

from sandbox.engine import ManifestError, load_manifests, load_scenario, simulate
from sandbox.engine.trace import Pull, Trace
from sandbox.engine.world import Registry, Scenario

HUB_LIMIT_MESSAGE = ("toomanyrequests: You have reached your unauthenticated pull rate limit. "
                     "https://www.docker.com/increase-rate-limit")


def pod(image: str, policy: str = "Always", name: str = "web", extra: str = "") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n"
            f"  nodeName: node-1\n{extra}  containers:\n"
            f"    - {{name: app, image: \"{image}\", imagePullPolicy: {policy}}}\n---\n")


def run(manifest: str, world: Scenario) -> Trace:
    return simulate(load_manifests(manifest), world)


def reasons(trace: Trace, name: str = "web") -> list[str]:
    return [e.reason for e in trace.events if e.pod == f"default/{name}"]


def failed_pull(trace: Trace, name: str = "web") -> str:
    return next(e.message for e in trace.events
                if e.pod == f"default/{name}" and e.message.startswith("Failed to pull image"))


def requests(pull: Pull) -> list[str]:
    return [e.request for e in pull.exchanges]


def gets_to_registry(pull: Pull) -> list[str]:
    return [e.request for e in pull.exchanges
            if e.actor == "registry" and e.request.startswith("GET ")]


def hub_world(*, images: str = '["nginx:1.25"]', rate_limited: bool = True,
              repositories: str = "") -> Scenario:
    return load_scenario(f"""\
name: cached under a rate limit
nodes:
  - name: node-1
    images: {images}
registries:
  - host: docker.io
    rateLimited: {str(rate_limited).lower()}
{textwrap.indent(repositories, "    ")}
""")


# --- item 3: HEAD to resolve, fetch only what is missing ------------------------------------------


def test_always_on_a_cached_unchanged_image_resolves_with_head_and_survives_a_rate_limit() -> None:
    """containerd resolves the tag with HEAD (`core/remotes/docker/resolver.go`, `Resolve`: the
    request is built with `http.MethodHead`; GET only after a 405 in `retryRequest` or when the
    answer has no digest), and Docker Hub does not count HEAD requests toward its pull rate limit
    (docker/docs `content/manuals/docker-hub/usage/pulls.md`: "Using GET emulates a real pull and
    counts towards the limit. Using HEAD won't."; RUNTIME.md §6). The node already has that
    manifest, so nothing else is requested and the pull succeeds; the kubelet still reports
    Pulling/Pulled for Always (`pkg/kubelet/images/image_manager.go`; KUBERNETES.md §3).
    """
    trace = run(pod("nginx:1.25"), hub_world())
    assert trace.pods[0].status == "Running"
    assert reasons(trace)[:2] == ["Pulling", "Pulled"]
    pulled = next(e.message for e in trace.events if e.reason == "Pulled")
    assert pulled.startswith('Successfully pulled image "nginx:1.25" in ')
    assert pulled.endswith("Image size: 70983595 bytes.")
    (pull,) = trace.pulls
    assert pull.outcome == "pulled" and pull.bytes == 0 and pull.error is None
    assert requests(pull) == ["HEAD /v2/library/nginx/manifests/1.25",
                              "GET token?scope=repository:library/nginx:pull (anonymous)",
                              "HEAD /v2/library/nginx/manifests/1.25"]
    assert pull.exchanges[-1].response.startswith("200 OK (sha256:")
    assert all("429" not in e.response for e in pull.exchanges)
    assert all(layer.state == "present" for layer in pull.layers)
    step = next(s.text for s in trace.steps if s.flow == "pull" and "nothing to download" in s.text)
    assert "a HEAD request" in step


def test_a_pull_fetches_no_manifest_or_blob_the_node_already_has() -> None:
    """`remotes.FetchHandler` skips content already present: `remotes.Fetch` opens a content
    writer, the local store's `Writer` answers `ErrAlreadyExists` for a stored digest
    (containerd `plugins/content/local/store.go`) and `FetchHandler` returns without fetching
    (`core/remotes/handlers.go`). Without a rate limit the exchange is the same short one.
    """
    trace = run(pod("nginx:1.25"), hub_world(rate_limited=False))
    (pull,) = trace.pulls
    assert gets_to_registry(pull) == []
    assert pull.outcome == "pulled"


def test_a_first_pull_still_fetches_index_manifest_and_config() -> None:
    """Nothing stored: HEAD resolves, then the index, the platform manifest and the config are
    fetched by digest (containerd `core/remotes/docker/fetcher.go`, `Fetch` of each descriptor).
    """
    trace = run(pod("nginx:1.25", policy="IfNotPresent"), hub_world(images="[]",
                                                                    rate_limited=False))
    (pull,) = trace.pulls
    gets = gets_to_registry(pull)
    assert [g.split("/")[-2] for g in gets] == ["manifests", "manifests", "blobs"]
    assert [e.response for e in pull.exchanges if e.request in gets] == [
        "200 OK (index)", "200 OK (manifest)", "200 OK (config)"]


def test_a_real_new_pull_under_a_rate_limit_still_gets_toomanyrequests() -> None:
    """A manifest the node lacks must be fetched with GET, which Docker Hub counts and refuses
    with 429 (RUNTIME.md §6; containerd `core/remotes/docker/fetcher.go`, the error of a failed
    open joined to the registry's error on a new line since 2.1.3). nginx:1.26 shares a layer
    with the cached nginx:1.25, but its index is new.
    """
    trace = run(pod("nginx:1.26"), hub_world())
    error = failed_pull(trace).split(": ", 1)[1]
    assert error.startswith('failed to pull and unpack image "docker.io/library/nginx:1.26": '
                            "failed to copy: httpReadSeeker: failed open: unexpected status "
                            "from GET request to https://registry-1.docker.io/v2/library/"
                            "nginx/manifests/sha256:")
    assert error.endswith(f": 429 Too Many Requests\n{HUB_LIMIT_MESSAGE}")
    (first, *_) = trace.pulls
    assert first.exchanges[-1].response == "429 Too Many Requests"
    assert first.exchanges[-2].request.startswith("HEAD ")


def test_always_after_the_tag_moved_under_a_rate_limit_gets_toomanyrequests() -> None:
    """The tag now resolves (HEAD, free) to a digest the node does not have, so the manifest GET
    is needed and is refused (containerd `core/remotes/docker/resolver.go` then
    `core/remotes/handlers.go`: only stored content is skipped).
    """
    repositories = """\
repositories:
  team/app:
    images:
      build-1: {layers: [{id: base, size: 10MB}, {id: app-1, size: 1MB}]}
      build-2: {layers: [{id: base, size: 10MB}, {id: app-2, size: 1MB}]}
    tags: {v1: build-2}
"""
    world = hub_world(images="[{ref: team/app:v1, image: build-1}]", repositories=repositories)
    trace = run(pod("team/app:v1"), world)
    assert trace.pods[0].status in ("ErrImagePull", "ImagePullBackOff")
    assert failed_pull(trace).endswith(f": 429 Too Many Requests\n{HUB_LIMIT_MESSAGE}")
    assert trace.pulls[0].bytes == 0


def test_the_content_store_is_shared_by_name_and_digest() -> None:
    """containerd's content store is keyed by digest (`plugins/content/local/store.go`,
    `blobPath`): pulling the cached index by digest fetches nothing, even under the limit.
    """
    first = run(pod("nginx:1.25"), hub_world())
    digest = first.pulls[0].digest
    assert digest is not None
    trace = run(pod(f"nginx@{digest}"), hub_world())
    (pull,) = trace.pulls
    assert pull.outcome == "pulled" and gets_to_registry(pull) == []
    assert requests(pull)[-1] == f"HEAD /v2/library/nginx/manifests/{digest}"


# --- item 6: ghcr.io answers token requests with 403 ------------------------------------------


def ghcr_world(*, extra: str = "", node: str = "", host: str = "ghcr.io",
               profile: str = "newest") -> Scenario:
    return load_scenario(f"""\
name: ghcr
profile: {profile}
nodes:
  - name: node-1
{textwrap.indent(node, "    ")}
registries:
  - host: {host}
    accounts: [{{username: octocat, password: ghp_right}}]
{textwrap.indent(extra, "    ")}
    repositories:
      acme/public-app:
        images: {{build-1: {{layers: [{{id: app, size: 5MB}}]}}}}
        tags: {{v1: build-1}}
      acme/private-app:
        private: true
        images: {{build-1: {{layers: [{{id: app, size: 5MB}}]}}}}
        tags: {{v1: build-1}}
""")


def ghcr_refusal(image: str, who: str, path: str, host: str = "ghcr.io") -> str:
    scope = path.replace("/", "%2F")
    return (f'Failed to pull image "{image}": failed to pull and unpack image "{image}": '
            f'failed to resolve reference "{image}": failed to authorize: failed to fetch {who} '
            f"token: unexpected status from GET request to https://{host}/token?scope="
            f"repository%3A{scope}%3Apull&service={host}: 403 Forbidden")


def test_ghcr_anonymous_token_request_is_forbidden() -> None:
    """ghcr.io refuses the anonymous token for a private package with 403 (RUNTIME.md §3,
    observed in nloui/paperless-mcp#10). containerd `core/remotes/docker/authorizer.go`
    (`fetchToken`) wraps the failure as `failed to fetch anonymous token: %w`, the caller adds
    `failed to authorize: `, and `auth/fetch.go` `FetchToken` returns
    `remotes/errors.ErrUnexpectedStatus` (`unexpected status from GET request to <url>: <status>`).
    """
    image = "ghcr.io/acme/private-app:v1"
    trace = run(pod(image), ghcr_world())
    assert failed_pull(trace) == ghcr_refusal(image, "anonymous", "acme/private-app")
    (pull, *_) = trace.pulls
    token = [e for e in pull.exchanges if e.actor == "auth"]
    assert [(e.request, e.response) for e in token] == [
        ("GET token?scope=repository:acme/private-app:pull (anonymous)", "403 Forbidden")]
    assert "insufficient_scope" not in " ".join(e.response for e in pull.exchanges)
    assert trace.pods[0].status in ("ErrImagePull", "ImagePullBackOff")


def test_ghcr_missing_repository_is_forbidden_like_a_private_one() -> None:
    """A package that does not exist looks private on ghcr.io (RUNTIME.md §3); same containerd
    path as above (`core/remotes/docker/authorizer.go`, `fetchToken`).
    """
    image = "ghcr.io/acme/nothing-here:v1"
    trace = run(pod(image), ghcr_world())
    assert failed_pull(trace) == ghcr_refusal(image, "anonymous", "acme/nothing-here")


def test_ghcr_wrong_token_is_forbidden_at_the_token_endpoint() -> None:
    """With credentials containerd asks for an oauth token and wraps the failure as
    `failed to fetch oauth token: %w`; the POST is retried as GET on 400/401/404 (405 with a
    username), so the GET's 403 is what shows (containerd `core/remotes/docker/authorizer.go`
    `fetchToken`; ghcr's 403 observed via helm, RUNTIME.md §4).
    """
    image = "ghcr.io/acme/private-app:v1"
    node = "credentials: {ghcr.io: {username: octocat, password: ghp_wrong}}"
    trace = run(pod(image), ghcr_world(node=node))
    assert failed_pull(trace) == ghcr_refusal(image, "oauth", "acme/private-app")
    (pull, *_) = trace.pulls
    assert [e.response for e in pull.exchanges if e.actor == "auth"] == ["403 Forbidden"]


def test_ghcr_right_token_and_public_packages_pull() -> None:
    """A valid token, or an anonymous token for a public package, is granted
    (`core/remotes/docker/authorizer.go`); a missing tag of a public package is `not found`
    (RUNTIME.md §2, the ghcr.io example; `core/remotes/docker/resolver.go`, 404 on the HEAD).
    """
    node = "credentials: {ghcr.io: {username: octocat, password: ghp_right}}"
    private = run(pod("ghcr.io/acme/private-app:v1"), ghcr_world(node=node))
    public = run(pod("ghcr.io/acme/public-app:v1"), ghcr_world())
    assert private.pods[0].status == public.pods[0].status == "Running"
    missing = run(pod("ghcr.io/acme/public-app:v9"), ghcr_world())
    assert failed_pull(missing).endswith(
        '"ghcr.io/acme/public-app:v9": ghcr.io/acme/public-app:v9: not found')


def test_ghcr_refusal_in_the_classic_profile_has_no_url() -> None:
    """containerd <= 1.6.24 printed `ErrUnexpectedStatus` as `unexpected status: <status>`
    (containerd `remotes/errors/errors.go` before the method and URL were added; RUNTIME.md §2).
    """
    image = "ghcr.io/acme/private-app:v1"
    trace = run(pod(image), ghcr_world(profile="classic"))
    assert failed_pull(trace).endswith(
        "failed to authorize: failed to fetch anonymous token: unexpected status: 403 Forbidden")


def test_flavour_ghcr_makes_any_host_answer_as_ghcr() -> None:
    """The scenario field `flavour: ghcr` (docs/scenarios.md) gives another host ghcr's token
    service; the text is containerd's as above (`core/remotes/docker/authorizer.go`).
    """
    image = "ghcr.mirror.example/acme/private-app:v1"
    trace = run(pod(image), ghcr_world(host="ghcr.mirror.example", extra="flavour: ghcr"))
    assert failed_pull(trace) == ghcr_refusal(image, "anonymous", "acme/private-app",
                                              host="ghcr.mirror.example")


def test_flavour_distribution_on_ghcr_io_answers_with_insufficient_scope() -> None:
    """`flavour: distribution` overrides the host's default: the token is granted without pull
    access and the manifest request fails with `insufficient_scope` (containerd
    `core/remotes/docker/resolver.go`: `pull access denied, ...` around `ErrInvalidAuthorization`).
    """
    image = "ghcr.io/acme/private-app:v1"
    trace = run(pod(image), ghcr_world(extra="flavour: distribution"))
    assert failed_pull(trace).endswith(
        "pull access denied, repository does not exist or may require authorization: "
        "server message: insufficient_scope: authorization failed")


def test_a_registry_flavour_defaults_by_host() -> None:
    """ghcr.io answers as ghcr unless the scenario says otherwise (RUNTIME.md §3)."""
    assert Registry("ghcr.io").behaves_as == "ghcr"
    assert Registry("registry.company.com").behaves_as == "distribution"
    assert Registry("ghcr.io", flavour="distribution").behaves_as == "distribution"


@pytest.mark.parametrize(("extra", "message"), [
    ("flavour: quay", "'quay' is not one of distribution, ghcr"),
    ("flavour: ghcr\nauth: basic", "a ghcr-flavoured registry uses bearer tokens"),
])
def test_scenario_flavour_is_checked(extra: str, message: str) -> None:
    """Scenario validation of the new field (docs/scenarios.md, Registries)."""
    with pytest.raises(ManifestError) as caught:
        ghcr_world(host="registry.company.com", extra=extra)
    assert message in str(caught.value)
