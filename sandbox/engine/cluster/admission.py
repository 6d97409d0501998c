"""The admission plugins that change or refuse a pod at creation.

ServiceAccount (KUBERNETES.md §7) defaults the account, refuses a missing one and copies its
imagePullSecrets; AlwaysPullImages (§11) forces `imagePullPolicy: Always`. A refusal is returned
as an `AdmissionError`, not raised: it is an outcome the trace shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..manifests import STDIN  # the source kubectl names a paste by
from ..objects import Container, KubeObject
from .podplan import PodPlan, object_error

DEFAULT_SERVICE_ACCOUNT = "default"
# The source kubectl names when a create fails: a paste is what `kubectl apply -f -` reads, and


@dataclass(frozen=True)
class AdmissionError:
    """An admission plugin forbade creating a pod (returned, not raised: it is an outcome)."""

    pod: str  # namespace/name (or namespace/generateName) of the refused pod
    message: str  # `pods "<name>" is forbidden: …`, the API server's status message
    owner: str | None = None  # the controller that tried, when there is one

    @property
    def kubectl(self) -> str:
        """What `kubectl apply -f -` prints for a bare pod.

        kubectl's apply and create wrap a failed create in the source it read
        (`cmdutil.AddSourceToErr("creating", info.Source, err)`, kubectl pkg/cmd/apply/apply.go
        and pkg/cmd/create/create.go; the wording is in pkg/cmd/util/helpers.go), then print a
        status error as `Error from server (<reason>): <message>` (StandardErrorMessage).
        """
        return (f"Error from server (Forbidden): error when creating "
                f'"{STDIN}": {self.message}')

    @property
    def event(self) -> str:
        """The controller's FailedCreate event message."""
        return f"Error creating: {self.message}"

    def __str__(self) -> str:
        """What the learner sees: kubectl's answer for a bare pod, else the controller's
        FailedCreate event (`ReplicaSet/web-7d9c5b8f6d: Error creating: …`)."""
        return self.kubectl if self.owner is None else f"{self.owner}: {self.event}"



def _account_pull_secrets(account: KubeObject) -> tuple[str, ...]:
    """The account's imagePullSecrets names, in order (empty names skipped, as the kubelet
    skips them)."""
    entries = account.body.get("imagePullSecrets") if isinstance(account.body, dict) else None
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise object_error(account, f"{account.ref}: imagePullSecrets must be a list of "
                                    f"{{name: <secret>}} entries", "imagePullSecrets")
    names = []
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        well_formed = isinstance(entry, dict) and (name is None or isinstance(name, str))
        if not well_formed:
            raise object_error(account, f"{account.ref}: imagePullSecrets[{index}] must be "
                                        f"{{name: <secret>}}", f"imagePullSecrets[{index}]")
        if name:
            names.append(name)
    return tuple(names)


def _find_account(service_accounts: Iterable[KubeObject], namespace: str,
                  name: str) -> KubeObject | None:
    for account in service_accounts:
        if (account.kind == "ServiceAccount" and account.name == name
                and account.effective_namespace == namespace):
            return account  # the first one wins: creating a second one fails
    return None


def admit_service_account(
    plan: PodPlan, service_accounts: Iterable[KubeObject]
) -> PodPlan | AdmissionError:
    """The ServiceAccount admission plugin on pod CREATE (KUBERNETES.md §7).

    An empty serviceAccountName becomes `default`, which exists in every namespace (its
    controller creates it) unless a pasted one replaces it. A missing account forbids the
    create. The account's imagePullSecrets are copied, in order, only when the pod lists none
    (upstream tests the list's length: a pod that writes `imagePullSecrets: []` gets them too);
    otherwise the pod's own list stays as written, no merge.
    """
    name = plan.spec.service_account_name or DEFAULT_SERVICE_ACCOUNT
    account = _find_account(service_accounts, plan.namespace, name)
    if account is None and name != DEFAULT_SERVICE_ACCOUNT:
        # plugin/pkg/admission/serviceaccount/admission.go wraps the lister's NotFound
        # (`serviceaccount "<name>" not found`) as "error looking up service account
        # <ns>/<name>: …" in admission.NewForbidden, which adds `pods "<name>" is forbidden: `.
        shown = plan.generate_name if plan.generate_name else plan.name
        return AdmissionError(
            pod=f"{plan.namespace}/{shown}",
            message=(f'pods "{shown}" is forbidden: error looking up service account '
                     f'{plan.namespace}/{name}: serviceaccount "{name}" not found'),
            owner=plan.owner,
        )
    spec = replace(plan.spec, service_account_name=name)
    # Upstream copies only when len(pod.Spec.ImagePullSecrets) == 0 (KUBERNETES.md §7).
    if not plan.spec.image_pull_secrets and not plan.spec.image_pull_secret_entries:
        copied = _account_pull_secrets(account) if account is not None else ()
        if copied:
            spec = replace(spec, image_pull_secrets=copied, image_pull_secrets_written=True,
                           image_pull_secret_entries=len(copied))
    return replace(plan, spec=spec)


def _always(containers: tuple[Container, ...]) -> tuple[Container, ...]:
    return tuple(replace(c, image_pull_policy="Always") for c in containers)


def admit_always_pull_images(plan: PodPlan) -> PodPlan:
    """The AlwaysPullImages admission plugin: imagePullPolicy Always on every init and regular
    container (KUBERNETES.md §11; ephemeral containers are not modelled)."""
    spec = replace(plan.spec, init_containers=_always(plan.spec.init_containers),
                   containers=_always(plan.spec.containers))
    return replace(plan, spec=spec)
