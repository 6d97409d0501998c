"""Plausible compressed sizes for the layers a simulated build makes.

Not exact and not meant to be: a size comes from the instruction's words (which package
managers it runs and how many packages it names) and is frozen, so the same instruction always
makes a layer of the same size and lessons stay stable. A small deterministic spread (±10%,
from a hash of the instruction text) keeps two similar instructions from looking synthetic.
An author who wants a given number writes `# size: 12MB` above the instruction.

Orders of magnitude (compressed, as a registry stores them): `pip install flask` about 12 MB
(Flask and its dependencies, with pip's cache), `apt-get update && apt-get install -y curl`
about 34 MB (16 MB for the package, 18 MB for the apt lists unless the same RUN removes them),
`npm ci` about 60 MB, `COPY app.py` a few KB.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import shlex

KB = 1000
MB = 1000 * KB

# pip packages with their usual dependencies; others count PIP_DEFAULT.
PIP_SIZES: dict[str, int] = {
    "flask": 12 * MB, "django": 14 * MB, "fastapi": 10 * MB, "uvicorn": 4 * MB,
    "gunicorn": 2 * MB, "requests": 3 * MB, "numpy": 30 * MB, "pandas": 45 * MB,
    "scipy": 50 * MB, "torch": 800 * MB, "tensorflow": 550 * MB, "boto3": 20 * MB,
    "psycopg2-binary": 6 * MB, "psycopg": 5 * MB, "sqlalchemy": 8 * MB, "pillow": 8 * MB,
    "celery": 8 * MB, "redis": 2 * MB, "pytest": 4 * MB,
}
PIP_DEFAULT = 6 * MB
PIP_REQUIREMENTS = 25 * MB  # `pip install -r requirements.txt`: a typical web app's set
APT_LISTS = 18 * MB  # what `apt-get update` leaves in /var/lib/apt/lists
SMALL_COMMANDS = frozenset((
    "mkdir", "chmod", "chown", "chgrp", "useradd", "adduser", "groupadd", "addgroup", "ln",
    "echo", "touch", "true", "cp", "mv", "rm", "sed", "export", "cd", "set", "printf", "cat",
    "test", "[", "ls", "id", "whoami", "env",
))
MAX_PACKAGES = 200  # more names than this in one RUN count as this many
WORKDIR_LAYER = 96  # a tar holding one empty directory, gzipped
TAR_OVERHEAD = 512  # headers of a small tar, gzipped
COPY_FROM_STAGE = 8 * MB  # a built binary or bundle copied out of another stage
ADD_URL = 5 * MB

_SPLIT = re.compile(r"&&|\|\||[;|\n]")
_PIP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def spread(size: int, text: str) -> int:
    """`size` moved by a fixed -10%…+10% that depends only on `text`."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    fraction = int.from_bytes(digest[:4], "big") / 2**32  # 0 ≤ fraction < 1
    return max(1, round(size * (0.9 + 0.2 * fraction)))


def run_size(command: str) -> int:
    """Estimated layer size of `RUN <command>` (shell or exec form joined with spaces)."""
    segments = [_words(segment) for segment in _SPLIT.split(command)]
    removes_lists = any(
        words and words[0] == "rm" and any("/var/lib/apt/lists" in w for w in words)
        for words in segments
    )
    total = 0
    for words in segments:
        total += _segment_size(words, removes_lists)
    return spread(max(total, 2 * KB), command)


def _words(segment: str) -> list[str]:
    try:
        words = shlex.split(segment, posix=True)
    except ValueError:  # an unbalanced quote: Docker's shell would fail; we only estimate
        words = segment.split()
    while words and ("=" in words[0] and not words[0].startswith("=")
                     or words[0] in ("sudo", "env", "exec", "command")):
        words = words[1:]  # `DEBIAN_FRONTEND=noninteractive apt-get …`, `sudo …`
    return words


def _segment_size(words: list[str], removes_lists: bool) -> int:
    if not words:
        return 0
    program = posixpath.basename(words[0])
    rest = words[1:]
    if program in ("apt-get", "apt", "aptitude"):
        return _apt(rest, removes_lists)
    if program == "apk" and rest[:1] == ["add"]:
        return 500 * KB + 2 * MB * _count(_packages(rest[1:]))
    if program in ("yum", "dnf", "microdnf") and "install" in rest:
        return 30 * MB + 9 * MB * _count(_packages(rest[rest.index("install") + 1:]))
    if program.startswith("pip") or (program.startswith("python") and rest[:2] == ["-m", "pip"]):
        return _pip(rest[2:] if program.startswith("python") else rest)
    if program in ("npm", "yarn", "pnpm"):
        return _npm(rest)
    if program == "go":
        return 80 * MB if rest[:2] == ["mod", "download"] else 12 * MB
    if program in ("curl", "wget", "git"):
        return 8 * MB
    if program in SMALL_COMMANDS:
        return 2 * KB
    return 32 * KB


def _apt(rest: list[str], removes_lists: bool) -> int:
    if "update" in rest:
        return 0 if removes_lists else APT_LISTS
    if "install" in rest:
        names = _packages(rest[rest.index("install") + 1:])
        return 9 * MB + 7 * MB * _count(names)
    return 32 * KB


def _pip(rest: list[str]) -> int:
    if "install" not in rest:
        return 32 * KB
    args = rest[rest.index("install") + 1:]
    total = 0
    skip_next = False
    for word in args:
        if skip_next:
            skip_next = False
            continue
        if word in ("-r", "--requirement", "-c", "--constraint"):
            total += PIP_REQUIREMENTS if word in ("-r", "--requirement") else 0
            skip_next = True
            continue
        if word.startswith("-"):
            continue
        match = _PIP_NAME.match(word)
        if match is not None:
            name = re.split(r"[<>=!~\[;@]", match.group(0))[0].lower()
            total += PIP_SIZES.get(name, PIP_DEFAULT)
    return total


def _npm(rest: list[str]) -> int:
    if not rest or rest[0] not in ("install", "i", "ci", "add"):
        return 32 * KB
    names = _packages(rest[1:])
    return 5 * MB * _count(names) if names else 60 * MB


def _packages(words: list[str]) -> list[str]:
    return [word for word in words if not word.startswith("-")]


def _count(names: list[str]) -> int:
    return min(len(names), MAX_PACKAGES)


def file_size(path: str) -> int:
    """Estimated compressed size of a context file whose size the author did not give."""
    name = posixpath.basename(path).lower()
    if name.endswith((".lock", "-lock.json")) or name == "go.sum":
        return 40 * KB
    if name.endswith((".txt", ".toml", ".cfg", ".ini", ".json", ".yaml", ".yml", ".mod")):
        return 1 * KB
    if name.endswith((".png", ".jpg", ".jpeg", ".gif", ".woff2", ".ico")):
        return 60 * KB
    if name.endswith((".tar", ".gz", ".tgz", ".zip", ".jar", ".whl")):
        return 5 * MB
    return 4 * KB  # source code
