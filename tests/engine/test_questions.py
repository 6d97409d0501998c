"""Questions the engine writes and answers itself (issue 11): the answer is read off a simulated
run, so these tests check it against the kubelet's rules written out independently here
(KUBERNETES.md §2–§5, §9), over many seeds."""

from __future__ import annotations

import pytest

from sandbox.engine.questions import KINDS, question

SEEDS = range(60)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_question_is_well_formed_and_the_same_for_the_same_seed(kind: str) -> None:
    for seed in range(10):
        first, again = question(kind, seed), question(kind, seed)
        assert first == again
        ids = [choice.id for choice in first.choices]
        assert len(ids) == len(set(ids)) >= 2
        assert first.answer in ids and first.prompt and first.explanation
        assert first.key == f"{kind}:{seed}"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_values_vary_with_the_seed(kind: str) -> None:
    assert len({question(kind, seed).prompt for seed in SEEDS}) > 20
    assert len({question(kind, seed).answer for seed in SEEDS}) >= 2


def test_moved_tag_follows_the_policy_and_the_digest_pin() -> None:
    """A moved tag reaches the container only when the kubelet asks the registry (Always) and
    the pod names the tag, not a digest; Never with the image present runs the cached build
    (the seed's decision graph says otherwise: KUBERNETES.md §4)."""
    for seed in SEEDS:
        q = question("moved-tag", seed)
        given = dict(q.given)
        expected = "new" if given["policy"] == "Always" and given["pinned"] == "False" else "old"
        assert q.answer == expected, (seed, q.prompt)


def test_pull_or_not_is_the_policy_table() -> None:
    table = {("Always", "True"): "registry", ("Always", "False"): "registry",
             ("IfNotPresent", "True"): "node", ("IfNotPresent", "False"): "registry",
             ("Never", "True"): "node", ("Never", "False"): "refuse"}
    for seed in SEEDS:
        q = question("pull-or-not", seed)
        given = dict(q.given)
        assert q.answer == table[given["policy"], given["present"]], (seed, q.prompt)


def test_shared_layers_download_everything_after_the_first_change() -> None:
    for seed in SEEDS:
        q = question("shared-layers", seed)
        given = dict(q.given)
        assert q.answer == str(int(given["total"]) - int(given["shared"])), (seed, q.prompt)


def test_only_the_right_secret_for_the_right_host_gets_the_pod_running() -> None:
    """Credentials match by the image's host (KUBERNETES.md §9); a missing or misnamed secret is a
    warning and the pull goes ahead without it, so nothing waits for the Secret."""
    seen = set()
    for seed in SEEDS:
        q = question("pull-secret", seed)
        case = dict(q.given)["case"]
        seen.add(case)
        assert q.answer == ("running" if case == "right" else "backoff"), (seed, q.prompt)
    assert len(seen) == 5


def test_an_unknown_kind_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        question("no-such-kind", 1)
