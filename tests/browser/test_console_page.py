"""The console in a real browser: a learner's own cluster that remembers across a reload, a
second browser with its own cluster, and output printed as text (no markup from a command)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from manifest_editor import fill_manifest
from playwright.sync_api import Browser, Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer


POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
       "  - name: web\n    image: nginx:1.25\n")


def type_command(page: Page, line: str) -> None:
    box = page.get_by_role("textbox", name="Command")
    box.fill(line)
    box.press("Enter")


def open_sandbox(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/sandbox/")
    expect(page.locator("#connection-state")).to_have_text("connected")


def test_the_cluster_remembers_across_a_reload_and_undo_takes_back(
        page: Page, sandbox_server: LiveServer) -> None:
    open_sandbox(page, sandbox_server)
    fill_manifest(page, POD)
    type_command(page, "kubectl apply -f -")
    log = page.get_by_role("log", name="Console output")
    expect(log).to_contain_text("pod/web created")
    expect(page.locator("#console-pods")).to_contain_text("Running")
    cluster = page.get_by_role("region", name="Cluster")
    node = cluster.get_by_role("article", name=re.compile(r"^node node-\d$")).filter(
        has_text="web")
    expect(node.locator(".pod-chip")).to_have_text(re.compile(r"web\s+Running"))
    expect(node.get_by_role("list", name=re.compile("nginx:1.25: \\d+ layers"))).to_be_visible()
    page.reload()
    expect(page.locator("#connection-state")).to_have_text("connected")
    expect(page.locator("#console-pods")).to_contain_text("web")
    expect(page.locator("#console-history")).to_contain_text("kubectl apply -f -")
    page.get_by_role("button", name="Take back last command").click()
    expect(page.locator("#console-pods")).to_have_text("No resources found in default namespace.")
    type_command(page, "kubectl get pods nope")
    expect(log).to_contain_text('Error from server (NotFound): pods "nope" not found')


def test_command_output_is_text_not_markup(page: Page, sandbox_server: LiveServer) -> None:
    open_sandbox(page, sandbox_server)
    type_command(page, "kubectl get pods '<img src=x onerror=window.pwned=1>'")
    log = page.get_by_role("log", name="Console output")
    expect(log).to_contain_text('pods "<img src=x onerror=window.pwned=1>" not found')
    assert page.locator("#console-output img").count() == 0
    assert page.evaluate("() => window.pwned === undefined")


def test_a_second_browser_has_its_own_cluster(browser: Browser,
                                              sandbox_server: LiveServer) -> None:
    first = browser.new_context()
    second = browser.new_context()
    try:
        a, b = first.new_page(), second.new_page()
        open_sandbox(a, sandbox_server)
        fill_manifest(a, POD)
        type_command(a, "kubectl apply -f -")
        expect(a.locator("#console-pods")).to_contain_text("web")
        open_sandbox(b, sandbox_server)
        type_command(b, "kubectl get pods")
        expect(b.get_by_role("log", name="Console output")).to_contain_text("No resources found")
    finally:
        first.close()
        second.close()


PRIVATE_POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: private-app\nspec:\n"
               "  nodeName: node-b\n  containers:\n  - name: app\n"
               "    image: registry.company.com/webapp:v1\n  imagePullSecrets:\n"
               "  - name: regcred\n")
DEPLOYMENT = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
              "  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n"
              "    metadata: {labels: {app: web}}\n    spec:\n"
              "      imagePullSecrets: [{name: regcred}]\n      containers:\n"
              "      - {name: web, image: registry.company.com/webapp:v1,"
              " imagePullPolicy: IfNotPresent}\n")
SECRET = ("kubectl create secret docker-registry regcred --docker-server=registry.company.com "
          "--docker-username=myuser --docker-password=mypass123")


def test_the_private_registry_story_then_a_shared_link(browser: Browser,
                                                       sandbox_server: LiveServer) -> None:
    """The issue's story: secret, pull, cached, crictl rmi, pulled again, a tag moved, undo, and
    a link a second browser opens to the same state."""
    first, second = browser.new_context(), browser.new_context()
    try:
        page = first.new_page()
        page.goto(f"{sandbox_server.url}/sandbox/?scenario=private-registry")
        expect(page.locator("#connection-state")).to_have_text("connected")
        log = page.get_by_role("log", name="Console output")
        fill_manifest(page, PRIVATE_POD)
        type_command(page, SECRET)
        expect(log).to_contain_text("secret/regcred created")
        expect(log).not_to_contain_text("mypass123")
        type_command(page, "kubectl apply -f -")
        expect(log).to_contain_text("pod/private-app created")
        expect(page.locator("#console-pods")).to_contain_text("Running")
        type_command(page, "kubectl describe pod private-app")
        expect(log).to_contain_text("Successfully pulled image")
        type_command(page, "kubectl delete pod private-app")
        type_command(page, "kubectl apply -f -")
        type_command(page, "kubectl get events")
        expect(log).to_contain_text("already present on machine")
        type_command(page, "ssh node-b crictl rmi registry.company.com/webapp:v1")
        expect(log).to_contain_text("Deleted: registry.company.com/webapp:v1")
        type_command(page, "kubectl delete pod private-app")
        type_command(page, "kubectl apply -f -")
        page.get_by_role("button", name="Compare with before").click()
        # The node holds the image again: it came from the registry.
        expect(log).to_contain_text(re.compile(r"node-b\s+image\s+absent\s+registry"))
        # A tag moves in the registry: replicas that find it cached keep the old build.
        fill_manifest(page, DEPLOYMENT)
        type_command(page, "kubectl apply -f -")
        expect(log).to_contain_text("deployment.apps/web created")
        type_command(page, "docker pull registry.company.com/webapp:v2")
        expect(log).to_contain_text("Error response from daemon")  # private: no docker login
        type_command(page, "crane digest registry.company.com/webapp:v2")
        answer = re.compile(r"crane digest registry\.company\.com/webapp:v2\s+"
                            r"(sha256:[0-9a-f]{64})")
        expect(log).to_contain_text(answer)
        found = answer.search(log.inner_text())
        assert found is not None
        digest = found.group(1)
        type_command(page, f"crane tag registry.company.com/webapp@{digest} v1")
        type_command(page, "ssh node-c crictl rmi registry.company.com/webapp:v1")
        type_command(page, "kubectl delete pod --all")
        expect(log).to_contain_text('pod "private-app" deleted')
        type_command(page, "kubectl get pods -o json")
        expect(log).to_contain_text('"kind": "List"')
        ids = set(re.findall(r'"imageID": "(registry\.company\.com/webapp@sha256:[0-9a-f]+)"',
                             log.inner_text().rsplit("$ kubectl get pods -o json", 1)[1]))
        assert len(ids) == 2, ids  # IfNotPresent: the cached old build on two nodes, v2 on one
        page.get_by_role("button", name="Take back last command").click()
        expect(log).to_contain_text("took back the last command")
        page.get_by_role("button", name="Share").click()
        link = page.locator("#console-share-link a")
        expect(link).to_have_attribute("href", re.compile(r"/s/[a-z0-9]{10}$"))
        url = link.get_attribute("href")
        assert url is not None
        visitor = second.new_page()
        visitor.goto(url)
        expect(visitor.get_by_role("heading", name="A shared cluster")).to_be_visible()
        expect(visitor.locator("pre").first).to_contain_text("private-app")
        assert "mypass123" not in visitor.content()
        visitor.get_by_role("button", name="Make my own copy").click()
        expect(visitor.locator("#connection-state")).to_have_text("connected")
        expect(visitor.locator("#console-pods")).to_contain_text("private-app")
    finally:
        first.close()
        second.close()


def test_kubectl_run_and_a_jsonpath_template_in_the_console(
        page: Page, sandbox_server: LiveServer) -> None:
    open_sandbox(page, sandbox_server)
    type_command(page, "kubectl run web --image=nginx:1.25 --labels=app=web")
    log = page.get_by_role("log", name="Console output")
    expect(log).to_contain_text("pod/web created")
    expect(page.locator("#console-pods")).to_contain_text("web")
    type_command(page, "kubectl get pods -o custom-columns=NAME:.metadata.name,"
                       "POLICY:.spec.containers[*].imagePullPolicy")
    expect(log).to_contain_text("IfNotPresent")
    # A template's literal text is printed as text, never as markup.
    type_command(page, """kubectl get pod web -o jsonpath='{"<img src=x onerror=alert(1)>"}'""")
    expect(log).to_contain_text("<img src=x onerror=alert(1)>")
    assert page.locator("#console-output img").count() == 0
