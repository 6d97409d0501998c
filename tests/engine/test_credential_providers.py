"""Kubelet credential provider plugins end to end through `simulate` (KUBERNETES.md §9, §12).

A node's `credentialProviderConfig` names plugins; `credentialProviderPlugins` says what each
answers. The tests read what happened from the trace: pod status, events, each pull's `tried`
usernames, and the `credentials` steps that tell the plugin's story (each run of the plugin,
each cache hit); KEP-2535's records show in the `verify` step of a pod that finds the image.
A pod whose main container must start later than another's has a 2 s init container first.
"""

from __future__ import annotations

import textwrap

import pytest

from sandbox.engine import load_manifests, load_scenario, simulate
from sandbox.engine.credentials import PluginProvider, PodIdentity
from sandbox.engine.problems import ManifestError
from sandbox.engine.trace import Trace
from sandbox.engine.world import Account, CredentialProvider, PluginAnswer, TokenAttributes

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
APP = f"{ECR}/app:v1"


def world(*, plugin: str, duration: str = "12h", tokens: str = "", extra: str = "") -> str:
    """One node with the ecr-credential-provider, a private ECR-like registry and what the
    plugin answers (`plugin`); `tokens` goes into the provider, `extra` at the top level."""
    return "\n".join([
        "name: ECR through a credential provider",
        "nodes:",
        "  - name: node-1",
        "    credentialProviderConfig:",
        "      apiVersion: kubelet.config.k8s.io/v1",
        "      kind: CredentialProviderConfig",
        "      providers:",
        "        - name: ecr-credential-provider",
        "          apiVersion: credentialprovider.kubelet.k8s.io/v1",
        '          matchImages: ["*.dkr.ecr.*.amazonaws.com"]',
        f'          defaultCacheDuration: "{duration}"',
        textwrap.indent(tokens, " " * 10).rstrip(),
        "credentialProviderPlugins:",
        "  ecr-credential-provider:",
        textwrap.indent(plugin, " " * 4).rstrip(),
        "registries:",
        f"  - host: {ECR}",
        "    private: true",
        "    accounts: [{username: AWS, password: ecr-token}]",
        "    repositories:",
        "      app:",
        "        images:",
        "          v1: {layers: [{id: app-1, size: 10MB}]}",
        "        tags: {v1: v1}",
        extra]) + "\n"


ANSWERS = """\
cacheKeyType: Registry
auth:
  "*.dkr.ecr.*.amazonaws.com": {username: AWS, password: ecr-token}
"""


