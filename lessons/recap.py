"""The recap quiz: the seed's memory tricks, in our words, as questions with varied draws.

Each trick pairs a concept with the picture the course used for it, and says where the picture
stops being true on a real cluster (KUBERNETES.md). A question shows one picture and asks which
concept it stands for, among three others drawn from the table; the explanation gives the
real-cluster note, so the recap ends on what the picture hides.
"""

from __future__ import annotations

import random

from sandbox.engine.questions import Choice, Question

# (concept, picture, where a real cluster differs)
TRICKS = (
    ("A container image", "a packed lunchbox: the same meal wherever it is opened",
     "the same bytes everywhere only for one platform: a multi-arch tag is an index, and an "
     "arm64 node unpacks a different image from an amd64 one."),
    ("Image layers", "a layer cake, each layer baked on the one below",
     "a node downloads only the layers it lacks, by digest; change a lower layer and every "
     "layer above it is rebuilt and downloaded again."),
    ("`imagePullPolicy: Always`", "asking the librarian for the newest edition every time",
     "the kubelet asks the registry which digest the tag names; if the node has that digest, "
     "nothing is downloaded, but the registry must answer, or the container does not start."),
    ("`imagePullPolicy: IfNotPresent`", "taking the copy already on the shelf",
     "any copy under that name counts, however old: a tag that moved in the registry never "
     "reaches a node that cached the old build."),
    ("`imagePullPolicy: Never`", "using only what is already on the shelf",
     "with the image on the node the container starts normally; only a missing image is "
     "`ErrImageNeverPull` (the seed's graph gets this case wrong)."),
    ("An image pull secret", "a VIP pass shown at the registry's door",
     "the kubelet offers only secrets the pod or its ServiceAccount lists whose server matches "
     "the image's host, and a missing secret is a warning, not an error."),
    ("A tag", "a nickname that can be given to someone else",
     "a tag is a pointer in the registry that anyone with push rights can move; nodes that "
     "cached it keep the old build under the same name."),
    ("A digest", "a fingerprint that never changes",
     "`@sha256:` followed by exactly 64 hex digits; anything else (`@sha256:abc123`) is "
     "`InvalidImageName` before any pull is tried."),
)


def question(seed: int) -> Question:
    rng = random.Random(seed)
    right = rng.randrange(len(TRICKS))
    others = rng.sample([i for i in range(len(TRICKS)) if i != right], 3)
    order = [right, *others]
    rng.shuffle(order)
    concept, picture, note = TRICKS[right]
    return Question(
        "recap", seed, f"The course pictured something as {picture}. What was it?",
        tuple(Choice(str(i), TRICKS[i][0]) for i in order), str(right),
        f"{concept}: {picture}. On a real cluster, {note}", (("trick", str(right)),))
