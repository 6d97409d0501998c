"""Docker-config Secrets in a paste, checked as the API server validates them (errors) and as the
kubelet will read them (warnings): each problem at the value in the paste, naming where inside
the JSON it is, and never quoting a password, an `auth` or the base64 data (issue 5)."""

from __future__ import annotations

import base64
import json

import pytest

from sandbox.engine.credentials import AUTH_FORMAT_ERROR
from sandbox.engine.manifests import load_manifests
from sandbox.engine.problems import ManifestError, Problem

CONFIG_JSON = "kubernetes.io/dockerconfigjson"
DOCKERCFG = "kubernetes.io/dockercfg"
PASSWORD = "mypass123"
AUTH = base64.b64encode(f"myuser:{PASSWORD}".encode()).decode()  # bXl1c2VyOm15cGFzczEyMw==
NO_COLON = base64.b64encode(b"N0-Colon-Pa55").decode()
NOT_READ = "the kubelet cannot read this Secret, so none of its credentials are used"
# `  .dockerconfigjson: <value>` is line 7 below the header and the type; the value starts here.
VALUE_AT = (7, 22)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret(value: str, *, secret_type: str | None = CONFIG_JSON, field: str = "stringData",
           key: str = ".dockerconfigjson") -> str:
    """A Secret with one key; under stringData the value is written in single quotes."""
    type_line = f"type: {secret_type}\n" if secret_type else ""
    written = f"'{value}'" if field == "stringData" else value
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\n{type_line}"
            f"{field}:\n  {key}: {written}\n")


def problems_of(text: str) -> list[Problem]:
    try:
        return load_manifests(text).warnings
    except ManifestError as error:
        return list(error.problems)


def only_problem(text: str) -> Problem:
    (problem,) = problems_of(text)
    return problem


def entry(**fields: str) -> str:
    return json.dumps({"auths": {"registry.company.com": fields}})


# ------------------------------------------------------------------------- accepted as is


def test_kubectl_create_secret_docker_registry_output_loads_cleanly() -> None:
    config = ('{"auths":{"registry.company.com":{"username":"myuser","password":"mypass123",'
              '"auth":"bXl1c2VyOm15cGFzczEyMw=="}}}')
    manifests = load_manifests(secret(b64(config), field="data"))
    assert manifests.warnings == []
    (obj,) = manifests
    assert base64.b64decode(obj.body["data"][".dockerconfigjson"]).decode() == config


@pytest.mark.parametrize(("secret_type", "key", "config"), [
    (CONFIG_JSON, ".dockerconfigjson", entry(username="myuser", password=PASSWORD)),
    (CONFIG_JSON, ".dockerconfigjson", entry(auth=AUTH)),
    (CONFIG_JSON, ".dockerconfigjson", entry(auth=AUTH.rstrip("="), email="a@b.c")),
    (CONFIG_JSON, ".dockerconfigjson",
     json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": AUTH}},
                 "HttpHeaders": {"User-Agent": "Docker-Client/24"}})),
    (DOCKERCFG, ".dockercfg", json.dumps({"registry.company.com": {"auth": AUTH}})),
])
def test_a_correct_docker_config_secret_has_no_problem(secret_type: str, key: str,
                                                       config: str) -> None:
    assert load_manifests(secret(config, secret_type=secret_type, key=key)).warnings == []


# ------------------------------------------------------------ errors: the API server rejects


def test_bad_base64_in_data_is_an_error_at_the_value() -> None:
    problem = only_problem(secret("eyJhdXRocyI6e319!", field="data"))
    assert (problem.severity, problem.line, problem.column) == ("error", *VALUE_AT)
    assert problem.message == "data[.dockerconfigjson]: illegal base64 data at input byte 16"


@pytest.mark.parametrize("field", ["stringData", "data"])
def test_json_that_does_not_parse_is_an_error_saying_where_in_the_json(field: str) -> None:
    config = '{"auths": {"registry.company.com" {}}}'
    problem = only_problem(secret(config if field == "stringData" else b64(config), field=field))
    assert (problem.severity, problem.line, problem.column) == ("error", *VALUE_AT)
    assert problem.message == ('data[.dockerconfigjson]: Invalid value: "<secret contents '
                               "redacted>\": Expecting ':' delimiter (line 1, column 35 of the "
                               "JSON)")


