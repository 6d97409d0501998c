"""The built-in Docker Hub: common official images, with tags, layers and two architectures.

Sizes are plausible, not exact: they are compressed sizes of the right order for late-2024
builds (nginx:1.25 about 71 MB in 7 layers, alpine about 3.5 MB in one), rounded and frozen so
lessons stay stable. What is realistic on purpose is the shape: layer counts, and base layers
shared between images built on the same base (python, node and golang on Debian bookworm share
the buildpack-deps layers; nginx, redis, postgres, httpd, memcached and the slim python and node
images share the bookworm-slim layer; the alpine variants share the alpine layer). Each official
image is an index of a linux/amd64 and a linux/arm64 manifest. Small script layers that hold
the same files on every architecture have the same digest on both, as on Docker Hub.

A repository missing from here is missing from the simulated Docker Hub, which then answers as
the real one does for an unknown repository.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

from ..world import Image, ImageIndex, Layer, Registry, Repository

DOCKER_HUB = "docker.io"
CATALOGUE_ARCHITECTURES = ("amd64", "arm64")


class _Part(NamedTuple):
    """A layer recipe: `portable` layers hold the same bytes on every architecture."""

    label: str
    size: int  # amd64 compressed bytes
    portable: bool = False


def _layer(part: _Part, architecture: str) -> Layer:
    if part.portable:
        return Layer(part.label, part.size)
    # arm64 binaries come out a few percent smaller than amd64 ones.
    size = part.size if architecture == "amd64" else part.size * 97 // 100
    return Layer(f"{part.label} linux/{architecture}", size)


def _index(image_id: str, recipe: Sequence[_Part]) -> ImageIndex:
    return ImageIndex(
        image_id,
        tuple(
            Image(image_id, tuple(_layer(part, arch) for part in recipe), architecture=arch)
            for arch in CATALOGUE_ARCHITECTURES
        ),
    )


def _script(name: str, size: int) -> _Part:
    return _Part(name, size, portable=True)


# Base layers: one snapshot per base image, as if every official image had been rebuilt the
# same week.
BOOKWORM = (_Part("debian bookworm 20241202 rootfs", 49_557_000),)
BOOKWORM_SLIM = (_Part("debian bookworm-slim 20241202 rootfs", 29_126_000),)
BULLSEYE = (_Part("debian bullseye 20241202 rootfs", 53_740_000),)
BULLSEYE_SLIM = (_Part("debian bullseye-slim 20241202 rootfs", 31_420_000),)
ALPINE = {
    "3.18.9": (_Part("alpine 3.18.9 minirootfs", 3_411_000),),
    "3.19.4": (_Part("alpine 3.19.4 minirootfs", 3_418_000),),
    "3.20.3": (_Part("alpine 3.20.3 minirootfs", 3_447_000),),
    "3.21.0": (_Part("alpine 3.21.0 minirootfs", 3_462_000),),
}
BUILDPACK_CURL = BOOKWORM + (_Part("buildpack-deps bookworm-curl apt", 24_058_000),)
BUILDPACK_SCM = BUILDPACK_CURL + (_Part("buildpack-deps bookworm-scm apt", 64_393_000),)
BUILDPACK = BUILDPACK_SCM + (_Part("buildpack-deps bookworm apt", 201_310_000),)


class _Repo:
    """Collects the images and tags of one catalogue repository."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.images: dict[str, ImageIndex] = {}
        self.tags: dict[str, str] = {}

    def add(self, image_id: str, recipe: Sequence[_Part], *tags: str) -> None:
        self.images[image_id] = _index(image_id, recipe)
        for tag in (image_id, *tags):
            self.tags[tag] = image_id

    def build(self) -> Repository:
        return Repository(self.path, dict(self.images), dict(self.tags))


def _nginx() -> _Repo:
    repo = _Repo("library/nginx")
    scripts = (
        _script("nginx docker-entrypoint.sh", 628),
        _script("nginx 10-listen-on-ipv6-by-default.sh", 956),
        _script("nginx 15-local-resolvers.envsh", 405),
        _script("nginx 20-envsubst-on-templates.sh", 1_208),
        _script("nginx 30-tune-worker-processes.sh", 1_398),
    )
    versions = (
        ("1.25.5", 41_853_000, "3.19.4", ("1.25",), ()),
        ("1.26.2", 41_921_000, "3.20.3", ("1.26", "stable"), ("stable",)),
        ("1.27.3", 42_006_000, "3.20.3", ("1.27", "mainline", "latest"), ("mainline", "")),
    )
    for version, size, alpine, tags, alpine_tags in versions:
        bookworm = BOOKWORM_SLIM + (_Part(f"nginx {version} bookworm packages", size),)
        repo.add(version, bookworm + scripts, *tags, *(f"{t}-bookworm" for t in tags[:1]))
        small = ALPINE[alpine] + (_Part(f"nginx {version} alpine packages", 1_792_000),)
        modules = (_Part(f"nginx {version} alpine njs and modules", 14_830_000),)
        alpine_names = [f"{t}-alpine" for t in tags[:1]] + [
            f"{t}-alpine" if t else "alpine" for t in alpine_tags
        ]
        repo.add(f"{version}-alpine", small + scripts + modules, *alpine_names)
        repo.add(f"{version}-alpine-slim", small + scripts, f"{tags[0]}-alpine-slim")
    return repo


