"""deploy/Dockerfile builds the way the lessons teach: bases pinned by digest (with the command
that refreshes each pin), a numeric non-root user, and no secret in any layer.

No image is built here (no container engine in the test run): the recipe is read as text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
DOCKERIGNORE = REPO / "deploy" / "Dockerfile.dockerignore"
DEPLOYMENT = REPO / "deploy" / "kubernetes" / "20-deployment.yaml"
PINNED = re.compile(r"^(?P<name>[a-z0-9._/-]+)(?::(?P<tag>[\w.-]+))?@sha256:[0-9a-f]{64}$")
FROM = re.compile(r"^(?:--platform=\S+\s+)?(?P<image>\S+)(?:\s+AS\s+(?P<stage>\S+))?$", re.I)
CREDENTIAL_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|CREDENTIAL", re.I)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).strip().partition(" ")
        found.append((keyword.upper(), " ".join(arguments.split())))
        pending = ""
    return found


def stages() -> list[tuple[str, str | None, list[tuple[str, str]]]]:
    """(base image, stage name, its instructions) for each FROM."""
    result: list[tuple[str, str | None, list[tuple[str, str]]]] = []
    for keyword, arguments in instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "FROM":
            match = FROM.match(arguments)
            assert match, arguments
            result.append((match["image"], match["stage"], []))
        elif result:
            result[-1][2].append((keyword, arguments))
    return result


def test_every_base_image_is_pinned_by_digest_or_an_earlier_stage() -> None:
    seen: set[str] = set()
    for image, stage, _ in stages():
        assert image in seen or PINNED.match(image), f"FROM {image} is neither pinned nor a stage"
        if stage:
            seen.add(stage)
    external = [image for image, _, _ in stages() if PINNED.match(image)]
    assert [image.split(":")[0] for image in external] == ["node", "python"]
    assert re.search(r"^python:3\.12[\w.-]*-slim", external[1])


def test_the_recipe_names_the_command_that_refreshes_each_pin() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    for image, _, _ in stages():
        match = PINNED.match(image)
        if match:
            tagged = image.split("@")[0]
            assert f"crane digest {tagged}\n" in text, tagged


def test_the_server_runs_as_a_numeric_non_root_user_the_deployment_agrees_with() -> None:
    *_, (_, _, runtime) = stages()
    users = [arguments for keyword, arguments in runtime if keyword == "USER"]
    assert users, "the runtime stage sets no USER: it would run as root"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0  # runAsNonRoot can only verify a numeric user
    pod = yaml.safe_load(DEPLOYMENT.read_text(encoding="utf-8"))["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == int(uid)
    assert pod["securityContext"]["runAsGroup"] == int(gid or uid)


def test_static_files_are_collected_at_build_time_with_debug_off() -> None:
    *_, (_, _, runtime) = stages()
    env = " ".join(arguments for keyword, arguments in runtime if keyword == "ENV")
    assert re.search(r"\bDEBUG=0\b", env)
    assert any(keyword == "RUN" and "manage.py collectstatic --noinput" in arguments
               for keyword, arguments in runtime)


def test_the_entrypoint_is_the_guarded_daphne_trusting_the_proxy_headers() -> None:
    *_, (_, _, runtime) = stages()
    entrypoint = [arguments for keyword, arguments in runtime if keyword == "ENTRYPOINT"][-1]
    assert entrypoint.startswith('["python", "-m", "sandbox.serve", "--proxy-headers"')
    assert any(keyword == "ENV" and "LUNCHBOX_MAX_CONNECTIONS_PER_CLIENT=0" in arguments
               for keyword, arguments in runtime)
    command = [arguments for keyword, arguments in runtime if keyword == "CMD"][-1]
    assert command == '["sandbox.asgi:application"]'


def test_no_secret_is_baked_into_the_image() -> None:
    for _, _, steps in stages():
        for keyword, arguments in steps:
            if keyword in {"ENV", "ARG", "LABEL"}:
                assert not CREDENTIAL_NAME.search(arguments), f"{keyword} {arguments}"
            if keyword in {"COPY", "ADD"} and "--from=" not in arguments:
                assert not re.search(r"(^|\s)(\.env|var|\.git)\b", arguments), arguments
    # The one key the build sees is made for collectstatic and gone with that command.
    text = DOCKERFILE.read_text(encoding="utf-8")
    assignments = re.findall(r"SECRET_KEY=(\S+)", text)
    assert assignments == ["\"$(python"], assignments


@pytest.mark.parametrize("path", ["var/secret_key", "var/lunchbox.sqlite3", ".env", ".git/config",
                                  ".venv/bin/python", "node_modules/mermaid/package.json",
                                  "static/vendor/mermaid/mermaid.esm.min.mjs",
                                  "sandbox/__pycache__/settings.cpython-312.pyc"])
def test_the_build_context_leaves_out_secrets_and_local_state(path: str) -> None:
    assert not sent_to_the_build(path)


def test_the_build_context_holds_everything_the_recipe_copies() -> None:
    sources = []
    for _, _, steps in stages():
        for keyword, arguments in steps:
            if keyword == "COPY" and "--from=" not in arguments:
                sources += arguments.split()[:-1]
    assert "requirements.lock" in sources and "sandbox" in sources
    for source in sources:
        assert sent_to_the_build(source), source
        assert (REPO / source).exists(), source


def sent_to_the_build(path: str) -> bool:
    """Whether the .dockerignore lets `path` into the context (last matching rule wins).

    Enough of Docker's matching for this file: `*` at the start, `**/` prefixes, and a rule
    for a directory also covers what is below it.
    """
    included = True
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        rule = line.strip()
        if not rule or rule.startswith("#"):
            continue
        negated = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*")
        if re.fullmatch(f"{regex}(?:/.*)?", path):
            included = negated
    return included
