"""Pasted kubectl commands: the objects they create, kubectl's errors, and the masked dry run."""

from __future__ import annotations

import base64

import pytest

from sandbox.engine.kubectl import (
    DEFAULT_DOCKER_SERVER,
    docker_config_json,
    dry_run_yaml,
    parse_commands,
)
from sandbox.engine.manifests import load_manifests
from sandbox.engine.objects import Manifests
from sandbox.engine.problems import ManifestError, Position, Problem

SECRET = ("kubectl create secret docker-registry regcred --docker-server=registry.example.com "
          "--docker-username=ada --docker-password=hunter22 --docker-email=ada@example.com")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def parsed(text: str) -> Manifests:
    result = parse_commands(text)
    assert result is not None
    return result


def problems(text: str) -> tuple[Problem, ...]:
    with pytest.raises(ManifestError) as caught:
        parse_commands(text)
    return caught.value.problems


def errors(text: str) -> list[Problem]:
    return [p for p in problems(text) if p.severity == "error"]


def only_error(text: str) -> Problem:
    found = errors(text)
    assert len(found) == 1, found
    return found[0]


def config(text: str) -> str:
    """The decoded `.dockerconfigjson` of the only object the command creates."""
    [secret] = parsed(text)
    return base64.b64decode(secret.body["data"][".dockerconfigjson"]).decode()


# --- what counts as commands ---------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "apiVersion: v1\nkind: Pod\n",
    "# kubectl create secret docker-registry x\napiVersion: v1\n",
    "",
    "   \n\n",
    "kubectlx create sa x",
    "kind: Secret  # made with kubectl",
])
def test_text_whose_first_line_is_not_kubectl_is_left_to_the_yaml_reader(text: str) -> None:
    assert parse_commands(text) is None


@pytest.mark.parametrize("text", [
    "# make the secret\n\n" + SECRET,
    "$ " + SECRET,
    "  " + SECRET,
    SECRET.replace(" --", " \\\r\n  --"),
])
def test_commands_may_follow_comments_blank_lines_a_prompt_or_use_crlf(text: str) -> None:
    [secret] = parsed(text)
    assert (secret.kind, secret.name) == ("Secret", "regcred")


# --- create secret docker-registry: the object -------------------------------------------------


def test_docker_registry_secret_is_the_object_load_manifests_reads_from_the_same_yaml() -> None:
    data = b64('{"auths":{"registry.example.com":{"username":"ada","password":"hunter22",'
               '"email":"ada@example.com","auth":"' + b64("ada:hunter22") + '"}}}')
    yaml = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n  namespace: team\n"
            f"type: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {data}\n")
    [expected] = load_manifests(yaml)
    [secret] = parsed(SECRET + " -n team")
    assert secret.body == expected.body
    assert (secret.api_version, secret.kind, secret.name, secret.namespace, secret.labels) == (
        expected.api_version, expected.kind, expected.name, expected.namespace, expected.labels)
    assert secret.position == Position(1, 1)


def test_dockerconfigjson_is_go_json_in_struct_order_with_an_empty_email_omitted() -> None:
    text = config("kubectl create secret docker-registry r --docker-server=quay.io "
                  "--docker-username=ada --docker-password=pw")
    assert text == ('{"auths":{"quay.io":{"username":"ada","password":"pw","auth":"'
                    + b64("ada:pw") + '"}}}')


def test_dockerconfigjson_escapes_html_characters_as_go_does() -> None:
    text = config("kubectl create secret docker-registry r --docker-server=quay.io "
                  "--docker-username=ada --docker-password='<a&b>'")
    assert '"password":"\\u003ca\\u0026b\\u003e"' in text
    assert f'"auth":"{b64("ada:<a&b>")}"' in text


def test_docker_config_json_matches_the_helper_used_for_the_secret() -> None:
    assert config(SECRET) == docker_config_json("registry.example.com", "ada", "hunter22",
                                                "ada@example.com").decode()


