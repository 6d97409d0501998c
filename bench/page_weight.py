"""Page weight and the first diagram's delay, in headless Chromium, as a learner's browser sees it.

The server runs as a host runs it (issue 10): DEBUG off, `collectstatic` done, WhiteNoise
serving the hashed, compressed copies, daphne on loopback. Each figure is the median of several
cold loads, each in a fresh browser profile (an empty cache):

- **bytes before the first diagram**: what the wire carried (CDP `Network.loadingFinished`'s
  `encodedDataLength`: compressed bodies plus headers) from navigation until the page is idle,
  for the sandbox ready to type in, and for a lesson page not counting Mermaid, which the
  lesson starts to fetch at once to draw its diagrams;
- **the first diagram**: what Mermaid's entry and the chunks of the first chart add, and, for
  the sandbox, the milliseconds from clicking Run to the flowchart's SVG in the page (Mermaid
  is fetched on that first Run), then for a second Run with Mermaid already loaded; for the
  lesson, the milliseconds from navigation until its diagrams are drawn (or, Mermaid refused,
  until it gave up and left them as text).

Baselines in the same run: the sandbox without its editor (CodeMirror's bundle refused, so the
page keeps the `<textarea>` it falls back to without JavaScript) and the lesson with Mermaid
refused (its diagrams stay as text). Target: at most 300 KB before the first diagram, the first
diagram within 1 s of Run.

    python -m bench.page_weight          # needs Debian's chromium and `npm ci` + vendor done
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
LOADS = 5
LESSON = "pull-policies"
TARGET_BYTES = 300 * 1000
TARGET_MS = 1000
MERMAID = "/vendor/mermaid/"
CODEMIRROR = "/vendor/codemirror/"

# Click Run and resolve with the milliseconds until the flowchart's SVG is in the page.
RUN_TO_FIRST_DIAGRAM = """() => new Promise((resolve) => {
  const flow = document.getElementById("flow");
  flow.replaceChildren();
  const start = performance.now();
  const seen = new MutationObserver(() => {
    if (flow.querySelector("svg")) {
      seen.disconnect();
      resolve(performance.now() - start);
    }
  });
  seen.observe(flow, { childList: true, subtree: true });
  document.getElementById("run").click();
})"""


@dataclass
class Wire:
    """Bytes each finished request took on the wire, by URL, as CDP reports them."""

    urls: dict[str, str] = field(default_factory=dict)  # request id -> URL
    encodings: dict[str, str] = field(default_factory=dict)  # request id -> Content-Encoding
    sizes: dict[str, float] = field(default_factory=dict)  # request id -> bytes

    def total(self, keep: Callable[[str], bool] = lambda url: True) -> int:
        return round(sum(size for rid, size in self.sizes.items() if keep(self.urls.get(rid, ""))))

    def encoded(self) -> set[str]:
        return {e for rid, e in self.encodings.items() if "/static/" in self.urls.get(rid, "")}

    def reset(self) -> None:
        self.sizes.clear()


def watch(context: BrowserContext, page: Page) -> Wire:
    wire = Wire()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.requestWillBeSent",
           lambda e: wire.urls.__setitem__(e["requestId"], e["request"]["url"]))

    def responded(event: dict[str, object]) -> None:
        response = event["response"]
        assert isinstance(response, dict)
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        wire.encodings[str(event["requestId"])] = headers.get("content-encoding", "identity")

    cdp.on("Network.responseReceived", responded)
    cdp.on("Network.loadingFinished",
           lambda e: wire.sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    return wire


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def production_server() -> Iterator[str]:
    """daphne with DEBUG off, on collected and compressed static files, in a scratch var dir."""
    with tempfile.TemporaryDirectory(prefix="lunchbox-weight-") as scratch:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "DEBUG": "0",
               "SECRET_KEY": "bench-only-" + "k" * 50, "LUNCHBOX_VAR_DIR": scratch,
               "DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3", "SECURE_COOKIES": "0",
               "ALLOWED_HOSTS": "127.0.0.1"}
        env.pop("REDIS_URL", None)
        for args in (["migrate", "--noinput"], ["load_content"], ["collectstatic", "--noinput"]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                           capture_output=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(scratch) / "daphne.log"
        with log.open("wb") as output:
            server = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p",
                                       str(port), "sandbox.asgi:application"], cwd=ROOT, env=env,
                                      stdout=output, stderr=subprocess.STDOUT)
        try:
            for _ in range(150):
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                raise SystemExit(f"daphne did not start:\n{log.read_text()}")
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)


def refuse(context: BrowserContext, part: str) -> None:
    def handler(route: Route) -> None:
        if part in route.request.url:
            route.abort("blockedbyclient")
        else:
            route.continue_()

    context.route("**/*", handler)


@dataclass
class SandboxLoad:
    page_bytes: int
    diagram_bytes: int
    first_ms: float
    again_ms: float
    encodings: set[str]


def load_sandbox(browser: Browser, url: str, *, editor: bool) -> SandboxLoad:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        if not editor:
            refuse(context, CODEMIRROR)
        page = context.new_page()
        wire = watch(context, page)
        page.goto(f"{url}/sandbox/?scenario=two-nodes", wait_until="networkidle")
        page.wait_for_selector("#connection-state:text('connected')")
        if editor:
            page.wait_for_selector(".cm-editor")
        page_bytes = wire.total()
        encodings = wire.encoded()
        wire.reset()
        first_ms = float(page.evaluate(RUN_TO_FIRST_DIAGRAM))
        page.wait_for_load_state("networkidle")
        diagram_bytes = wire.total(lambda u: MERMAID in u)
        page.wait_for_selector("#results:visible", timeout=60_000)
        again_ms = float(page.evaluate(RUN_TO_FIRST_DIAGRAM))
        return SandboxLoad(page_bytes, diagram_bytes, first_ms, again_ms, encodings)
    finally:
        context.close()


@dataclass
class LessonLoad:
    page_bytes: int
    diagram_bytes: int
    drawn_ms: float


def load_lesson(browser: Browser, url: str, *, mermaid: bool) -> LessonLoad:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        if not mermaid:
            refuse(context, MERMAID)
        page = context.new_page()
        wire = watch(context, page)
        page.goto(f"{url}/lessons/{LESSON}/", wait_until="commit")
        page.wait_for_selector("#lesson[data-diagrams='drawn']", state="attached")
        drawn_ms = float(page.evaluate("() => performance.now()"))  # from navigation start
        if mermaid:
            page.wait_for_selector("#lesson pre.mermaid svg")
        page.wait_for_load_state("networkidle")
        return LessonLoad(wire.total(lambda u: MERMAID not in u),
                          wire.total(lambda u: MERMAID in u), drawn_ms)
    finally:
        context.close()


def median(values: list[float]) -> float:
    return statistics.median(values)


def kb(size: float) -> str:
    return f"{size / 1000:7.1f} KB"


def main() -> None:
    with production_server() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        load_sandbox(browser, url, editor=True)  # warm the server (first requests, imports)
        with_editor = [load_sandbox(browser, url, editor=True) for _ in range(LOADS)]
        without = [load_sandbox(browser, url, editor=False) for _ in range(LOADS)]
        lesson = [load_lesson(browser, url, mermaid=True) for _ in range(LOADS)]
        text_only = [load_lesson(browser, url, mermaid=False) for _ in range(LOADS)]
        browser.close()

    def row(name: str, loads: list[SandboxLoad]) -> str:
        return (f"  {name:<26}{kb(median([x.page_bytes for x in loads]))}"
                f"  {kb(median([x.diagram_bytes for x in loads]))}"
                f"  {median([x.first_ms for x in loads]):7.0f} ms"
                f"  {median([x.again_ms for x in loads]):7.0f} ms")

    encodings = sorted(set().union(*(x.encodings for x in with_editor)))
    print(f"Page weight: median of {LOADS} cold loads, DEBUG off, static files served "
          f"{'/'.join(encodings)} by WhiteNoise, daphne on loopback\n")
    print(f"  {'sandbox':<26}{'before Run':>10}  {'Mermaid':>10}  {'Run→SVG':>10}"
          f"  {'2nd Run':>10}")
    print(row("with the editor", with_editor))
    print(row("without (textarea)", without))
    editor_bytes = median([x.page_bytes for x in with_editor]) - median(
        [x.page_bytes for x in without])
    print(f"  the editor costs {kb(editor_bytes).strip()}\n")
    print(f"  {'lesson ' + LESSON:<26}{'page':>10}  {'Mermaid':>10}  {'drawn at':>10}")
    for name, loads in (("with Mermaid", lesson), ("Mermaid refused (text)", text_only)):
        print(f"  {name:<26}{kb(median([x.page_bytes for x in loads]))}"
              f"  {kb(median([x.diagram_bytes for x in loads]))}"
              f"  {median([x.drawn_ms for x in loads]):7.0f} ms")
    worst = max(median([x.page_bytes for x in with_editor]), median([x.page_bytes for x in lesson]))
    first = median([x.first_ms for x in with_editor])
    print(f"\n  target: at most {kb(TARGET_BYTES).strip()} before the first diagram "
          f"({'met' if worst <= TARGET_BYTES else 'NOT met'}: {kb(worst).strip()}), "
          f"the first diagram within {TARGET_MS} ms of Run "
          f"({'met' if first <= TARGET_MS else 'NOT met'}: {first:.0f} ms)")


if __name__ == "__main__":
    main()
