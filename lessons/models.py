"""Scenarios, lessons and challenges; the app's other models live in modules of their own
(`attempts`: learners' progress, `cluster_models`, `workshops`, `questions`) and are imported
at the end of this one.

YAML fields (a scenario's source, starter manifests, solutions, goals) are validated by the
engine in `clean()`, so the admin shows each problem with its line and column and saves nothing.

Scenarios, lessons and challenges remember a fingerprint of what `load_content` last loaded into
them, so a later load can tell an edit made in the admin from a row nobody touched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from lessons import rendering, validation

if TYPE_CHECKING:
    from sandbox.engine.world import Scenario as WorldScenario


def normalize_newlines(text: str) -> str:
    """Browsers post textareas with CRLF; line numbers and YAML exports want LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sandbox_url(scenario: str | None = None, challenge: str | None = None) -> str:
    """`/sandbox/?scenario=<slug>[&challenge=<lesson>/<challenge>]`, or plain `/sandbox/`."""
    params = {key: value for key, value in (("scenario", scenario), ("challenge", challenge))
              if value}
    url = reverse("sandbox:index")
    # `/` is kept readable in the challenge id: it is safe in a query string.
    return f"{url}?{urlencode(params, safe='/')}" if params else url


# /lessons/<slug>/ shares its URL space with these pages.
RESERVED_LESSON_SLUGS = frozenset({"board"})


def content_fingerprint(values: Mapping[str, Any]) -> str:
    """sha256 (hex) of `values` as canonical JSON: same values, same fingerprint."""
    payload = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _text(value: str) -> str:
    """Text as compared with its file: the admin strips the ends and may post CRLF."""
    return normalize_newlines(value).strip()


def _words(value: str) -> str:
    """One-paragraph text (a summary, a description), as the loader and export collapse it."""
    return " ".join(value.split())


class LoadedContent(models.Model):
    """A row `load_content` writes from a content file."""

    content_fingerprint = models.CharField(
        max_length=64, blank=True, default="", editable=False,
        help_text="sha256 of the values last loaded from the content file; empty when the row "
        "was never loaded (created in the admin, or older than fingerprints).",
    )

    class Meta:
        abstract = True

    def content_values(self) -> dict[str, Any]:
        """The fields `load_content` writes, by name, in the form a file and the row compare."""
        raise NotImplementedError

    def edited_since_load(self) -> bool:
        """True when the row no longer holds what was last loaded (or was never loaded)."""
        return self.content_fingerprint != content_fingerprint(self.content_values())


class Scenario(LoadedContent):
    """A simulated world (nodes, registries, history) written in the scenario YAML format."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.TextField(help_text="Scenario YAML; the format is in docs/scenarios.md.")
    order = models.IntegerField(default=0, help_text="Lower comes first in the sandbox picker.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.source = normalize_newlines(self.source)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.source = normalize_newlines(self.source)
        validation.raise_for_problems({"source": validation.scenario_problems(self.source)})

    def content_values(self) -> dict[str, Any]:
        return {"title": _text(self.title), "description": _words(self.description),
                "source": _text(self.source), "order": self.order}

    def load(self) -> WorldScenario:
        """The engine's Scenario built from `source` (raises ManifestError if it is invalid)."""
        from sandbox.engine.scenario import load_scenario

        return load_scenario(self.source)

    def sandbox_url(self) -> str:
        return sandbox_url(scenario=self.slug)


class PublishedLessonQuerySet(models.QuerySet["Lesson"]):
    def published(self) -> PublishedLessonQuerySet:
        return self.filter(published=True)

    def visible_to(self, user: Any) -> PublishedLessonQuerySet:
        """Staff preview unpublished lessons; everyone else sees published ones only."""
        if getattr(user, "is_staff", False):
            return self.all()
        return self.published()


