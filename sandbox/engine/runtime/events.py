"""The exact texts of the kubelet's and scheduler's events (KUBERNETES.md §4, RUNTIME.md §9-§11).

`Pulling`, `Pulled`, `BackOff`, `FailedScheduling`, ...: each message in the wording of the
runtime profile's kubelet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..reference import go_quote
from .gotext import RenderError, go_duration, go_duration_ns, truncate_ms
from .profiles import DEFAULT_PROFILE, RuntimeProfile, profile_for

# --- event messages (KUBERNETES.md §4, RUNTIME.md §9-§11) --------------------------------------


def _image(image: object) -> str:
    if not isinstance(image, str):
        raise RenderError(f"an image must be a string, not {image!r}")
    return go_quote(image)


def _name(name: object, what: str = "a name") -> str:
    if not isinstance(name, str) or not name:
        raise RenderError(f"{what} must be a non-empty string, not {name!r}")
    return name


def msg_pulling(image: str) -> str:
    return f"Pulling image {_image(image)}"


def msg_pulled(image: str, pull_seconds: float, total_seconds: float, size: int,
               profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    """The `Pulled` message after a pull, in the wording of the profile's kubelet."""
    profile = profile_for(profile)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise RenderError(f"an image size is a non-negative number of bytes, not {size!r}")
    head = f"Successfully pulled image {_image(image)}"
    if profile.kubelet >= (1, 30):
        pulled, waited = go_duration_ns(truncate_ms(pull_seconds)), go_duration_ns(
            truncate_ms(total_seconds))
        return f"{head} in {pulled} ({waited} including waiting). Image size: {size} bytes."
    if profile.kubelet >= (1, 26):  # kubernetes#111772, release UNVERIFIED (≈ 1.26)
        return f"{head} in {go_duration(pull_seconds)} ({go_duration(total_seconds)} " \
               "including waiting)"
    if profile.kubelet >= (1, 19):
        return f"{head} in {go_duration(pull_seconds)}"
    return head


def msg_already_present(image: str, gate_on: bool) -> str:
    """`Pulled` without a pull; the KubeletEnsureSecretPulledImages gate adds the pod clause."""
    tail = " and can be accessed by the pod" if gate_on else ""
    return f"Container image {_image(image)} already present on machine{tail}"


def msg_failed_pull(image: str, error: str) -> str:
    return f"Failed to pull image {_image(image)}: {error}"


def msg_backoff(image: str) -> str:
    return f"Back-off pulling image {_image(image)}"


def backoff_status_message(image: str, error_name: str | None = None,
                           error_message: str | None = None) -> str:
    """The waiting message while in back-off: the event text plus the last pull error."""
    base = msg_backoff(image)
    if not error_name:
        return base
    return f"{base}: {error_name}: {error_message or ''}"


def _pod_desc(pod: str, namespace: str, uid: str) -> str:
    """The kubelet's `format.Pod`: `name_namespace(uid)`."""
    return f"{_name(pod, 'a pod name')}_{_name(namespace, 'a namespace')}({_name(uid, 'a UID')})"


def msg_backoff_restart(container: str, pod: str, namespace: str, uid: str) -> str:
    """`BackOff` (Warning) while a crashed container waits out its restart back-off."""
    return (f"Back-off restarting failed container {_name(container, 'a container name')} "
            f"in pod {_pod_desc(pod, namespace, uid)}")


def crash_backoff_status_message(window: float, container: str, pod: str, namespace: str,
                                 uid: str) -> str:
    """The `CrashLoopBackOff` waiting message: `back-off 10s restarting failed container=…`."""
    if isinstance(window, bool) or not isinstance(window, (int, float)) or window < 0:
        raise RenderError(f"a back-off window is a non-negative number of seconds, not {window!r}")
    return (f"back-off {go_duration(window)} restarting failed "
            f"container={_name(container, 'a container name')} "
            f"pod={_pod_desc(pod, namespace, uid)}")


