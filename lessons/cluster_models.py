"""Learners' own clusters in the database: the console's stored state and the snapshots a
learner shares. Models of the lessons app (imported by `lessons.models`); `lessons.clusters`
reads and writes them."""

from __future__ import annotations

from django.db import models


class LearnerCluster(models.Model):
    """One learner's own cluster in one scenario (and challenge): the console's stored state.

    `state` is the engine's `ClusterState.to_json()`; passwords in it are keyed fingerprints
    (the key is derived from SECRET_KEY), never clear text. `undo` keeps the states before the
    last commands, newest last, bounded in count and bytes (`lessons.clusters`).
    """

    learner = models.CharField(max_length=64, db_index=True)
    scenario = models.CharField(max_length=80, blank=True,
                                help_text="Scenario slug; blank: the default cluster.")
    challenge = models.CharField(max_length=170, blank=True, help_text="lesson/challenge, or blank")
    state = models.TextField()
    undo = models.JSONField(default=list, blank=True)
    commands = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "scenario", "challenge"],
                                    name="one_cluster_per_learner_scenario_challenge")
        ]

    def __str__(self) -> str:
        return f"{self.learner[:8]}: {self.scenario or 'default'} {self.challenge}".strip()


class SharedCluster(models.Model):
    """A snapshot a learner chose to share (the console's Share button): read-only for whoever
    opens its link until they make their own copy. Passwords are fingerprints in `state` and
    scrubbed from `editor` (`sandbox.engine.console.compare.scrub_text`)."""

    code = models.CharField(max_length=16, unique=True)
    learner = models.CharField(max_length=64, db_index=True, help_text="Who shared it.")
    scenario = models.CharField(max_length=80, blank=True)
    challenge = models.CharField(max_length=170, blank=True)
    state = models.TextField()
    editor = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code} ({self.scenario or 'default'})"