def test_docker_server_defaults_to_the_docker_hub_v1_url_with_a_warning() -> None:
    result = parsed("kubectl create secret docker-registry hub --docker-username=ada "
                    "--docker-password=pw")
    assert DEFAULT_DOCKER_SERVER == "https://index.docker.io/v1/"
    assert '{"auths":{"https://index.docker.io/v1/":' in config(
        "kubectl create secret docker-registry hub --docker-username=ada --docker-password=pw")
    [warning] = result.warnings
    assert warning.severity == "warning" and "Docker Hub" in warning.message


@pytest.mark.parametrize("flags", [
    "--docker-username=ada --docker-password=pw --namespace=team",
    "--docker-username ada --docker-password pw --namespace team",
    "--docker-username=ada --docker-password=pw -n team",
    "--docker-username=ada --docker-password=pw -nteam",
    "--docker-username=ada --docker-password=pw -n=team",
    "-n team --docker-password=pw --docker-username ada",
])
def test_flags_are_read_in_every_form_pflag_accepts(flags: str) -> None:
    [secret] = parsed(f"kubectl create secret docker-registry r --docker-server=quay.io {flags}")
    assert secret.namespace == "team"
    assert '"username":"ada","password":"pw"' in config(
        f"kubectl create secret docker-registry r --docker-server=quay.io {flags}")


def test_global_flags_may_come_before_the_command() -> None:
    [secret] = parsed("kubectl -n team --context kind-kind create secret docker-registry r "
                      "--docker-server=quay.io --docker-username=ada --docker-password=pw")
    assert (secret.name, secret.namespace) == ("r", "team")


def test_a_flag_value_may_start_with_a_dash_as_pflag_takes_the_next_argument() -> None:
    assert '"password":"-x"' in config("kubectl create secret docker-registry r "
                                       "--docker-server=q.io --docker-username=a "
                                       "--docker-password -x")


def test_namespace_is_written_only_when_given_as_kubectl_sends_it() -> None:
    [secret] = parsed(SECRET)
    assert secret.namespace is None
    assert secret.body["metadata"] == {"name": "regcred"}


def test_each_object_records_its_command_and_position() -> None:
    first, second = parsed(SECRET + "\n\n$ kubectl create serviceaccount builder -n team")
    assert (first.document, first.position) == (0, Position(1, 1))
    assert (second.document, second.position) == (1, Position(3, 3))


# --- create secret docker-registry: kubectl's errors ---------------------------------------------


def test_missing_name_is_kubectls_exactly_one_name_error() -> None:
    error = only_error("kubectl create secret docker-registry --docker-username=a "
                       "--docker-password=b")
    assert error.message == "error: exactly one NAME is required, got 0"
    assert (error.line, error.column) == (1, 23)


def test_dry_run_with_a_space_makes_a_second_name_and_the_hint_says_why() -> None:
    error = only_error("kubectl create secret docker-registry r --dry-run client "
                       "--docker-username=a --docker-password=b")
    assert error.message == "error: exactly one NAME is required, got 2"
    assert (error.line, error.column) == (1, 51)
    assert error.hint is not None and "--dry-run=client" in error.hint


def test_an_empty_name_is_kubectls_name_must_be_specified() -> None:
    assert only_error("kubectl create secret docker-registry '' --docker-username=a "
                      "--docker-password=b").message == "error: name must be specified"


@pytest.mark.parametrize("flags, missing", [
    ("--docker-password=pw", "--docker-username"),
    ("--docker-username=ada", "--docker-password"),
    ("--docker-username=ada --docker-password=", "--docker-password"),
    ("--docker-username=ada --docker-password=pw --docker-server=", "--docker-server"),
    ("", "--docker-username=…, --docker-password"),
])
def test_missing_credentials_use_kubectls_validate_wording(flags: str, missing: str) -> None:
    error = only_error(f"kubectl create secret docker-registry r {flags}")
    assert error.message == ("error: either --from-file or the combination of --docker-username, "
                             "--docker-password and --docker-server is required")
    assert error.hint is not None and missing in error.hint