def msg_never_pull(image: str) -> str:
    return f"Container image {_image(image)} is not present with pull policy of Never"


def msg_invalid_name(image: str, parse_error: str,
                     profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    """`InspectFailed` for a reference that does not parse, in the profile's kubelet wording
    (`RuntimeProfile.parse_wording`: `couldn't parse image name` since 1.28).

    Accepts the bare parse error (`invalid reference format`) or one already wrapped.
    """
    quoted = _image(image)
    wrappers = [f"couldn't parse image {kind} {quoted}: " for kind in ("name", "reference")]
    if not any(parse_error.startswith(w) for w in wrappers):
        parse_error = f"couldn't parse image {profile_for(profile).parse_wording} {quoted}: " \
                      f"{parse_error}"
    return f"Failed to apply default image tag {quoted}: {parse_error}"


def msg_inspect_failed(image: str, error: str,
                       profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    """`InspectFailed` when the runtime's ImageStatus fails (`image_manager.go`
    `imagePullPrecheck`): `Failed to inspect image "<ref>": <error>`, where the ref is empty
    since 1.32 (`RuntimeProfile.pull_precheck`) and the image as written before."""
    shown = "" if profile_for(profile).pull_precheck else image
    return f"Failed to inspect image {_image(shown)}: {_name(error, 'an ImageStatus error')}"


def msg_error(name: str) -> str:
    """startContainer's `Failed` event after any image error: `Error: ErrImagePull`."""
    return f"Error: {_name(name, 'an error name')}"


def msg_failed_secrets(names: Sequence[str]) -> str:
    """`FailedToRetrieveImagePullSecret` for the pull secrets the kubelet could not read."""
    if isinstance(names, str) or not names:
        raise RenderError("msg_failed_secrets needs a non-empty list of secret names")
    joined = ", ".join(_name(n, "a secret name") for n in names)
    return (f"Unable to retrieve some image pull secrets ({joined}); "
            "attempting to pull the image may not succeed.")


def msg_scheduled(namespace: str, pod: str, node: str) -> str:
    return f"Successfully assigned {_name(namespace)}/{_name(pod)} to {_name(node)}"


_NOTE_LIMIT = 1024  # the scheduler truncates event notes to 1 KiB


def _histogram(counts: Mapping[str, int]) -> str:
    items = []
    for reason, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise RenderError(f"node count for {reason!r} must be a positive int, not {count!r}")
        items.append(f"{count} {_name(reason, 'a reason')}")
    return ", ".join(sorted(items))


def msg_failed_scheduling(total: int, reasons: Mapping[str, int],
                          preemption: Mapping[str, int] | None = None) -> str:
    """`FailedScheduling` (`FitError.Error()`): reasons sorted as whole strings, then preemption."""
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise RenderError(f"the node count must be a non-negative int, not {total!r}")
    if total == 0:
        return "no nodes available to schedule pods"
    message = f"0/{total} nodes are available:"
    if reasons:
        message += f" {_histogram(reasons)}."
    tail = _histogram(preemption or {"Preemption is not helpful for scheduling": total})
    message += f" preemption: 0/{total} nodes are available: {tail}."
    if len(message.encode()) > _NOTE_LIMIT:
        message = message.encode()[: _NOTE_LIMIT - 4].decode(errors="ignore") + " ..."
    return message


def msg_created(name: str, profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    kubelet = profile_for(profile).kubelet
    if kubelet >= (1, 35):
        return "Container created"
    if kubelet >= (1, 32):  # the release that added the colon is UNVERIFIED (1.32 assumed)
        return f"Created container: {_name(name)}"
    return f"Created container {_name(name)}" if kubelet >= (1, 14) else "Created container"


def msg_started(name: str, profile: RuntimeProfile | str = DEFAULT_PROFILE) -> str:
    kubelet = profile_for(profile).kubelet
    if kubelet >= (1, 35):
        return "Container started"
    return f"Started container {_name(name)}" if kubelet >= (1, 14) else "Started container"
