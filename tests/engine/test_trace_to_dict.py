"""`Trace.to_dict(empty=...)`: the result frame's trace without converting what it drops."""

from __future__ import annotations

import json

from sandbox.engine import default_scenario, evaluate

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.25"}]
"""


def test_emptied_fields_are_empty_lists_in_their_place() -> None:
    trace = evaluate(DEPLOYMENT, default_scenario()).trace
    whole = trace.to_dict()
    assert whole["steps"] and whole["events"]
    emptied = trace.to_dict(empty=("steps", "events"))
    assert list(emptied) == list(whole)  # same keys, same order
    assert emptied["steps"] == [] and emptied["events"] == []
    assert {k: v for k, v in emptied.items() if k not in ("steps", "events")} == {
        k: v for k, v in whole.items() if k not in ("steps", "events")}
    assert "statuses" not in whole and whole["version"] == 1
    json.dumps(emptied)  # JSON-safe