@pytest.mark.parametrize("flag, message, column", [
    ("--foo", "error: unknown flag: --foo", 63),
    ("--foo=bar", "error: unknown flag: --foo", 63),
    ("-x", "error: unknown shorthand flag: 'x' in -x", 63),
    ("--docker-pasword=pw", "error: unknown flag: --docker-pasword", 63),
    ("--append-hash=maybe", 'error: invalid argument "maybe" for "--append-hash" flag: '
                            'strconv.ParseBool: parsing "maybe": invalid syntax', 63),
])
def test_bad_flags_use_pflags_wording_and_position(flag: str, message: str, column: int) -> None:
    error = only_error("kubectl create secret docker-registry r --docker-username=ada "
                       f"{flag} --docker-password=pw")
    assert (error.message, error.line, error.column) == (message, 1, column)


def test_a_misspelt_flag_gets_a_did_you_mean() -> None:
    error = only_error("kubectl create secret docker-registry r --docker-pasword=pw")
    assert error.hint == "did you mean --docker-password?"


@pytest.mark.parametrize("end, message", [
    ("--docker-password", "error: flag needs an argument: --docker-password"),
    ("-n", "error: flag needs an argument: 'n' in -n"),
])
def test_a_flag_without_its_value_at_the_end_needs_an_argument(end: str, message: str) -> None:
    assert only_error(f"kubectl create secret docker-registry r --docker-username=a {end}"
                      ).message == message


def test_invalid_dry_run_value_uses_kubectls_wording() -> None:
    assert only_error(SECRET + " --dry-run=yes").message == (
        'error: Invalid dry-run value (yes). Must be "none", "server", or "client".')


@pytest.mark.parametrize("flag", ["--dry-run=client", "--dry-run=server", "--dry-run"])
def test_a_dry_run_still_creates_the_object_and_says_so(flag: str) -> None:
    result = parsed(SECRET + f" {flag} -o yaml")
    assert [obj.name for obj in result] == ["regcred"]
    assert any("--dry-run" in w.message for w in result.warnings)


def test_from_file_is_not_supported_here() -> None:
    error = only_error("kubectl create secret docker-registry r "
                       "--from-file=.dockerconfigjson=/home/ada/.docker/config.json")
    assert error.message == "--from-file is not supported here"
    assert error.column == 41


@pytest.mark.parametrize("name, namespace, paths", [
    ("Regcred", "team", ["metadata.name"]),
    ("regcred", "Team_1", ["metadata.namespace"]),
    ("reg_cred", "a.b", ["metadata.name", "metadata.namespace"]),
])
def test_invalid_names_use_the_api_servers_wording(name: str, namespace: str,
                                                    paths: list[str]) -> None:
    found = errors(f"kubectl create secret docker-registry {name} -n {namespace} "
                   "--docker-username=a --docker-password=b")
    assert [p.path for p in found] == paths
    assert all("Invalid value" in p.message for p in found)


def test_the_same_secret_twice_is_already_exists() -> None:
    error = only_error(SECRET + "\n" + SECRET)
    assert error.message == 'error: failed to create secret secrets "regcred" already exists'
    assert error.line == 2


def test_every_failing_command_is_reported_not_only_the_first() -> None:
    found = errors("kubectl get pods\nkubectl create sa\nkubectl create secret docker-registry x")
    assert [p.line for p in found] == [1, 2, 3]


# --- other kubectl commands ----------------------------------------------------------------------


@pytest.mark.parametrize("command, shown, column", [
    ("kubectl apply -f pod.yaml", "`kubectl apply …`", 9),
    ("kubectl expose pod web --port=80", "`kubectl expose pod …`", 9),
    ("kubectl -n team get pods", "`kubectl get pods …`", 17),
    ("kubectl delete secret regcred", "`kubectl delete secret …`", 9),
    ("kubectl create secret generic x --from-literal=a=b", "`kubectl create secret generic …`",
     9),
    ("kubectl create job once --image=busybox", "`kubectl create job …`", 9),
    ("kubectl", "`kubectl` alone", 1),
])
def test_other_kubectl_commands_are_not_supported_with_what_is(command: str, shown: str,
                                                               column: int) -> None:
    error = only_error(command)
    assert error.message.startswith(shown) and "is not supported here" in error.message
    assert error.hint is not None and "kubectl create secret docker-registry" in error.hint
    assert (error.line, error.column) == (1, column)


