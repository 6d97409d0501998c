"""Label selectors (`-l`), against apimachinery's own test tables
(staging/src/k8s.io/apimachinery/pkg/labels/selector_test.go: TestSelectorParse,
TestSelectorMatches, TestLexer, TestLexerSequence, TestRequirementSelectorMatching and
TestSetSelectorParser, the inputs and expectations carried over as data), the API server's
error texts as real clusters print them, then through the learner's console."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sandbox.engine.kubectl import selectors
from sandbox.engine.kubectl.selectors import (
    Requirement,
    SelectorError,
    format_labels,
    parse_selector,
)

sys.path.insert(0, str(Path(__file__).parent))
from test_console import Console  # noqa: E402

T = selectors


def _text(requirement: Requirement) -> str:
    """Requirement.String(), to compare with upstream's re-stringing test."""
    op, values = requirement.operator, requirement.values
    if op == "exists":
        return requirement.key
    if op == "!":
        return "!" + requirement.key
    spelled = {"gt": ">", "lt": "<", "in": " in ", "notin": " notin "}.get(op, op)
    joined = ",".join(values)
    return requirement.key + spelled + (f"({joined})" if op in ("in", "notin") else joined)


@pytest.mark.parametrize("text", ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ",
                                  "x= ,z= ", "!x", "x>1", "x>1,z<5"])
def test_good_selectors_parse_and_restring(text: str) -> None:
    parsed = parse_selector(text)
    assert ",".join(_text(r) for r in parsed.requirements) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["x=a||y=b", "x==a==b", "!x=a", "x<a"])
def test_bad_selectors_are_refused(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(text)


def test_parsing_is_deterministic() -> None:
    assert parse_selector("x=a,a=x") == parse_selector("a=x,x=a")


MATCHES = [
    ("", {"x": "y"}, True), ("x=y", {"x": "y"}, True), ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True), ("notin=in", {"notin": "in"}, True),
    ("x", {"x": "z"}, True), ("!x", {"y": "z"}, True), ("x>1", {"x": "2"}, True),
    ("x<1", {"x": "0"}, True),
    ("x=z", {}, False), ("x=y", {"x": "z"}, False), ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False), ("x", {"y": "z"}, False),
    ("!x", {"x": "z"}, False), ("x>1", {"x": "0"}, False), ("x<1", {"x": "2"}, False),
    ("foo=bar", {"foo": "bar", "baz": "blah"}, True),
    ("baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=blah", {"foo": "bar", "baz": "blah"}, False),
    ("baz=bar", {"foo": "bar", "baz": "blah"}, False),
    ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
    # TestRequirementSelectorMatching, written as selectors
    ("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True),
    ("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False),
    ("x notin (),y", {"y": ""}, True), ("!x,y", {"y": ""}, True),
    ("x notin (),!y", {"y": ""}, False), ("x in ()", {"y": "baz"}, False),
    ("z>1", {"z": "2"}, True), ("z>1", {"z": "v2"}, False),
]


@pytest.mark.parametrize(("text", "labels", "wanted"), MATCHES)
def test_matching(text: str, labels: dict[str, str], wanted: bool) -> None:
    assert parse_selector(text).matches(labels) is wanted


@pytest.mark.parametrize(("text", "token"), [
    ("", T.END), (",", T.COMMA), ("notin", T.NOT_IN), ("in", T.IN), ("=", T.EQUALS),
    ("==", T.DOUBLE_EQUALS), (">", T.GREATER), ("<", T.LESS), ("!", T.NOT),
    ("!=", T.NOT_EQUALS), ("(", T.OPEN), (")", T.CLOSE), ("~", T.IDENTIFIER),
    ("||", T.IDENTIFIER)])
def test_lexer_reads_the_longest_token(text: str, token: int) -> None:
    assert selectors._tokens(text)[0] == (token, text)


ID, C = T.IDENTIFIER, T.COMMA


@pytest.mark.parametrize(("text", "tokens"), [
    ("key in ( value )", [ID, T.IN, T.OPEN, ID, T.CLOSE]),
    ("key notin ( value )", [ID, T.NOT_IN, T.OPEN, ID, T.CLOSE]),
    ("key in ( value1, value2 )", [ID, T.IN, T.OPEN, ID, C, ID, T.CLOSE]),
    ("key", [ID]), ("!key", [T.NOT, ID]), ("()", [T.OPEN, T.CLOSE]),
    ("x in (),y", [ID, T.IN, T.OPEN, T.CLOSE, C, ID]),
    ("== != (), = notin", [T.DOUBLE_EQUALS, T.NOT_EQUALS, T.OPEN, T.CLOSE, C, T.EQUALS,
                           T.NOT_IN]),
    ("key>2", [ID, T.GREATER, ID]), ("key<1", [ID, T.LESS, ID])])
def test_lexer_sequences(text: str, tokens: list[int]) -> None:
    assert [token for token, _ in selectors._tokens(text)] == tokens + [T.END]


R = Requirement
PARSED = [
    ("", ()), ("\rx", (R("x", "exists"),)),
    ("this-is-a-dns.domain.com/key-with-dash",
     (R("this-is-a-dns.domain.com/key-with-dash", "exists"),)),
    ("this-is-another-dns.domain.com/key-with-dash in (so,what)",
     (R("this-is-another-dns.domain.com/key-with-dash", "in", ("so", "what")),)),
    ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
     (R("0.1.2.domain/99", "notin", ("10.10.100.1", "tick.tack.clock")),)),
    ("foo  in\t (abc)", (R("foo", "in", ("abc",)),)),
    ("x notin\n (abc)", (R("x", "notin", ("abc",)),)),
    ("x  notin\t\t\t(abc,def)", (R("x", "notin", ("abc", "def")),)),
    ("x in (abc,def)", (R("x", "in", ("abc", "def")),)),
    ("x in (abc,)", (R("x", "in", ("", "abc")),)), ("x in ()", (R("x", "in", ("",)),)),
    ("x notin (abc,,def),bar,z in (),w",
     (R("bar", "exists"), R("w", "exists"), R("x", "notin", ("", "abc", "def")),
      R("z", "in", ("",)))),
    ("x=a", (R("x", "=", ("a",)),)), ("x>1", (R("x", "gt", ("1",)),)),
    ("x<7", (R("x", "lt", ("7",)),)),
    ("x=a,y!=b", (R("x", "=", ("a",)), R("y", "!=", ("b",)))),
    ("x=a,y!=b,z in (h,i,j)", (R("x", "=", ("a",)), R("y", "!=", ("b",)),
                               R("z", "in", ("h", "i", "j")))),
    ("x notin ( )", (R("x", "notin", ("",)),)),
    ("x notin (, a)", (R("x", "notin", ("", "a")),)), ("a ", (R("a", "exists"),)),
    ("a in (x,y,notin, z,in)", (R("a", "in", ("in", "notin", "x", "y", "z")),)),
]


