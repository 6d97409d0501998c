"""Runtime profiles: which kubelet, kubectl and containerd a scenario's cluster runs.

The wordings of events and pull errors change between releases (RUNTIME.md §12); a profile's
properties say which wording applies, so the text builders never compare versions themselves.
docs/versions.md says which upstream file and release each wording was read in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .gotext import RenderError

# --- profiles (RUNTIME.md §12) -----------------------------------------------------------------


def _version(value: object, parts: int, what: str) -> tuple[int, ...]:
    if (not isinstance(value, tuple) or len(value) != parts
            or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 1000
                       for v in value)):
        raise RenderError(f"{what} must be a tuple of {parts} small non-negative ints, "
                          f"not {value!r}")
    return value


@dataclass(frozen=True)
class RuntimeProfile:
    """Which kubelet, kubectl and containerd a scenario's cluster runs; the wordings follow."""

    name: str
    kubelet: tuple[int, int]
    kubectl: tuple[int, int]
    containerd: tuple[int, int, int]
    # containerd 2.1+ pulls through the transfer service unless a config option forces the old
    # local pull (kind sets discard_unpacked_layers, so kind keeps `failed to resolve reference`).
    transfer_service: bool = False
    # Docker Hub's anonymous rate-limit text changed in 2025 (RUNTIME.md §6).
    docker_hub_2025: bool = True
    # The patch release the nodes report as VERSION: one that upstream tagged.
    kubelet_patch: int = 0
    # What this profile takes from an older release without having read it in this one's
    # source (docs/versions.md). Empty for a verified profile; only those can be the default.
    unverified: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise RenderError("a runtime profile needs a name")
        _version(self.kubelet, 2, "kubelet version")
        _version(self.kubectl, 2, "kubectl version")
        _version(self.containerd, 3, "containerd version")
        _version((self.kubelet_patch,), 1, "kubelet patch release")
        if self.containerd < (1, 3, 0):
            raise RenderError("containerd before 1.3 (no `failed to pull and unpack image` "
                              "wrapper) is not modelled")
        if (not isinstance(self.unverified, tuple)
                or not all(isinstance(u, str) and u for u in self.unverified)):
            raise RenderError("a profile's unverified parts are a tuple of non-empty strings")

    @property
    def kubernetes(self) -> str:
        """The Kubernetes release the kubelet is, e.g. `1.35`."""
        return ".".join(map(str, self.kubelet))

    @property
    def kubelet_version(self) -> str:
        """NodeSystemInfo.kubeletVersion, `kubectl get nodes`' VERSION: `v1.35.7`."""
        return f"v{self.kubernetes}.{self.kubelet_patch}"

    @property
    def containerd_version(self) -> str:
        """The containerd release, e.g. `2.3.4` (its wording changes within a minor)."""
        return ".".join(map(str, self.containerd))

    @property
    def container_runtime_version(self) -> str:
        """NodeSystemInfo.containerRuntimeVersion, the CONTAINER-RUNTIME column."""
        return f"containerd://{self.containerd_version}"

    @property
    def verified(self) -> bool:
        """Every wording it picks was read in its own releases' sources (docs/versions.md)."""
        return not self.unverified

    @property
    def strips_unknown(self) -> bool:
        """kubelet >= 1.28 drops `rpc error: code = Unknown desc = ` (kubernetes#117612)."""
        return self.kubelet >= (1, 28)

    @property
    def parse_wording(self) -> Literal["name", "reference"]:
        """How the kubelet wraps a reference that does not parse. Since 1.28 `applyDefaultImageTag`
        (pkg/kubelet/images/image_manager.go) returns `parsers.ParseImageName`'s error unwrapped:
        `couldn't parse image name %q: %v` (pkg/util/parsers/parsers.go). Before, it parsed
        with `dockerref.ParseNormalizedNamed` itself: `couldn't parse image reference %q: %v`."""
        return "name" if self.kubelet >= (1, 28) else "reference"

    @property
    def resolve_wording(self) -> Literal["reference", "image"]:
        """`failed to resolve reference "<ref>"` (local pull) or `failed to resolve image`."""
        return "image" if self.transfer_service and self.containerd >= (2, 1, 0) else "reference"

    @property
    def status_with_url(self) -> bool:
        """`<U>` names the method and URL since containerd 1.6.25 (`unexpected status from …`)."""
        return self.containerd >= (1, 6, 25)

    @property
    def basic_no_credentials(self) -> bool:
        """The Basic-challenge branch (`no basic auth credentials`): 1.6.25+, 1.7.8+, 2.x."""
        v = self.containerd
        return (1, 6, 25) <= v < (1, 7, 0) or v >= (1, 7, 8)

    @property
    def mangles_percent(self) -> bool:
        """containerd 1.x formatted non-Unknown messages with `status.Errorf` (`%!A(MISSING)`)."""
        return self.containerd < (2, 0, 0)

    @property
    def registry_error_on_new_line(self) -> bool:
        """containerd 2.1.3+ joins status and registry error with a newline (commit af068ff86)."""
        return self.containerd >= (2, 1, 3)

    @property
    def redacts_transport_urls(self) -> bool:
        """2026 releases replace query values in transport-error URLs with `%5BREDACTED%5D`."""
        v = self.containerd
        return (2, 0, 8) <= v < (2, 1, 0) or (2, 1, 7) <= v < (2, 2, 0) or v >= (2, 2, 2)

    @property
    def field_path_prefix(self) -> bool:
        """kubectl >= 1.35 prefixes event messages with `spec.containers{<name>}: `."""
        return self.kubectl >= (1, 35)

    @property
    def describe_many_shows_events(self) -> bool:
        """kubectl < 1.36 shows Events when describing several objects; 1.36+ only for one
        object unless `--show-events` is given (kubectl pkg/cmd/describe/describe.go,
        commit b902e4389 = kubernetes#137145, first in kubernetes-1.36.0)."""
        return self.kubectl < (1, 36)

    @property
    def kernel_version_shows_arch(self) -> bool:
        """From Kubernetes 1.36 `kubectl get nodes -o wide` prints the node's architecture
        (NodeSystemInfo.architecture) after its kernel, in the KERNEL-VERSION column:
        `6.8.0 (amd64)` (kubernetes#132402, whose release note reads "Add architecture to the
        kernel version column"). There is no ARCH column, though the PR's description and the
        v1.36.0 notes say so: real v1.36.0-v1.37.0 clusters print the architecture in
        parentheses (docs/versions.md). The table is the API server's printer's
        (pkg/printers/internalversion/printers.go), so the control plane's release decides,
        which here is the profile's Kubernetes; no 1.36+ printers.go could be read."""
        return self.kubelet >= (1, 36)

    @property
    def pull_precheck(self) -> bool:
        """kubelet >= 1.32 asks the runtime whether the image is present in `imagePullPrecheck`
        (kubernetes#126550, opened after 1.31's freeze): not at all for `Always`, and an
        ImageStatus error is worded with the image ref `GetImageRef` left empty
        (`Failed to inspect image ""`, seen on k3s v1.32.5 in k3s-io/k3s#12540). Before, every
        policy asked, and the message named the image as written."""
        return self.kubelet >= (1, 32)

    @property
    def secret_pulled_images_gate(self) -> bool:
        """KubeletEnsureSecretPulledImages: alpha and off in 1.33-1.34, beta and on from 1.35
        (kube_features.go, 1.35-era); still beta in 1.37 (KEP-2535 kep.yaml, KUBERNETES.md §12)."""
        return self.kubelet >= (1, 35)

    @property
    def seeker(self) -> str:
        return "httpReaderSeeker" if self.containerd < (1, 5, 0) else "httpReadSeeker"