def test_a_line_that_is_not_kubectl_is_reported() -> None:
    error = only_error(SECRET + "\ndocker login quay.io")
    assert (error.message, error.line, error.column) == (
        "this line is not a kubectl command", 2, 1)


def test_a_forgotten_backslash_is_reported_without_echoing_the_password() -> None:
    found = errors("kubectl create secret docker-registry r --docker-username=ada\n"
                   "  --docker-password=Tr0ub4dor")
    assert [(p.line, p.column) for p in found] == [(1, 1), (2, 3)]
    assert "backslash" in (found[1].hint or "")
    assert not any("Tr0ub4dor" in str(p) for p in found)


@pytest.mark.parametrize("after", ["---\napiVersion: v1\nkind: Pod\n", "apiVersion: v1\n"])
def test_yaml_after_the_commands_is_not_supported(after: str) -> None:
    found = problems(SECRET + "\n" + after)
    error = next(p for p in found if p.severity == "error")
    assert error.message == "YAML after kubectl commands is not supported here"
    assert (error.line, error.column) == (2, 1)
    assert len([p for p in found if p.severity == "error"]) == 1


# --- the shell -----------------------------------------------------------------------------------


@pytest.mark.parametrize("written, password", [
    ("'pa$$w\"rd'", 'pa$$w"rd'),
    ('"pa\\$w\\"rd"', 'pa$w"rd'),
    ("pa\\$word", "pa$word"),
    ("'it'\"'\"'s'", "it's"),
    ('"two words"', "two words"),
    ("ab#c", "ab#c"),
    ("abc$", "abc$"),
    ('"a\\b"', "a\\b"),
    ("'line\nbreak'", "line\nbreak"),
])
def test_passwords_are_unquoted_as_a_posix_shell_would(written: str, password: str) -> None:
    text = config("kubectl create secret docker-registry r --docker-server=q.io "
                  f"--docker-username=ada --docker-password={written}")
    assert f'"auth":"{b64("ada:" + password)}"' in text


@pytest.mark.parametrize("written, column", [
    ("$PASSWORD", 81),
    ("pre${P}", 84),
    ('"$(cat pw)"', 82),
    ("`cat pw`", 81),
    ('"x`id`"', 83),
])
def test_shell_expansions_are_refused_at_their_position_without_echo(written: str,
                                                                     column: int) -> None:
    error = only_error("kubectl create secret docker-registry r --docker-username=ada "
                       f"--docker-password={written}")
    assert "shell expansion" in error.message
    assert (error.line, error.column) == (1, column)
    assert "PASSWORD" not in str(error) and "cat pw" not in str(error)


@pytest.mark.parametrize("text, line, column", [
    ("kubectl create secret docker-registry r --docker-password='abc", 1, 59),
    ('kubectl create sa x\nkubectl create secret docker-registry r --docker-password="abc', 2, 59),
])
def test_unbalanced_quotes_are_positioned_at_the_opening_quote(text: str, line: int,
                                                               column: int) -> None:
    error = only_error(text)
    assert "never closed" in error.message
    assert (error.line, error.column) == (line, column)


def test_backslash_newline_continues_the_command_and_comments_are_dropped() -> None:
    [secret] = parsed("# the secret\nkubectl create secret docker-registry regcred \\\n"
                      "  --docker-server=quay.io \\\n  --docker-username=ada \\\n"
                      "  --docker-password=pw  # not for production\n")
    assert secret.name == "regcred"


def test_a_space_after_the_line_continuation_backslash_is_positioned() -> None:
    error = only_error("kubectl create secret docker-registry r \\  \n  --docker-username=a")
    assert "space follows this backslash" in error.message
    assert (error.line, error.column) == (1, 41)


