"""What the container runtime and kubelet say: the one import for every runtime text.

Fronts the Go renderings (`gotext`), the runtime profiles (`runtime_profiles`), the pull failures
(`pullerrors`) and the event messages (`runtime_events`), so callers write `runtime.<name>` for
all of them. RUNTIME.md (what a learner sees, per version) and KUBERNETES.md §4-§5 are the sources.
"""

from __future__ import annotations

from .events import (
    backoff_status_message,
    crash_backoff_status_message,
    msg_already_present,
    msg_backoff,
    msg_backoff_restart,
    msg_created,
    msg_error,
    msg_failed_pull,
    msg_failed_scheduling,
    msg_failed_secrets,
    msg_inspect_failed,
    msg_invalid_name,
    msg_never_pull,
    msg_pulled,
    msg_pulling,
    msg_scheduled,
    msg_started,
)
from .gotext import (
    MICROSECOND,
    MILLISECOND,
    SECOND,
    RenderError,
    go_duration,
    go_duration_ns,
    go_errorf_without_args,
    to_nanoseconds,
    truncate_ms,
)
from .profiles import (
    DEFAULT_PROFILE,
    PROFILES,
    TRANSFER_SERVICE_PROFILE,
    RuntimeProfile,
    modelled_versions,
    profile_for,
)
from .pull_errors import (
    GRPC_CODES,
    NODE_RESOLVER,
    GrpcCode,
    ImageLike,
    ProfileLike,
    PullFailure,
    UnreachableKind,
    access_denied_basic,
    access_denied_bearer,
    aggregate,
    aggregate_failures,
    anonymous_token_refused,
    basic_wrong_password,
    classify_pull_error,
    digest_not_found,
    manifest_not_found,
    manifest_status,
    no_platform_match,
    oauth_token_refused,
    pull_canceled,
    rate_limited,
    registry_unreachable,
    render,
    render_for_kubelet,
    repository_not_found_docker_hub,
    tag_not_found,
    token_url,
    wrong_credentials,
)

__all__ = [
    # gotext
    "MICROSECOND", "MILLISECOND", "SECOND", "RenderError", "go_duration", "go_duration_ns",
    "go_errorf_without_args", "to_nanoseconds", "truncate_ms",
    # runtime_profiles
    "DEFAULT_PROFILE", "PROFILES", "TRANSFER_SERVICE_PROFILE", "RuntimeProfile",
    "modelled_versions", "profile_for",
    # pullerrors
    "GRPC_CODES", "NODE_RESOLVER", "GrpcCode", "ImageLike", "ProfileLike", "PullFailure",
    "UnreachableKind", "access_denied_basic", "access_denied_bearer", "aggregate",
    "aggregate_failures", "anonymous_token_refused", "basic_wrong_password",
    "classify_pull_error", "digest_not_found", "manifest_not_found", "manifest_status",
    "no_platform_match", "oauth_token_refused", "pull_canceled", "rate_limited",
    "registry_unreachable", "render", "render_for_kubelet", "repository_not_found_docker_hub",
    "tag_not_found", "token_url", "wrong_credentials",
    # runtime_events
    "backoff_status_message", "crash_backoff_status_message", "msg_already_present",
    "msg_backoff", "msg_backoff_restart", "msg_created", "msg_error",
    "msg_failed_pull", "msg_failed_scheduling", "msg_failed_secrets", "msg_inspect_failed",
    "msg_invalid_name", "msg_never_pull", "msg_pulled", "msg_pulling", "msg_scheduled",
    "msg_started",
]