def _single_layer(path: str, versions: Sequence[tuple[str, int, Sequence[str]]]) -> _Repo:
    repo = _Repo(path)
    for version, size, tags in versions:
        repo.add(version, (_Part(f"{path} {version} rootfs", size),), *tags)
    return repo


def _alpine() -> _Repo:
    repo = _Repo("library/alpine")
    for version, recipe in ALPINE.items():
        minor = version.rsplit(".", 1)[0]
        repo.add(version, recipe, minor, *(("3", "latest") if version == "3.21.0" else ()))
    return repo


def _debian() -> _Repo:
    repo = _Repo("library/debian")
    repo.add("12.8", BOOKWORM, "12", "bookworm", "stable", "latest")
    repo.add("12.8-slim", BOOKWORM_SLIM, "12-slim", "bookworm-slim", "stable-slim")
    repo.add("11.11", BULLSEYE, "11", "bullseye", "oldstable")
    repo.add("11.11-slim", BULLSEYE_SLIM, "11-slim", "bullseye-slim", "oldstable-slim")
    return repo


def _python() -> _Repo:
    repo = _Repo("library/python")
    versions = (("3.11.11", 24_912_000, ()), ("3.12.8", 25_394_000, ()),
                ("3.13.1", 26_021_000, ("3", "latest")))
    for version, size, extra in versions:
        minor = version.rsplit(".", 1)[0]
        python = (_Part(f"python {version} build", size), _script("python symlinks", 249))
        repo.add(version, BUILDPACK + (_Part("python bookworm runtime deps", 6_160_000),) + python,
                 minor, f"{minor}-bookworm", *extra)
        slim = BOOKWORM_SLIM + (_Part("python bookworm-slim runtime deps", 3_511_000),)
        repo.add(f"{version}-slim", slim + (_Part(f"python {version} slim build",
                                                  size // 2),) + python[1:],
                 f"{minor}-slim", f"{minor}-slim-bookworm", *(f"{t}-slim" for t in extra[:1]),
                 *(("slim",) if extra else ()))
        alpine = ALPINE["3.21.0"] + (_Part("python alpine runtime deps", 460_000),)
        repo.add(f"{version}-alpine", alpine + (_Part(f"python {version} alpine build",
                                                      size * 2 // 3),) + python[1:],
                 f"{minor}-alpine", *(("alpine",) if extra else ()))
    return repo


def _node() -> _Repo:
    repo = _Repo("library/node")
    node_user = _script("node user and group", 3_318)
    entrypoint = _script("node docker-entrypoint.sh", 451)
    versions = (("18.20.5", 40_114_000, ("18", "hydrogen")),
                ("20.18.1", 48_217_000, ("20", "iron")),
                ("22.12.0", 50_312_000, ("22", "jod", "lts")),
                ("23.4.0", 51_060_000, ("23", "current", "latest")))
    for version, size, tags in versions:
        major = tags[0]
        yarn = _Part("yarn 1.22.22", 1_251_000)
        node = (_Part(f"node {version} glibc binaries", size), yarn, entrypoint)
        repo.add(version, BUILDPACK + (node_user,) + node, *tags, f"{major}-bookworm")
        repo.add(f"{version}-slim", BOOKWORM_SLIM + (node_user,) + node,
                 *(f"{t}-slim" if t != "latest" else "slim" for t in tags))
        musl = (_Part(f"node {version} musl binaries", size * 95 // 100), yarn, entrypoint)
        repo.add(f"{version}-alpine", ALPINE["3.21.0"] + musl,
                 *(f"{t}-alpine" if t != "latest" else "alpine" for t in tags))
    return repo


def _on_base(repo: _Repo, version: str, base: Sequence[_Part], name: str,
             sizes: Sequence[int], *tags: str) -> None:
    """Add an image whose own layers are sized `sizes`, one label per layer, on `base`."""
    own = tuple(
        _script(f"{name} {version} layer {n}", size) if size < 4_096
        else _Part(f"{name} {version} layer {n}", size)
        for n, size in enumerate(sizes, start=1)
    )
    repo.add(version, tuple(base) + own, *tags)


def _services() -> list[_Repo]:
    redis = _Repo("library/redis")
    _on_base(redis, "7.2.6", BOOKWORM_SLIM, "redis", (1_102, 1_398_000, 1_210_000, 17_120_000,
                                                       97, 582), "7.2")
    _on_base(redis, "7.4.1", BOOKWORM_SLIM, "redis", (1_102, 1_398_000, 1_210_000, 17_840_000,
                                                       97, 582), "7.4", "7", "latest")
    _on_base(redis, "7.4.1-alpine", ALPINE["3.20.3"], "redis",
             (1_020, 412_000, 10_310_000, 97, 582), "7.4-alpine", "7-alpine", "alpine")

    postgres = _Repo("library/postgres")
    pg_layers = (1_107, 4_318_000, 1_402_000, 8_070_000, 1_081, 1_540, 117, 0, 9_812, 129, 188,
                 5_409, 186)
    for version, size, tags in (("15.10", 101_600_000, ("15",)),
                                ("16.6", 104_900_000, ("16",)),
                                ("17.2", 106_300_000, ("17", "latest"))):
        layers = tuple(size if s == 0 else s for s in pg_layers)
        _on_base(postgres, version, BOOKWORM_SLIM, "postgres", layers, *tags)
        _on_base(postgres, f"{version}-alpine", ALPINE["3.21.0"], "postgres",
                 (968, 127, 2_148_000, size * 8 // 10, 9_812, 129, 188, 5_409, 186),
                 f"{tags[0]}-alpine", *(("alpine",) if "latest" in tags else ()))

    httpd = _Repo("library/httpd")
    _on_base(httpd, "2.4.62", BOOKWORM_SLIM, "httpd", (148, 3_601_000, 25_640_000, 292),
             "2.4", "2", "latest")
    _on_base(httpd, "2.4.62-alpine", ALPINE["3.21.0"], "httpd",
             (1_284, 1_409_000, 10_480_000, 292), "2.4-alpine", "2-alpine", "alpine")

    mysql = _Repo("library/mysql")
    oraclelinux = (_Part("oraclelinux 9-slim rootfs", 49_011_000),)
    for version, names in (("8.0.40", ["8.0"]), ("8.4.3", ["8.4", "8", "lts"]),
                          ("9.1.0", ["9.1", "9", "innovation", "latest"])):
        _on_base(mysql, version, oraclelinux, "mysql",
                 (884_000, 962, 6_902_000, 2_601, 327, 58_310_000, 331, 54_120_000, 3_211, 116),
                 *names, f"{names[0]}-oraclelinux9")

    golang = _Repo("library/golang")
    for version, names in (("1.22.10", ["1.22"]), ("1.23.4", ["1.23", "1", "latest"])):
        _on_base(golang, version, BUILDPACK_SCM, "golang", (86_210_000, 75_480_000, 126),
                 *names, f"{names[0]}-bookworm")
        _on_base(golang, f"{version}-alpine", ALPINE["3.21.0"], "golang",
                 (291_000, 73_910_000, 126), f"{names[0]}-alpine",
                 *(("alpine",) if "latest" in names else ()))

    traefik = _Repo("library/traefik")
    for version, names in (("2.11.16", ["v2.11", "2.11", "v2"]),
                          ("3.2.3", ["v3.2", "3.2", "v3", "3", "latest"])):
        _on_base(traefik, version, ALPINE["3.20.3"], "traefik", (752_000, 44_310_000, 367),
                 f"v{version}", *names)

    memcached = _Repo("library/memcached")
    _on_base(memcached, "1.6.33", BOOKWORM_SLIM, "memcached", (1_115, 612_000, 1_684_000, 287),
             "1.6", "1", "latest")
    _on_base(memcached, "1.6.33-alpine", ALPINE["3.21.0"], "memcached",
             (1_009, 296_000, 1_401_000, 287), "1.6-alpine", "alpine")
    return [redis, postgres, httpd, mysql, golang, traefik, memcached]


@functools.cache
def docker_hub() -> Registry:
    """The simulated Docker Hub with the built-in catalogue; built once, then shared.

    The result is shared between evaluations: never mutate its dictionaries.
    """
    repos = [
        _nginx(),
        _single_layer("library/busybox", (("1.36.1", 2_153_000, ("1.36", "stable")),
                                          ("1.37.0", 2_162_000, ("1.37", "1", "latest")))),
        _alpine(),
        _debian(),
        _single_layer("library/ubuntu", (("22.04", 29_537_000, ("jammy",)),
                                         ("24.04", 29_754_000, ("noble", "latest")))),
        _python(),
        _node(),
        *_services(),
    ]
    return Registry(DOCKER_HUB, repositories={r.path: r.build() for r in repos})