@pytest.mark.parametrize("text, shown", [
    (SECRET + " | kubectl apply -f -", "`|`"),
    (SECRET + "; kubectl get secrets", "`;`"),
    (SECRET + " && echo done", "`&&`"),
    ("kubectl create secret docker-registry r < args", "`<`"),
])
def test_shell_operators_are_not_supported(text: str, shown: str) -> None:
    assert only_error(text).message.startswith(shown)


def test_a_final_output_redirection_is_ignored_with_a_warning() -> None:
    result = parsed(SECRET + " --dry-run=client -o yaml > regcred.yaml")
    assert [obj.name for obj in result] == ["regcred"]
    assert any("regcred.yaml" in w.message for w in result.warnings)


@pytest.mark.parametrize("text", [
    "kubectl create sa x\0",
    "kubectl create sa " + "x" * (300 * 1024),
    "kubectl " + "'" * 1001,
    "kubectl " + "\\\n" * 5000,
    "kubectl create sa " + "-" * 5000,
])
def test_hostile_input_raises_manifest_error_only(text: str) -> None:
    with pytest.raises(ManifestError):
        parse_commands(text)


# --- service accounts ----------------------------------------------------------------------------


def test_create_serviceaccount_is_the_object_load_manifests_reads_from_the_same_yaml() -> None:
    [expected] = load_manifests("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n"
                                "  name: builder\n  namespace: ci\n")
    for command in ("kubectl create serviceaccount builder -n ci",
                    "kubectl create sa builder -n ci"):
        [account] = parsed(command)
        assert account.body == expected.body
        assert (account.kind, account.name, account.namespace) == ("ServiceAccount", "builder",
                                                                   "ci")


def test_creating_the_default_serviceaccount_is_already_exists() -> None:
    assert only_error("kubectl create serviceaccount default").message == (
        'Error from server (AlreadyExists): serviceaccounts "default" already exists')


def test_patching_the_default_serviceaccount_attaches_the_pull_secret_as_the_docs_do() -> None:
    secret, account = parsed(SECRET + " -n team\nkubectl patch serviceaccount default -n team "
                             """-p '{"imagePullSecrets": [{"name": "regcred"}]}'""")
    [expected] = load_manifests("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n"
                                "  name: default\n  namespace: team\nimagePullSecrets:\n"
                                "- name: regcred\n")
    assert account.body == expected.body
    assert (account.name, account.namespace, account.position) == ("default", "team",
                                                                    Position(2, 1))


def test_a_strategic_patch_merges_secrets_by_name_and_a_merge_patch_replaces_the_list() -> None:
    patch = """kubectl patch sa default -p '{"imagePullSecrets": [{"name": "%s"}]}'"""
    [strategic] = parsed("\n".join([patch % "a", patch % "b", patch % "a"]))
    assert strategic.body["imagePullSecrets"] == [{"name": "a"}, {"name": "b"}]
    [merged] = parsed(patch % "a" + "\n" + patch % "b" + " --type=merge")
    assert merged.body["imagePullSecrets"] == [{"name": "b"}]


def test_a_serviceaccount_created_earlier_can_be_patched() -> None:
    [account] = parsed("kubectl create sa builder\nkubectl patch serviceaccount/builder "
                       """-p '{"imagePullSecrets":[{"name":"regcred"}]}'""")
    assert account.body["imagePullSecrets"] == [{"name": "regcred"}]
    assert account.position == Position(1, 1)


@pytest.mark.parametrize("command, message", [
    ("""kubectl patch sa builder -p '{"imagePullSecrets": []}'""",
     'Error from server (NotFound): serviceaccounts "builder" not found'),
    ("""kubectl patch deployment web -p '{"spec": {}}'""",
     "`kubectl patch deployment …` is not supported here"),
    ("kubectl patch sa default", "error: must specify --patch or --patch-file containing the "
                                 "contents of the patch"),
    ("kubectl patch sa default -p '{bad'", "error: unable to parse the patch: "),
    ("""kubectl patch sa default -p '{"automountServiceAccountToken": false}'""",
     "only imagePullSecrets can be patched here"),
    ("""kubectl patch sa default --type=foo -p '{}'""",
     'error: --type must be one of [json merge strategic], not "foo"'),
])
def test_unsupported_or_wrong_patches_are_errors(command: str, message: str) -> None:
    shown = only_error(command).message
    assert shown == message or message.endswith(": ") and shown.startswith(message)