@pytest.mark.parametrize(("config", "go_kind"), [
    ("[]", "array"), ("5", "number"), ('"auths"', "string"), ("true", "bool"),
])
def test_a_document_that_is_not_an_object_is_an_error(config: str, go_kind: str) -> None:
    problem = only_problem(secret(config))
    assert (problem.severity, problem.line, problem.column) == ("error", *VALUE_AT)
    assert problem.message == ('data[.dockerconfigjson]: Invalid value: "<secret contents '
                               f'redacted>": json: cannot unmarshal {go_kind} into Go value of '
                               "type map[string]interface {}")


def test_missing_key_hint_names_the_type_of_the_key_that_is_there() -> None:
    problems = problems_of(secret("{}", secret_type=DOCKERCFG))
    error = next(p for p in problems if p.severity == "error")
    assert (error.message, error.line, error.column) == ("data[.dockercfg]: Required value", 5, 7)
    assert error.hint is not None
    assert error.hint.startswith("this Secret holds `.dockerconfigjson`, the key of type "
                                 f"{CONFIG_JSON}: set `type: {CONFIG_JSON}`")


# ------------------------------------------------- warnings: accepted, the kubelet fails or ignores


@pytest.mark.parametrize(("config", "message"), [
    (entry(auth=NO_COLON),
     f'in auths["registry.company.com"].auth: {AUTH_FORMAT_ERROR}: {NOT_READ}'),
    (entry(auth="%%%" + PASSWORD),
     'in auths["registry.company.com"].auth: the auth field is not valid base64 (illegal '
     f"base64 data at input byte 0): {NOT_READ}"),
    (entry(Auth=NO_COLON),
     f'in auths["registry.company.com"].Auth: {AUTH_FORMAT_ERROR}: {NOT_READ}'),
    (json.dumps({"auths": {"registry.company.com": {"email": "ops@company.com"}}}),
     'in auths["registry.company.com"]: neither auth nor username: the kubelet has no '
     "credentials to send to this registry"),
    (json.dumps({"auths": {"registry.company.com": None}}),
     'in auths["registry.company.com"]: neither auth nor username: the kubelet has no '
     "credentials to send to this registry"),
    (json.dumps({"auths": {"registry.company.com:https": {"auth": AUTH}}}),
     'in auths["registry.company.com:https"]: the registry key is not a valid URL (invalid '
     "port ':https' after host): the kubelet ignores this entry"),
    (json.dumps({"auths": {"https://": {"auth": AUTH}}}),
     'in auths["https://"]: the registry key names no host: the kubelet never uses this entry'),
    (json.dumps({"auths": {}}),
     "in auths: no registries: the kubelet finds no credentials in this Secret"),
    (json.dumps({"auths": None}),
     "in auths: null: the kubelet finds no credentials in this Secret"),
    (json.dumps({"auths": ["registry.company.com"]}),
     f"in auths: must be an object of registries, not an array: {NOT_READ}"),
    (json.dumps({"auths": {"registry.company.com": "myuser"}}),
     f'in auths["registry.company.com"]: must be an object, not a string: {NOT_READ}'),
    (json.dumps({"auths": {"registry.company.com": {"username": "myuser", "password": 123}}}),
     f'in auths["registry.company.com"].password: must be a string, not a number: {NOT_READ}'),
    (json.dumps({"auths": {"registry.company.com": {"username": "myuser", "passwd": "x"}}}),
     'in auths["registry.company.com"].passwd: unknown field: the kubelet ignores it'),
    (json.dumps({"auths": {"registry.company.com": {"auth": AUTH, "username": "someone"}}}),
     'in auths["registry.company.com"]: the username written here differs from auth: the '
     "kubelet uses auth and ignores username and password"),
    (json.dumps({"HttpHeaders": ["x"], "auths": {"r.io": {"auth": AUTH}}}),
     f"in HttpHeaders: must be an object of strings, not an array: {NOT_READ}"),
    (json.dumps({"auths": {"r.io": {"auth": AUTH}}, "HttpHeaders": {"X-Retry": 3}}),
     f"in HttpHeaders: must be an object of strings: {NOT_READ}"),
    (json.dumps({"auths": {"https://index.docker.io/v1/": {}}, "credsStore": "desktop"})
     .replace("{}", json.dumps({"auth": AUTH})),
     "in credsStore: the kubelet runs no credential helper: the passwords are not in this "
     "document"),
    ("null", 'no "auths": the kubelet finds no credentials in this Secret'),
    (json.dumps({"registry.company.com": {"auth": AUTH}}),
     'no "auths": the kubelet finds no credentials in this Secret'),
])
def test_content_the_kubelet_fails_on_or_ignores_is_a_warning_naming_the_json_path(
        config: str, message: str) -> None:
    problem = only_problem(secret(config))
    assert (problem.severity, problem.line, problem.column) == ("warning", *VALUE_AT)
    assert problem.message == f"stringData[.dockerconfigjson]: {message}"
    assert problem.path == "stringData[.dockerconfigjson]"