class Lesson(LoadedContent):
    """A page of Markdown with diagrams and live sandboxes, followed by its challenges."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="One or two sentences for the lesson list.")
    body = models.TextField(
        blank=True,
        help_text="Markdown. ```mermaid fences draw diagrams; ```sandbox fences embed a "
        "manifest learners can open in the sandbox.",
    )
    order = models.IntegerField(default=0)
    published = models.BooleanField(default=False)
    scenario = models.ForeignKey(
        Scenario, null=True, blank=True, on_delete=models.SET_NULL, related_name="lessons"
    )
    starter_manifest = models.TextField(blank=True, help_text="YAML the sandbox opens with.")
    questions = models.CharField(
        max_length=200, blank=True,
        help_text="Kinds of question the engine writes and checks for this lesson, separated by "
                  "spaces: moved-tag, pull-or-not, shared-layers, pull-secret, recap.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedLessonQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body = normalize_newlines(self.body)
        self.starter_manifest = normalize_newlines(self.starter_manifest)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("lessons:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        self.starter_manifest = normalize_newlines(self.starter_manifest)
        if self.slug in RESERVED_LESSON_SLUGS:
            raise ValidationError({"slug": f"“{self.slug}” is taken by a page of its own "
                                           f"(/lessons/{self.slug}/); choose another slug."})
        validation.raise_for_problems(
            {"starter_manifest": validation.manifest_problems(self.starter_manifest)}
        )
        self.questions = " ".join(self.questions.replace(",", " ").split())
        unknown = sorted(set(self.questions.split()) - set(question_kinds()))
        if unknown:
            raise ValidationError({"questions": f"unknown question kind {', '.join(unknown)}; "
                                                f"the kinds are {', '.join(question_kinds())}"})

    def content_values(self) -> dict[str, Any]:
        return {
            "title": _text(self.title), "summary": _words(self.summary), "body": _text(self.body),
            "starter_manifest": _text(self.starter_manifest), "order": self.order,
            "published": self.published, "scenario": self.scenario_slug(),
            # Only when set, so rows loaded before the field existed keep their fingerprint.
            **({"questions": self.questions} if self.questions.strip() else {}),
        }

    def scenario_slug(self) -> str:
        return self.scenario.slug if self.scenario_id and self.scenario else ""

    def sandbox_url(self) -> str:
        return sandbox_url(scenario=self.scenario_slug())

    def body_html(self) -> str:
        """The body as sanitized HTML; sandbox blocks link to this lesson's scenario."""
        return rendering.render_markdown(self.body, self.sandbox_url(), self.scenario_slug())