PROFILES: dict[str, RuntimeProfile] = {
    # k8s 1.26-1.27 with containerd 1.6 before 1.6.25: the texts of most 2022-2023 reports.
    "classic": RuntimeProfile("classic", (1, 27), (1, 27), (1, 6, 20), docker_hub_2025=False,
                              kubelet_patch=16),
    # k8s 1.30-1.34 with containerd 2.0 (kind of that era).
    "current": RuntimeProfile("current", (1, 34), (1, 34), (2, 0, 5), kubelet_patch=10),
    # k8s 1.35 with containerd 2.3 configured as kind runs it (local pull: `resolve reference`).
    "newest": RuntimeProfile("newest", (1, 35), (1, 35), (2, 3, 4), kubelet_patch=7),
    # k8s 1.37 on kind's node image (kindest/node:v1.37.0-rc.1, containerd v2.3.4). Read at
    # v0.37.0-beta.0: kubectl, cri-client, the kubelet's config types; KEP-2535's kep.yaml.
    "k8s-1.37": RuntimeProfile(
        "k8s-1.37", (1, 37), (1, 37), (2, 3, 4), kubelet_patch=0,
        unverified=(
            "the kubelet's event texts (pkg/kubelet/images/image_manager.go, "
            "kuberuntime_container.go) are 1.35's: no 1.36 or 1.37 source of them was read; "
            "v1.37.0 clusters' output shows the Pulling, Failed, BackOff, already-present and "
            "Container created/started texts unchanged, not the others",
            "KubeletEnsureSecretPulledImages beta and on by default: from KEP-2535's kep.yaml "
            "(stage beta, latest-milestone v1.37) and v1.37.0 clusters' `can be accessed by "
            "the pod` events, not from kube_features.go at a 1.37 tag",
        )),
}


def _newest_verified() -> RuntimeProfile:
    return max((p for p in PROFILES.values() if p.verified),
               key=lambda p: (p.kubelet, p.kubectl, p.containerd))


# The newest profile whose wording was read in its own releases: the rule (#12).
DEFAULT_PROFILE = _newest_verified()
# The same cluster with containerd's default config, where CRI pulls through the transfer service.
TRANSFER_SERVICE_PROFILE = RuntimeProfile("newest-transfer", (1, 35), (1, 35), (2, 3, 4),
                                          transfer_service=True, kubelet_patch=7)


def profile_for(profile: RuntimeProfile | str) -> RuntimeProfile:
    """The profile itself, or the named one of PROFILES."""
    if isinstance(profile, RuntimeProfile):
        return profile
    if isinstance(profile, str) and profile in PROFILES:
        return PROFILES[profile]
    if isinstance(profile, str) and profile == TRANSFER_SERVICE_PROFILE.name:
        return TRANSFER_SERVICE_PROFILE
    raise RenderError(f"unknown runtime profile {profile!r}; known: {', '.join(PROFILES)}")


def modelled_versions(profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    """What a cluster of this profile runs, for a page or a header:
    `Kubernetes 1.35 · containerd 2.3.4`."""
    profile = profile_for(profile)
    return f"Kubernetes {profile.kubernetes} · containerd {profile.containerd_version}"
