"""`--field-selector`: apimachinery's field selector grammar (pkg/fields/selector.go's parse,
escapes and errors) and the fields each kind offers (pkg/apis/core/v1 and apps/v1 field label
conversions), then the console end to end."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sandbox.engine.kubectl.field_selectors import (
    FieldSelectorError,
    Term,
    field_values,
    matches,
    parse_field_selector,
)

sys.path.insert(0, str(Path(__file__).parent))
from test_console import Console, deployment  # noqa: E402


@pytest.mark.parametrize(("text", "terms"), [
    ("", ()),
    ("metadata.name=a", (Term("metadata.name", "a", True),)),
    ("metadata.name==a", (Term("metadata.name", "a", True),)),
    ("metadata.name!=a", (Term("metadata.name", "a", False),)),
    ("status.phase=Running,metadata.name=a",  # sorted, as parseSelector sorts the terms
     (Term("metadata.name", "a", True), Term("status.phase", "Running", True))),
    (r"metadata.name=a\,b", (Term("metadata.name", "a,b", True),)),
    (r"metadata.name=a\=b\\c", (Term("metadata.name", "a=b\\c", True),)),
    ("spec.host=node-1", (Term("spec.nodeName", "node-1", True),)),  # the old clients' name
    ("metadata.name=", (Term("metadata.name", "", True),)),
    (",metadata.name=a,", (Term("metadata.name", "a", True),)),  # empty terms are skipped
])
def test_parse_follows_fields_parse_selector(text: str, terms: tuple[Term, ...]) -> None:
    assert parse_field_selector(text, "Pod") == terms


@pytest.mark.parametrize(("text", "kind", "message"), [
    ("status.phase", "Pod", "invalid selector: 'status.phase'; can't understand 'status.phase'"),
    (r"metadata.name=a\x", "Pod", r"invalid field selector: invalid escape sequence: \x"),
    ("metadata.name=a\\", "Pod", "invalid field selector: invalid escape sequence: \\"),
    ("metadata.name=a=b", "Pod", "invalid field selector: unescaped character in value: 61"),
    ("foo=bar", "Pod", "field label not supported: foo"),
    ("metadata.namespace=default", "Node", "field label not supported: metadata.namespace"),
    ("spec.replicas=2", "Deployment",
     '"spec.replicas" is not a known field selector: only "metadata.name", '
     '"metadata.namespace"'),
])
def test_refusals_are_the_api_servers(text: str, kind: str, message: str) -> None:
    with pytest.raises(FieldSelectorError) as raised:
        parse_field_selector(text, kind)
    assert str(raised.value) == message


def test_a_pods_fields_and_an_empty_one_matching_the_empty_text() -> None:
    body = {"metadata": {"name": "a", "namespace": "default"},
            "spec": {"nodeName": "node-1", "restartPolicy": "Always"},
            "status": {"phase": "Running", "podIP": "10.244.1.2",
                       "podIPs": [{"ip": "10.244.1.2"}]}}
    values = field_values("Pod", body)
    assert values["spec.hostNetwork"] == "false"
    assert values["status.podIPs"] == "10.244.1.2"
    assert matches(parse_field_selector("status.nominatedNodeName=", "Pod"), values)
    assert matches(parse_field_selector("spec.nodeName=node-1,status.phase!=Pending", "Pod"),
                   values)
    assert not matches(parse_field_selector("spec.nodeName!=node-1", "Pod"), values)


def test_the_console_selects_events_pods_and_nodes_by_field() -> None:
    c = Console()
    c.do("kubectl apply -f -", deployment("nginx:no-such-tag", replicas=2))
    c.do("kubectl run a --image=nginx:1.25")
    c.do("sleep 20")
    warnings = c.do("kubectl get events --field-selector type=Warning").output.splitlines()[1:]
    assert warnings and all(line.split()[1] == "Warning" for line in warnings)
    mine = c.do("kubectl get events --field-selector involvedObject.name=a,reason=Pulled")
    assert [line.split()[3] for line in mine.output.splitlines()[1:]] == ["pod/a"]
    assert c.do("kubectl get pods --field-selector status.phase=Running -o name").output == \
        "pod/a\n"
    assert c.do("kubectl get pods --field-selector status.phase!=Running -o name") \
        .output.count("pod/web-") == 2
    assert c.do("kubectl get nodes --field-selector metadata.name=node-2 -o name").output == \
        "node/node-2\n"
    both = c.do("kubectl get pods -l app=web --field-selector metadata.name=a")
    assert (both.output, both.error) == ("", "No resources found in default namespace.\n")
    refused = c.do("kubectl get pods --field-selector foo=bar")
    assert refused.exit_code == 1
    assert refused.error.strip() == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label '
        'selector "", field selector "foo=bar": field label not supported: foo')


def test_selectors_beside_names_are_refused_and_blank_ones_are_none() -> None:
    """cli-runtime's resource builder: a non-blank `-l` or `--field-selector` turns a get or a
    delete into a list, which names cannot join (`visitBySelector`); a blank one is no selector
    at all (`LabelSelectorParam`, `FieldSelectorParam` trim and drop it); `--all` is the
    everything selector, so it refuses names too; delete.go refuses `--all` beside either
    selector's text; describe.go has no `--field-selector`."""
    c = Console()
    c.do("kubectl run a --image=nginx:1.25")
    c.do("kubectl run b --image=nginx:1.25")
    c.do("sleep 20")
    named = "error: name cannot be provided when a selector is specified\n"
    for line in ("kubectl get pods a --field-selector status.phase=Running",
                 "kubectl get pods a -l run=a", "kubectl delete pods a --field-selector x=y",
                 "kubectl delete pods a --all"):
        refused = c.do(line)
        assert (refused.error, refused.exit_code) == (named, 1), line
    typed = c.do("kubectl get pod/a --field-selector status.phase=Running")
    assert typed.error == ("error: selectors and the all flag cannot be used when passing "
                           "resource/name arguments\n")
    for line in ("kubectl get pods a -l ''", "kubectl get pods a --field-selector ' '"):
        assert c.do(line).output.splitlines()[1].split()[0] == "a", line
    assert len(c.do("kubectl get pods -l ''").output.splitlines()) == 3
    both = c.do("kubectl delete pods --all --field-selector metadata.name=a")
    assert both.error == "error: cannot set --all and --field-selector at the same time\n"
    blank = c.do("kubectl delete pods -l ''")
    assert blank.error.startswith("error: resource(s) were provided, but no name was specified")
    assert c.do("kubectl describe pods --field-selector metadata.name=a").error.startswith(
        "error: unknown flag: --field-selector")
    deleted = c.do("kubectl delete pods --field-selector metadata.name=a")
    assert deleted.output == 'pod "a" deleted from default namespace\n'
    assert c.do("kubectl get pods -o name").output == "pod/b\n"