def test_kubelet_warnings_in_data_point_at_the_base64_value() -> None:
    problem = only_problem(secret(b64(entry(auth=NO_COLON)), field="data"))
    assert (problem.severity, problem.line, problem.column) == ("warning", *VALUE_AT)
    assert problem.message == (f'data[.dockerconfigjson]: in auths["registry.company.com"].auth: '
                               f"{AUTH_FORMAT_ERROR}: {NOT_READ}")
    assert problem.hint is not None and "base64 of `username:password`" in problem.hint


def test_legacy_dockercfg_content_under_auths_key_gets_a_format_hint() -> None:
    problem = only_problem(secret(json.dumps({"registry.company.com": {"auth": AUTH}})))
    assert problem.hint is not None
    assert problem.hint.startswith('["registry.company.com"] looks like the legacy .dockercfg '
                                   f"format: use `type: {DOCKERCFG}` with the key .dockercfg")


def test_auths_in_a_dockercfg_secret_is_read_as_a_registry_name() -> None:
    config = json.dumps({"auths": {"registry.company.com": {"auth": AUTH}}})
    problem = only_problem(secret(config, secret_type=DOCKERCFG, key=".dockercfg"))
    assert (problem.severity, problem.line, problem.column) == ("warning", 7, 15)
    assert problem.message == ('stringData[.dockercfg]: in ["auths"]: the kubelet reads "auths" '
                               "as a registry name: this is the .dockerconfigjson format")


def test_dockercfg_entries_are_named_without_auths() -> None:
    config = json.dumps({"registry.company.com": {"auth": NO_COLON}})
    problem = only_problem(secret(config, secret_type=DOCKERCFG, key=".dockercfg"))
    assert problem.message == ('stringData[.dockercfg]: in ["registry.company.com"].auth: '
                               f"{AUTH_FORMAT_ERROR}: {NOT_READ}")


@pytest.mark.parametrize(("secret_type", "key", "other", "wanted"), [
    (DOCKERCFG, ".dockercfg", ".dockerconfigjson", ".dockercfg"),
    (CONFIG_JSON, ".dockerconfigjson", ".dockercfg", ".dockerconfigjson"),
])
def test_the_other_types_key_is_ignored_by_the_kubelet(secret_type: str, key: str, other: str,
                                                       wanted: str) -> None:
    config = (json.dumps({"registry.company.com": {"auth": AUTH}}) if key == ".dockercfg"
              else entry(auth=AUTH))
    text = secret(config, secret_type=secret_type, key=key) + f"  {other}: '{{}}'\n"
    problem = only_problem(text)
    assert (problem.severity, problem.line, problem.column) == ("warning", 8, 3)
    assert problem.message == (f"stringData[{other}]: the kubelet ignores this key in a Secret "
                               f"of type {secret_type}: it reads only {wanted}")