# --- the dry run, masked -------------------------------------------------------------------------


def test_revealed_dry_run_is_exactly_what_kubectl_prints() -> None:
    [secret] = parsed("kubectl create secret docker-registry regcred --docker-server=quay.io "
                      "--docker-username=ada --docker-password=pw -n team --dry-run=client "
                      "-o yaml")
    data = b64('{"auths":{"quay.io":{"username":"ada","password":"pw","auth":"'
               + b64("ada:pw") + '"}}}')
    assert dry_run_yaml(secret, reveal=True) == (
        "apiVersion: v1\n"
        "data:\n"
        f"  .dockerconfigjson: {data}\n"
        "kind: Secret\n"
        "metadata:\n"
        "  name: regcred\n"
        "  namespace: team\n"
        "type: kubernetes.io/dockerconfigjson\n"
    )


def test_kubectl_before_1_34_also_prints_a_null_creation_timestamp() -> None:
    [account] = parsed("kubectl create serviceaccount builder")
    assert dry_run_yaml(account, kubectl_minor=33) == (
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  creationTimestamp: null\n"
        "  name: builder\n")


def test_revealed_dry_run_reads_back_as_the_same_object() -> None:
    [secret] = parsed(SECRET + " -n team")
    [again] = load_manifests(dry_run_yaml(secret, reveal=True))
    assert again.body == secret.body


def test_masked_dry_run_never_shows_the_password_its_base64_or_the_auth() -> None:
    [secret] = parsed(SECRET)
    text = dry_run_yaml(secret)
    for hidden in ("hunter22", b64("hunter22"), b64("ada:hunter22"),
                   secret.body["data"][".dockerconfigjson"]):
        assert hidden not in text
    assert ('  # {"auths":{"registry.example.com":{"username":"ada","password":"****",'
            '"email":"ada@example.com","auth":"****"}}}') in text
    assert "kind: Secret\n" in text and "  name: regcred\n" in text


def test_masking_also_hides_a_password_repeated_as_the_username() -> None:
    [secret] = parsed("kubectl create secret docker-registry r --docker-server=q.io "
                      "--docker-username=samesame --docker-password=samesame")
    assert "samesame" not in dry_run_yaml(secret)


def test_masking_covers_yaml_secrets_in_the_legacy_dockercfg_form() -> None:
    cfg = b64('{"https://bob:pw1@old.example.com":{"auth":"' + b64("bob:pw1") + '"}}')
    [secret] = load_manifests("apiVersion: v1\nkind: Secret\nmetadata:\n  name: old\n"
                              f"type: kubernetes.io/dockercfg\ndata:\n  .dockercfg: {cfg}\n")
    text = dry_run_yaml(secret)
    assert "pw1" not in text and cfg not in text and b64("bob:pw1") not in text
    assert "old.example.com" in text


def test_every_error_and_warning_leaves_the_password_out() -> None:
    password = "Sup3rS3cretValue"
    texts = [
        f"kubectl create secret docker-registry --docker-password={password}",
        f"kubectl create secret docker-registry r --docker-pasword={password}",
        f"kubectl create secret docker-registry r --docker-password {password} extra",
        f"kubectl create secret docker-registry r --dry-run --docker-password {password} x",
        f"kubectl create secret docker-registry R --docker-username=a --docker-password "
        f"{password}",
        f"kubectl create secret docker-registry r --docker-username=a\n"
        f"--docker-password={password}",
        f"kubectl get secret --docker-password={password}",
        f"kubectl create secret docker-registry r --docker-password={password}$HOME",
    ]
    for text in texts:
        assert not any(password in str(p) for p in problems(text)), text
