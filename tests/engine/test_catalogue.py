"""The built-in Docker Hub: repositories, tags, layer shapes, shared layers and digests."""

from __future__ import annotations

import pytest

from sandbox.engine.scenario import docker_hub
from sandbox.engine.world import Image, ImageIndex

MB = 1_000_000


def _image(repository: str, tag: str, architecture: str = "amd64") -> Image:
    repo = docker_hub().repositories[f"library/{repository}"]
    index = repo.images[repo.tags[tag]]
    assert isinstance(index, ImageIndex)
    image = index.for_platform(architecture)
    assert image is not None
    return image


def _digests(image: Image) -> list[str]:
    return [layer.digest for layer in image.layers]


@pytest.mark.parametrize(
    ("repository", "tags"),
    [
        ("nginx", ["1.25", "1.26", "1.27", "latest", "stable", "mainline", "alpine",
                   "1.25-alpine", "1.27-alpine"]),
        ("busybox", ["1.36", "latest"]),
        ("alpine", ["3.19", "3.20", "latest"]),
        ("debian", ["12", "bookworm", "12-slim", "bookworm-slim", "11", "latest"]),
        ("ubuntu", ["22.04", "24.04", "noble", "latest"]),
        ("python", ["3.12", "3.12-slim", "3.12-alpine", "3.13", "latest"]),
        ("node", ["20", "22", "22-alpine", "lts", "latest"]),
        ("redis", ["7", "7.4", "alpine", "latest"]),
        ("postgres", ["16", "17", "16-alpine", "latest"]),
        ("httpd", ["2.4", "alpine", "latest"]),
        ("mysql", ["8.0", "8.4", "lts", "latest"]),
        ("golang", ["1.22", "1.23", "1.23-alpine", "latest"]),
        ("traefik", ["v3.2", "3.2", "v2.11", "latest"]),
        ("memcached", ["1.6", "alpine", "latest"]),
    ],
)
def test_catalogue_has_the_common_official_images_and_tags(repository: str,
                                                           tags: list[str]) -> None:
    repo = docker_hub().repositories[f"library/{repository}"]
    for tag in tags:
        assert tag in repo.tags, f"{repository}:{tag}"


def test_every_tag_points_to_an_index_with_amd64_and_arm64_manifests() -> None:
    for path, repo in docker_hub().repositories.items():
        assert repo.tags, path
        for tag, image_id in repo.tags.items():
            index = repo.images[image_id]
            assert isinstance(index, ImageIndex), f"{path}:{tag}"
            assert {m.architecture for m in index.manifests} == {"amd64", "arm64"}
            assert all(m.id == image_id for m in index.manifests)


def test_nginx_1_25_is_seven_layers_of_about_70_mb_on_bookworm_slim() -> None:
    image = _image("nginx", "1.25")
    assert len(image.layers) == 7
    assert 67 * MB <= image.size <= 71 * MB
    assert image.layers[0] == _image("debian", "12-slim").layers[0]


@pytest.mark.parametrize(
    ("repository", "tag", "layers", "low", "high"),
    [
        ("alpine", "latest", 1, 3.3, 3.6),
        ("busybox", "latest", 1, 2.1, 2.3),
        ("ubuntu", "latest", 1, 28.5, 30.5),
        ("debian", "12", 1, 48, 51),
        ("python", "3.12", 7, 360, 380),
        ("node", "20", 8, 370, 410),
    ],
)
def test_image_shapes_are_realistic(repository: str, tag: str, layers: int, low: float,
                                    high: float) -> None:
    image = _image(repository, tag)
    assert len(image.layers) == layers
    assert low * MB <= image.size <= high * MB


def test_python_node_and_golang_share_the_debian_bookworm_layers() -> None:
    python, node, golang = _image("python", "3.12"), _image("node", "20"), _image("golang", "1.23")
    assert _digests(python)[:4] == _digests(node)[:4]
    assert _digests(python)[:3] == _digests(golang)[:3]
    assert _digests(python)[0] == _digests(_image("debian", "12"))[0]
    assert _digests(python)[4:] != _digests(node)[4:]


def test_alpine_variants_share_the_alpine_layer() -> None:
    base = _digests(_image("alpine", "3.21"))[0]
    for repository, tag in (("node", "22-alpine"), ("python", "3.12-alpine"),
                            ("golang", "1.23-alpine")):
        assert _digests(_image(repository, tag))[0] == base


def test_arm64_manifests_have_their_own_binaries_but_share_script_layers() -> None:
    amd, arm = _image("nginx", "1.25"), _image("nginx", "1.25", "arm64")
    assert amd.layers[0].digest != arm.layers[0].digest
    assert amd.layers[-1].digest == arm.layers[-1].digest  # a shell script: same bytes
    assert amd.manifest_digest != arm.manifest_digest


def test_tags_of_one_release_point_to_the_same_image() -> None:
    repo = docker_hub().repositories["library/nginx"]
    assert repo.tags["latest"] == repo.tags["mainline"] == repo.tags["1.27"]
    assert repo.tags["stable"] == repo.tags["1.26"]
    assert repo.tags["1.25"] != repo.tags["1.26"]


def test_digests_are_fixed_so_lessons_can_pin_them() -> None:
    index = docker_hub().repositories["library/nginx"].images["1.25.5"]
    assert index.manifest_digest == (
        "sha256:0ec2639a8405cc0cc61aef179ffe883d4ee6941a72219a239764c5588483ff7d")
    assert _image("nginx", "1.25").manifest_digest == (
        "sha256:689557cb4c6039343d9eb0997f2791018b1bc8ad65d3a99f8abf743b84ead47e")


def test_the_catalogue_is_built_once_and_shared() -> None:
    assert docker_hub() is docker_hub()
    assert docker_hub().host == "docker.io"
    assert not docker_hub().private


@pytest.mark.parametrize("path", ["library/nginxx", "library/doesnotexist", "nginx",
                                  "bitnami/nginx"])
def test_unknown_repositories_are_not_in_the_catalogue(path: str) -> None:
    assert docker_hub().repository(path) is None