class Challenge(LoadedContent):
    """A task at the end of a lesson: goals the learner's run must meet in a scenario."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="challenges")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    prompt = models.TextField(help_text="Markdown shown above the sandbox link.")
    starter_manifest = models.TextField(blank=True)
    scenario = models.ForeignKey(
        Scenario, null=True, blank=True, on_delete=models.SET_NULL, related_name="challenges",
        help_text="Leave empty to use the lesson's scenario.",
    )
    goals = models.TextField(
        blank=True, help_text="YAML list checked on the trace, e.g. `- noRegistryPulls: true`."
    )
    hints = models.TextField(
        blank=True, help_text="One hint per paragraph, in the order learners should read them."
    )
    solution = models.TextField(blank=True, help_text="A manifest that meets every goal.")
    solution_settings = models.JSONField(
        default=dict, blank=True,
        help_text="Cluster settings the solution needs, as a learner picks them under Cluster "
        "settings: the scenario's `learnerSettings:`, e.g. "
        '{"kubelet.featureGates.KubeletEnsureSecretPulledImages": true}.',
    )
    solution_after_attempts = models.PositiveIntegerField(
        default=0,
        help_text="Show a learner the solution once they have run the challenge this many times; "
        "0: never by itself.",
    )
    solution_visible = models.BooleanField(
        default=False, help_text="Show the solution to every learner now, whatever their runs."
    )
    setup = models.TextField(
        blank=True,
        help_text="Console commands run when a learner's own cluster for this challenge is made, "
        "one per line (`kubectl apply -f -` applies the starter manifest). The console checks the "
        "goals after every command, on what that command did and the cluster as it stands.",
    )
    order = models.IntegerField(default=0)

    class Meta:
        ordering = ["lesson", "order", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "slug"], name="challenge_slug_per_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.lesson.slug}/{self.slug}" if self.lesson_id else self.slug

    def save(self, *args: Any, **kwargs: Any) -> None:
        for name in ("prompt", "starter_manifest", "goals", "hints", "solution"):
            setattr(self, name, normalize_newlines(getattr(self, name)))
        super().save(*args, **kwargs)

    def clean(self) -> None:
        for name in ("starter_manifest", "goals", "solution"):
            setattr(self, name, normalize_newlines(getattr(self, name)))
        validation.raise_for_problems({
            "starter_manifest": validation.manifest_problems(self.starter_manifest),
            "solution": validation.manifest_problems(self.solution),
            "goals": validation.goal_problems(self.goals),
        })
        scenario = self.scenario or (self.lesson.scenario if self.lesson_id else None)
        try:
            world = scenario.load() if scenario is not None else None
        except Exception:  # the scenario's own validation reports it
            world = None
        validation.raise_for_problems({
            "setup": validation.setup_problems(self.setup, world, self.starter_manifest),
        })
        solved_in = world
        if self.solution_settings:
            solved_in, problems = validation.settings_world(
                scenario.source if scenario is not None else "", world, self.solution_settings)
            validation.raise_for_problems({"solution_settings": problems})
        if scenario is None or world is not None:
            validation.raise_for_problems(validation.solvability_problems(
                self.starter_manifest, self.solution, self.goals, world, solved_in))

    def content_values(self) -> dict[str, Any]:
        return {
            "title": _text(self.title), "prompt": _text(self.prompt),
            "starter_manifest": _text(self.starter_manifest), "goals": _text(self.goals),
            "hints": "\n\n".join(self.hint_list()), "solution": _text(self.solution),
            "order": self.order,
            "scenario": self.scenario.slug if self.scenario_id and self.scenario else "",
            # Only when set, so rows loaded before the field existed keep their fingerprint.
            **({"setup": _text(self.setup)} if self.setup.strip() else {}),
            **({"solution_settings": dict(sorted(self.solution_settings.items()))}
               if self.solution_settings else {}),
        }

    @property
    def key(self) -> str:
        """`<lesson>/<challenge>`, the id the sandbox page and progress use."""
        return f"{self.lesson.slug}/{self.slug}"

    def effective_scenario(self) -> Scenario | None:
        """The challenge's own scenario, else its lesson's."""
        return self.scenario or self.lesson.scenario

    def sandbox_url(self) -> str:
        scenario = self.effective_scenario()
        return sandbox_url(scenario=scenario.slug if scenario else None, challenge=self.key)

    def prompt_html(self) -> str:
        scenario = self.effective_scenario()
        slug = scenario.slug if scenario else ""
        return rendering.render_markdown(self.prompt, self.sandbox_url(), slug)

    def hint_list(self) -> list[str]:
        """Hints in order: paragraphs separated by blank lines."""
        paragraphs = normalize_newlines(self.hints).split("\n\n")
        return [" ".join(p.split()) for p in paragraphs if p.strip()]

    def hints_html(self) -> list[str]:
        """Each hint as sanitized HTML, in `hint_list()` order.

        A hint keeps its own line breaks here (`hint_list` collapses them), so a list or a
        code block inside one paragraph renders as Markdown.
        """
        scenario = self.effective_scenario()
        slug = scenario.slug if scenario else ""
        paragraphs = normalize_newlines(self.hints).split("\n\n")
        return [rendering.render_markdown(p.strip(), self.sandbox_url(), slug)
                for p in paragraphs if p.strip()]

    def solution_unlocked(self, attempts: int) -> bool:
        """True when a learner with `attempts` runs may see the solution.

        The instructor's switch shows it to everyone; otherwise it unlocks after
        `solution_after_attempts` runs, and 0 keeps it hidden.
        """
        if not self.solution.strip():
            return False
        return self.solution_visible or 0 < self.solution_after_attempts <= attempts

    def solution_for(self, attempts: int) -> str:
        """The solution for a learner with `attempts` runs, or "" while it is locked for them."""
        return self.solution if self.solution_unlocked(attempts) else ""

    def solution_settings_for(self, attempts: int) -> list[str]:
        """The Cluster settings the solution needs (`setting: value` lines), shown with it."""
        if not self.solution_unlocked(attempts) or not isinstance(self.solution_settings, dict):
            return []
        words = {True: "true", False: "false", None: "null"}
        return [f"{path}: {words.get(value, value) if not isinstance(value, str) else value}"
                for path, value in self.solution_settings.items()]

    def solution_unlocks_after(self) -> int:
        """Runs that unlock the solution; 0 when none do (no solution, never, or shown now)."""
        if not self.solution.strip() or self.solution_visible:
            return 0
        return self.solution_after_attempts

    def goal_list(self) -> list[Any]:
        """The goals as plain data (a list of one-key mappings), for the engine's checker."""
        if not self.goals.strip():
            return []
        from ruamel.yaml import YAML

        goals = YAML(typ="safe", pure=True).load(self.goals)
        return list(goals) if isinstance(goals, list) else []


def question_kinds() -> list[str]:
    from lessons.questions import KINDS

    return sorted(KINDS)


# Models of this app kept in modules of their own; imported here so Django finds them.
from lessons.attempts import GoalResult as GoalResult  # noqa: E402
from lessons.attempts import Progress as Progress  # noqa: E402
from lessons.cluster_models import LearnerCluster as LearnerCluster  # noqa: E402
from lessons.cluster_models import SharedCluster as SharedCluster  # noqa: E402
from lessons.questions import QuestionAnswer  # noqa: E402
from lessons.workshops import Workshop as Workshop  # noqa: E402
from lessons.workshops import WorkshopMember as WorkshopMember  # noqa: E402

__all__ = ["GoalResult", "LearnerCluster", "Progress", "QuestionAnswer", "SharedCluster",
           "Workshop", "WorkshopMember"]