@pytest.mark.parametrize(("text", "requirements"), PARSED)
def test_set_based_selectors_parse(text: str, requirements: tuple[Requirement, ...]) -> None:
    assert parse_selector(text).requirements == requirements


@pytest.mark.parametrize("text", ["x=a||y=b", "x,,y", ",x,y", "x nott in (y)", "a in (xyz),",
                                  "a in (xyz)b notin ()", "a in (xyz abc)", "a notin(", "a (",
                                  "("])
def test_set_based_selectors_refused(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(text)


NAME_PART = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must "
             "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
             "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")


@pytest.mark.parametrize(("text", "message"), [
    # Seen on real clusters (kubectl's wrapping left out) and in upstream's own tests.
    ("app:monolith", f'unable to parse requirement: <nil>: Invalid value: "app:monolith": '
                     f"{NAME_PART}"),
    ("env IN (a)", "unable to parse requirement: found 'IN', expected: in, notin, =, ==, !=, "
                   "gt, lt"),
    ("app.kubernetes_io/name=x",
     'unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part '
     "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
     "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
     r"used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
    ("test-label=====name1", "unable to parse requirement: found '==', expected: identifier"),
    # Each of the parser's own texts.
    ("app=web,", "found '', expected: identifier after ','"),
    ("a=b c", "found 'c', expected: ',' or 'end of string'"),
    ("(", "found '(', expected: !, identifier, or 'end of string'"),
    ("a in b", "unable to parse requirement: found 'b' expected: '('"),
    ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
    ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
    ("a in (,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
    ("a<b", "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' "
            "operators, the value must be an integer"),
    ("a=" + "x" * 64, f'unable to parse requirement: values[0][a]: Invalid value: "{"x" * 64}": '
                      "must be no more than 63 characters"),
])
def test_the_api_servers_words(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as raised:
        parse_selector(text)
    assert str(raised.value) == message


def test_several_bad_values_are_listed_together() -> None:
    with pytest.raises(SelectorError) as raised:
        parse_selector("a in (b!,c!)")
    assert str(raised.value).startswith("unable to parse requirement: found '!'")
    with pytest.raises(SelectorError) as raised:
        parse_selector("a in (-b,-c)")
    text = str(raised.value)
    assert text.startswith("unable to parse requirement: [values[0][a]: Invalid value: \"-b\"")
    assert ", values[1][a]: Invalid value: \"-c\"" in text and text.endswith("]")


def test_hostile_selectors_end_quickly_with_an_answer() -> None:
    for text in ("(" * 5000, "a in (" + "," * 5000, "a=b," * 2000 + "!", "\0a=b", "a\0=b",
                 "x" * 8000, "é=ü", "a in (" + "b," * 3000 + ")"):
        try:
            parse_selector(text)
        except SelectorError as error:
            assert len(str(error)) < 20_000


def test_labels_column_is_sorted_and_says_none() -> None:
    assert format_labels({"tier": "front", "app": "web"}) == "app=web,tier=front"
    assert format_labels({}) == "<none>"


# --- through the console -------------------------------------------------------------------

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: web, image: nginx:1.25}]}
"""


def cluster() -> Console:
    c = Console()
    assert c.do("kubectl apply -f -", DEPLOYMENT).exit_code == 0
    assert c.do("kubectl run solo --image=nginx:1.25").exit_code == 0
    c.do("sleep 30")
    return c


def names(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines()[1:]]


def test_get_keeps_what_the_selector_matches() -> None:
    c = cluster()
    web = c.do("kubectl get pods -l app=web")
    assert web.exit_code == 0 and len(names(web.output)) == 2
    assert all(n.startswith("web-") for n in names(web.output))
    assert names(c.do("kubectl get pods --selector=run=solo").output) == ["solo"]
    assert names(c.do("kubectl get pods -l 'app notin (web)'").output) == ["solo"]
    assert len(names(c.do("kubectl get pods -l '!run'").output)) == 2
    assert names(c.do("kubectl get deploy -l app=web").output) == ["web"]
    assert len(names(c.do("kubectl get rs -l tier=front").output)) == 1
    assert names(c.do("kubectl get nodes -l kubernetes.io/hostname=node-2").output) == ["node-2"]
    none = c.do("kubectl get pods -l app=db")
    assert (none.output, none.error, none.exit_code) == (
        "", "No resources found in default namespace.\n", 0)
    assert len(c.do("kubectl get pods -l app=web -o name").output.splitlines()) == 2
    assert c.do("kubectl get pods -l run=solo -o jsonpath={.items[*].metadata.name}"
                ).output.strip() == "solo"


def test_show_labels_adds_the_last_column() -> None:
    c = cluster()
    out = c.do("kubectl get pods --show-labels").output.splitlines()
    assert out[0].split()[-1] == "LABELS"
    solo = next(line for line in out if line.startswith("solo "))
    assert solo.split()[-1] == "run=solo"
    web = next(line for line in out if line.startswith("web-"))
    assert web.split()[-1].startswith("app=web,pod-template-hash=")
    assert web.split()[-1].endswith(",tier=front")
    wide = c.do("kubectl get pods -o wide --show-labels").output.splitlines()[0].split()
    assert wide[-2:] == ["GATES", "LABELS"]
    assert c.do("kubectl get deploy --show-labels").output.splitlines()[1].split()[-1] == (
        "app=web")
    nodes = c.do("kubectl get nodes --show-labels").output.splitlines()[1]
    assert "kubernetes.io/hostname=node-1" in nodes.split()[-1]
    refused = c.do("kubectl get pods -o yaml --show-labels")
    assert (refused.error, refused.exit_code) == (
        "error: --show-labels option cannot be used with yaml printer\n", 1)


def test_bad_selectors_get_the_api_servers_answer() -> None:
    c = cluster()
    bad = c.do("kubectl get pods -l app:web")
    assert bad.exit_code == 1 and bad.output == ""
    assert bad.error == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label '
        'selector "app:web", field selector "": unable to parse requirement: <nil>: Invalid '
        f'value: "app:web": {NAME_PART}\n')
    deploy = c.do("kubectl get deployments -l 'env IN (a)'")
    assert deploy.error.startswith('Error from server (BadRequest): Unable to find "apps/v1, '
                                   'Resource=deployments" that match label selector "env IN (a)"')
    named = c.do("kubectl get pods solo -l run=solo")
    assert (named.error, named.exit_code) == (
        "error: name cannot be provided when a selector is specified\n", 1)
    slashed = c.do("kubectl get pod/solo -l run=solo")
    assert slashed.error.startswith("error: selectors and the all flag cannot be used")


def test_delete_and_describe_by_selector() -> None:
    c = cluster()
    described = c.do("kubectl describe pods -l run=solo")
    assert described.output.startswith("Name:") and described.output.count("Name:") == 1
    nothing = c.do("kubectl describe pods -l run=nobody")
    assert (nothing.output, nothing.error, nothing.exit_code) == (
        "", "No resources found in default namespace.\n", 0)
    gone = c.do("kubectl delete pods -l run=solo")
    assert (gone.output, gone.exit_code) == ('pod "solo" deleted from default namespace\n', 0)
    assert c.do("kubectl delete pods -l run=solo").output == "No resources found\n"
    both = c.do("kubectl delete pods --all -l app=web")
    assert (both.error, both.exit_code) == (
        "error: cannot set --all and --selector at the same time\n", 1)
    web = c.do("kubectl delete pods -l app=web")
    assert web.output.count("deleted") == 2
    # The ReplicaSet makes two new pods at once, as a real one does.
    assert len(names(c.do("kubectl get pods -l app=web").output)) == 2


def test_delete_all_of_nothing_says_so() -> None:
    c = Console()
    empty = c.do("kubectl delete pods --all")
    assert (empty.output, empty.exit_code) == ("No resources found\n", 0)
    named = c.do("kubectl delete pods")
    assert named.exit_code == 1 and named.error.startswith(
        "error: resource(s) were provided, but no name was specified")


def test_a_selector_flag_without_its_value_is_pflags_error() -> None:
    c = Console()
    assert c.do("kubectl get pods -l").error == "error: flag needs an argument: 'l' in -l\n"
    assert c.do("kubectl get pods --selector").error == (
        "error: flag needs an argument: --selector\n")