def pod(name: str, *, image: str = APP, policy: str = "IfNotPresent", later: bool = False,
        account: str | None = None) -> str:
    """A pod; `later` gives it an init container so its main container starts 2 s after."""
    lines = [f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:"]
    if account is not None:
        lines.append(f"  serviceAccountName: {account}")
    if later:
        lines.append('  initContainers:\n    - {name: wait, image: "busybox:1.36"}')
    lines.append(f'  containers:\n    - {{name: app, image: "{image}", '
                 f"imagePullPolicy: {policy}}}")
    return "\n".join(lines) + "\n---\n"


def run(scenario: str, *pods: str) -> Trace:
    return simulate(load_manifests("".join(pods)), load_scenario(scenario))


def runs(trace: Trace) -> int:
    """How often the kubelet executed the plugin."""
    return sum("the kubelet runs the plugin" in s.text for s in trace.steps)


def status(trace: Trace, name: str) -> str:
    return next(p.status for p in trace.pods if p.name == name)


def plugin_steps(trace: Trace, name: str) -> list[str]:
    return [s.text for s in trace.steps
            if s.pod == f"default/{name}" and s.text.startswith("Credential provider")]


def test_a_private_registry_is_pulled_with_the_providers_answer_and_no_pull_secret() -> None:
    trace = simulate(load_manifests(pod("web")), load_scenario(world(plugin=ANSWERS)))
    assert status(trace, "web") == "Running"
    pull = next(p for p in trace.pulls if p.image == APP)
    assert (pull.outcome, pull.tried) == ("pulled", ("AWS",))
    texts = [s.text for s in trace.steps if s.flow == "credentials"]
    assert texts[0].startswith("Credential provider ecr-credential-provider: the kubelet runs "
                               f"the plugin for {ECR}/app; it answers for "
                               "*.dkr.ecr.*.amazonaws.com (cacheKeyType Registry)")
    assert texts[1] == (f"Credentials that match {ECR}/app: AWS "
                        "(provider ecr-credential-provider).")
    assert all("ecr-token" not in s.text for s in trace.steps)


def test_a_provider_only_answers_for_images_its_match_images_match() -> None:
    trace = simulate(load_manifests(pod("web", image="busybox:1.36")),
                     load_scenario(world(plugin=ANSWERS)))
    assert plugin_steps(trace, "web") == [
        "Credential provider ecr-credential-provider: docker.io/library/busybox matches none of "
        "its matchImages (*.dkr.ecr.*.amazonaws.com): not asked."]
    assert status(trace, "web") == "Running"


def test_a_provider_that_fails_leaves_the_pull_anonymous_with_the_registrys_wording() -> None:
    failing = world(plugin='error: "NoCredentialProviders: no valid providers in chain"')
    trace = simulate(load_manifests(pod("web")), load_scenario(failing))
    (story,) = plugin_steps(trace, "web")[:1]
    assert story == (
        "Credential provider ecr-credential-provider: the kubelet runs the plugin for "
        f"{ECR}/app, and it fails: error execing credential provider plugin "
        f"ecr-credential-provider for image {ECR}/app: exit status 1: NoCredentialProviders: "
        "no valid providers in chain. The kubelet logs it and goes on without this provider.")
    assert f"No credentials match {ECR}/app: the pull is anonymous." in [
        s.text for s in trace.steps]
    # The same pull as on a node without any provider: the registry's own refusal.
    bare = failing[:failing.index("    credentialProviderConfig:")] + \
        failing[failing.index("credentialProviderPlugins:"):]
    without = simulate(load_manifests(pod("web")), load_scenario(bare))
    failed = [(e.reason, e.message) for e in trace.events if e.type == "Warning"]
    assert failed[:2] == [(e.reason, e.message) for e in without.events
                          if e.type == "Warning"][:2]
    assert failed[1] == ("Failed", "Error: ErrImagePull")
    assert status(trace, "web") in ("ErrImagePull", "ImagePullBackOff")


def test_the_answer_is_cached_across_two_pods_for_the_default_cache_duration() -> None:
    # Pod `first` runs the plugin at 1 s; `second` asks 2 s later: within 30 s it is the cached
    # answer, the plugin runs once; with a 1 s defaultCacheDuration it has expired and runs again.
    pods = (pod("first", policy="Always"), pod("second", policy="Always", later=True))
    trace = run(world(plugin=ANSWERS, duration="30s"), *pods)
    assert runs(trace) == 1
    assert "is still cached under" in plugin_steps(trace, "second")[-1]
    trace = run(world(plugin=ANSWERS, duration="1s"), *pods)
    assert runs(trace) == 2
    assert "the kubelet runs the plugin" in plugin_steps(trace, "second")[-1]
    assert {status(trace, name) for name in ("first", "second")} == {"Running"}


def test_an_answer_with_cache_duration_zero_is_never_cached() -> None:
    pods = (pod("first", policy="Always"), pod("second", policy="Always", later=True))
    trace = run(world(plugin=ANSWERS + 'cacheDuration: "0s"\n'), *pods)
    assert runs(trace) == 2
    assert "not cached (its cacheDuration is 0)" in plugin_steps(trace, "second")[-1]


def test_a_plain_providers_pull_is_recorded_as_usable_by_every_pod_on_the_node() -> None:
    # trackedToImagePullCreds: credentials without a source are node-accessible, so KEP-2535
    # lets a pod with no credentials at all use the image the provider pulled.
    trace = run(world(plugin=ANSWERS), pod("first"), pod("nobody", later=True))
    assert status(trace, "nobody") == "Running"
    assert [s.text for s in trace.steps if s.pod == "default/nobody" and s.flow == "verify"] == [
        "May this pod use the cached image? Yes: it was pulled anonymously or with node "
        "credentials."]


TOKENS = """\
tokenAttributes:
  serviceAccountTokenAudience: sts.amazonaws.com
  requireServiceAccount: true
  requiredServiceAccountAnnotationKeys: [eks.amazonaws.com/role-arn]
  cacheType: ServiceAccount
"""
ACCOUNTS = """\
objects:
  - apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: builder
      uid: builder-uid
      annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/pull"}
  - apiVersion: v1
    kind: ServiceAccount
    metadata: {name: intruder}
"""


def test_a_token_providers_pull_is_recorded_for_the_service_account_only() -> None:
    # KEP-4412 + KEP-2535: `builder` has the annotation the provider requires, so the plugin
    # gets its token and the pull is recorded for default/builder. `intruder` lacks it: no
    # credentials, and IfNotPresent must not hand it the cached image; `colleague` shares
    # builder's account and uses the image without a pull.
    scenario = world(plugin=ANSWERS, tokens=TOKENS, extra=ACCOUNTS)
    trace = run(scenario, pod("builder", account="builder"),
                pod("intruder", account="intruder", later=True),
                pod("colleague", account="builder", later=True))
    assert "with a token of service account default/builder" in plugin_steps(trace, "builder")[0]
    assert status(trace, "builder") == "Running"
    assert status(trace, "colleague") == "Running"
    assert any("it was pulled with a token of the pod's service account builder" in s.text
               for s in trace.steps if s.pod == "default/colleague")
    assert any("it was pulled with credentials this pod does not have" in s.text
               for s in trace.steps if s.pod == "default/intruder")
    assert status(trace, "intruder") in ("ErrImagePull", "ImagePullBackOff")
    assert ("lacks the annotation eks.amazonaws.com/role-arn its tokenAttributes require"
            in plugin_steps(trace, "intruder")[-1])
    pulls = [p for p in trace.pulls if p.pod == "default/intruder" and p.image == APP]
    assert pulls and pulls[0].outcome == "failed" and pulls[0].tried == ()


def test_a_token_cache_is_per_pod_and_a_service_account_cache_per_account() -> None:
    # cacheType Token puts the pod-bound token into the cache key: two pods of one account
    # run the plugin twice; cacheType ServiceAccount shares the answer between them.
    for cache_type, expected in (("ServiceAccount", 1), ("Token", 2)):
        tokens = TOKENS.replace("cacheType: ServiceAccount", f"cacheType: {cache_type}")
        trace = run(world(plugin=ANSWERS, tokens=tokens, extra=ACCOUNTS),
                    pod("one", account="builder", policy="Always"),
                    pod("two", account="builder", policy="Always", later=True))
        assert runs(trace) == expected, cache_type


def test_token_attributes_need_the_feature_gate() -> None:
    # KubeletServiceAccountTokenForCredentialProviders is beta (on) from 1.34: off with the
    # `classic` profile (1.27), where a config with tokenAttributes is refused.
    scenario = world(plugin=ANSWERS, tokens=TOKENS, extra=ACCOUNTS) + "profile: classic\n"
    with pytest.raises(ManifestError) as caught:
        load_scenario(scenario)
    assert [p.message for p in caught.value.problems] == [
        "providers.tokenAttributes: Forbidden: tokenAttributes is not supported when "
        "KubeletServiceAccountTokenForCredentialProviders feature gate is disabled"]


def test_a_service_account_key_past_64_kib_stops_the_plugin_not_the_run() -> None:
    # generateServiceAccountCacheKey's cryptobyte builder refuses a field over 65535 bytes; the
    # kubelet logs it and goes on without the provider's credentials.
    annotation = ("eks.amazonaws.com/role-arn", "x" * 70_000)
    provider = PluginProvider(CredentialProvider(
        "ecr", ("*.dkr.ecr.*.amazonaws.com",), 60.0,
        token_attributes=TokenAttributes("sts", True, "ServiceAccount",
                                         ("eks.amazonaws.com/role-arn",)),
        answer=PluginAnswer(auth=(("*.dkr.ecr.*.amazonaws.com", Account("AWS", "t")),))))
    pod_ = PodIdentity("default", "web", "uid", "builder", "sa-uid", (annotation,))
    provided = provider.provide(f"{ECR}/app", pod_, 0.0)
    assert provided.credentials == ()
    assert provided.story.startswith("Error generating service account cache key: cryptobyte: "
                                     "length overflow")


@pytest.mark.parametrize(("plugin_text", "message"), [
    pytest.param('error: "boom"\ncacheKeyType: Registry', "a plugin that fails answers no "
                 "cacheKeyType", id="an error and an answer"),
    pytest.param("auth: {}", "missing required field 'cacheKeyType'", id="no cacheKeyType"),
    pytest.param("cacheKeyType: Repository", "'Repository' is not one of Image, Registry, Global",
                 id="an unknown cacheKeyType"),
    pytest.param('cacheKeyType: Image\ncacheDuration: "1d"',
                 'time: unknown unit "d" in duration "1d"', id="a duration Go cannot parse"),
])
def test_what_a_plugin_answers_is_checked_too(plugin_text: str, message: str) -> None:
    with pytest.raises(ManifestError) as caught:
        load_scenario(world(plugin=plugin_text))
    assert [p.message for p in caught.value.problems] == [message]