@pytest.mark.parametrize("secret_type", ["Opaque", None])
def test_an_opaque_secret_holding_a_docker_config_is_ignored_for_pulls(
        secret_type: str | None) -> None:
    problem = only_problem(secret(entry(auth=AUTH), secret_type=secret_type))
    assert (problem.severity, problem.line, problem.column) == \
        ("warning", 7 if secret_type else 6, 3)
    assert problem.message == ("stringData[.dockerconfigjson]: the kubelet ignores this Secret "
                               "for image pulls: its type is Opaque, and pull credentials are "
                               f"read only from type {CONFIG_JSON}")
    assert problem.hint == f"set `type: {CONFIG_JSON}`"


def test_unknown_entry_field_suggests_the_close_name() -> None:
    problem = only_problem(secret(entry(username="myuser", pasword=PASSWORD)))
    assert problem.hint == 'did you mean "password"?'


def test_identity_tokens_are_not_sent_by_the_kubelet() -> None:
    problem = only_problem(secret(entry(username="myuser", password=PASSWORD,
                                        identitytoken="token")))
    assert problem.message.endswith('auths["registry.company.com"].identitytoken: unknown '
                                    "field: the kubelet ignores it")
    assert problem.hint == ("the kubelet sends only a username and password (or auth) to the "
                            "registry")


def test_a_registry_key_with_a_password_is_masked_and_its_detail_dropped() -> None:
    config = json.dumps({"auths": {f"myuser:{PASSWORD}%zz@registry.company.com": {"auth": AUTH}}})
    problem = only_problem(secret(config))
    assert problem.message == ('stringData[.dockerconfigjson]: in auths["***@registry.company'
                               '.com"]: the registry key is not a valid URL: the kubelet ignores '
                               "this entry")


def test_a_very_long_registry_key_is_cut_in_the_message() -> None:
    problem = only_problem(secret(json.dumps({"auths": {"r" * 500: {}}})))
    assert f'auths["{"r" * 64}…"]' in problem.message
    assert len(problem.message) < 300


def test_every_problem_of_a_secret_is_reported_at_once() -> None:
    config = json.dumps({"auths": {"a.io": {"auth": NO_COLON}, "b.io": {}, "c.io:x": {}}})
    messages = [p.message for p in problems_of(secret(config))]
    assert [m.split(": ")[1] for m in messages] == \
        ['in auths["a.io"].auth', 'in auths["b.io"]', 'in auths["c.io:x"]', 'in auths["c.io:x"]']


# -------------------------------------------------------------------------------- no leaks


LEAKY = [
    secret(entry(auth=NO_COLON)),
    secret(entry(auth="%%%" + PASSWORD)),
    secret(entry(auth=PASSWORD + "!")),
    secret(entry(auth=AUTH, username="someone", password="other")),
    secret(entry(username="myuser", password=PASSWORD, pasword=PASSWORD)),
    secret(json.dumps({"auths": {"registry.company.com": {"auth": AUTH, "password": 5}}})),
    secret(json.dumps({"auths": {f"myuser:{PASSWORD}@r.io:x": {"auth": AUTH}}})),
    secret(json.dumps({"auths": {f"myuser:{PASSWORD}%zz@r.io": {"auth": AUTH}}})),
    secret(b64(entry(auth=NO_COLON)), field="data"),
    secret(b64(entry(auth=AUTH))[:-2] + "!!", field="data"),
    secret(b64('{"auths": {"r.io": {"auth": "' + AUTH + '"}'), field="data"),
    secret('{"auths": {"r.io": {"password": "' + PASSWORD + '" "x"}}}'),
    secret(entry(auth=AUTH), secret_type="Opaque"),
    secret(entry(auth=AUTH), secret_type=DOCKERCFG),
    secret(json.dumps({"auths": {"r.io": {"auth": AUTH}}}), secret_type=DOCKERCFG,
           key=".dockercfg"),
]


@pytest.mark.parametrize("text", LEAKY)
def test_no_message_or_hint_quotes_a_password_auth_or_data(text: str) -> None:
    problems = problems_of(text)
    assert problems
    data = text.splitlines()[-1].split(": ", 1)[1].strip("'")
    needles = [PASSWORD, AUTH, AUTH.rstrip("="), NO_COLON, NO_COLON.rstrip("="), "N0-Colon-Pa55",
               data, data[:24]]
    for problem in problems:
        shown = f"{problem.message} {problem.hint} {problem.path}"
        assert not [needle for needle in needles if needle in shown], shown
