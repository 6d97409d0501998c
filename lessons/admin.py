"""Admin for instructors: write scenarios, lessons and challenges, preview them, see progress."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from lessons import admin_preview, admin_yaml
from lessons.models import Challenge, Lesson, Progress, Scenario, Workshop, WorkshopMember

if TYPE_CHECKING:  # the admin classes are generic for the type checker only
    ScenarioAdminBase = admin.ModelAdmin[Scenario]
    LessonAdminBase = admin.ModelAdmin[Lesson]
    ChallengeAdminBase = admin.ModelAdmin[Challenge]
    ProgressAdminBase = admin.ModelAdmin[Progress]
    ChallengeInlineBase = admin.StackedInline[Challenge, Lesson]
else:
    ScenarioAdminBase = LessonAdminBase = ChallengeAdminBase = ProgressAdminBase = (
        admin.ModelAdmin
    )
    ChallengeInlineBase = admin.StackedInline


def _preview_link(url: str, label: str) -> str:
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, label)


@admin.register(Scenario)
class ScenarioAdmin(ScenarioAdminBase):
    list_display = ["title", "slug", "order", "lesson_count", "updated_at", "preview"]
    list_editable = ["order"]
    search_fields = ["title", "slug", "description"]
    readonly_fields = ["updated_at", "preview"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "description", "order", "source", "updated_at", "preview"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Scenario]:
        queryset: QuerySet[Scenario] = super().get_queryset(request)
        return queryset.annotate(lesson_total=Count("lessons", distinct=True))

    @admin.display(description=gettext_lazy("Lessons"), ordering="lesson_total")
    def lesson_count(self, obj: Scenario) -> int:
        return getattr(obj, "lesson_total", 0)

    @admin.display(description=gettext_lazy("Preview"))
    def preview(self, obj: Scenario) -> str:
        if not obj.pk:
            return "-"
        return _preview_link(obj.sandbox_url(), gettext("Open in the sandbox"))


class ChallengeInline(ChallengeInlineBase):
    model = Challenge
    extra = 0
    fields = [
        ("title", "slug", "order"), "prompt", "scenario", "starter_manifest", "goals", "hints",
        "solution", "solution_settings", ("solution_after_attempts", "solution_visible"),
        "setup",
    ]
    prepopulated_fields = {"slug": ["title"]}
    show_change_link = True


@admin.register(Lesson)
class LessonAdmin(LessonAdminBase):
    list_display = [
        "title", "slug", "order", "published", "scenario", "challenge_count", "updated_at",
        "preview",
    ]
    list_filter = ["published", "scenario"]
    list_editable = ["order", "published"]
    search_fields = ["title", "slug", "summary", "body"]
    readonly_fields = ["updated_at", "preview"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["scenario"]
    fields = [
        "title", "slug", "summary", ("order", "published"), "scenario", "body",
        "starter_manifest", "questions", "updated_at", "preview",
    ]
    inlines = [ChallengeInline]

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("upload-yaml/", wrap(partial(admin_yaml.upload, self)),
                 name="lessons_lesson_upload_yaml"),
            path("preview/", wrap(partial(admin_preview.preview, self)),
                 name="lessons_lesson_preview"),
            path("<path:object_id>/yaml/", wrap(partial(admin_yaml.download, self)),
                 name="lessons_lesson_yaml"),
            *super().get_urls(),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lesson]:
        queryset: QuerySet[Lesson] = super().get_queryset(request)
        return queryset.annotate(challenge_total=Count("challenges", distinct=True))

    @admin.display(description=gettext_lazy("Challenges"), ordering="challenge_total")
    def challenge_count(self, obj: Lesson) -> int:
        return getattr(obj, "challenge_total", 0)

    @admin.display(description=gettext_lazy("Preview"))
    def preview(self, obj: Lesson) -> str:
        if not obj.pk:
            return "-"
        label = gettext("View") if obj.published else gettext("Preview (unpublished)")
        return _preview_link(obj.get_absolute_url(), label)


@admin.register(Challenge)
class ChallengeAdmin(ChallengeAdminBase):
    list_display = ["title", "lesson", "slug", "order", "scenario", "preview"]
    list_filter = ["lesson", "scenario"]
    search_fields = ["title", "slug", "prompt", "lesson__title", "lesson__slug"]
    readonly_fields = ["preview"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["lesson", "lesson__scenario", "scenario"]
    fields = [
        "lesson", ("title", "slug", "order"), "prompt", "scenario", "starter_manifest", "goals",
        "hints", "solution", "solution_settings", ("solution_after_attempts", "solution_visible"),
        "setup", "preview",
    ]

    @admin.display(description=gettext_lazy("Preview"))
    def preview(self, obj: Challenge) -> str:
        if not obj.pk:
            return "-"
        return _preview_link(obj.sandbox_url(), gettext("Open in the sandbox"))


@admin.register(Progress)
class ProgressAdmin(ProgressAdminBase):
    list_display = ["learner_label", "challenge", "status", "attempts", "updated_at"]
    list_filter = ["status", "challenge__lesson"]
    search_fields = ["learner", "display_name", "challenge__slug", "challenge__lesson__slug"]
    readonly_fields = ["updated_at"]
    list_select_related = ["challenge", "challenge__lesson"]
    raw_id_fields = ["challenge"]

    @admin.display(description=gettext_lazy("Learner"), ordering="display_name")
    def learner_label(self, obj: Progress) -> str:
        return obj.display_name or f"anonymous {obj.learner[:8]}"


# Workshops (lessons/workshops.py): an instructor opens one here or at /lessons/board/w/.

if TYPE_CHECKING:
    WorkshopAdminBase = admin.ModelAdmin[Workshop]
    MemberInlineBase = admin.TabularInline[WorkshopMember, Workshop]
else:
    WorkshopAdminBase = admin.ModelAdmin
    MemberInlineBase = admin.TabularInline


class WorkshopMemberInline(MemberInlineBase):
    model = WorkshopMember
    extra = 0
    fields = ["display_name", "joined_at", "hand_raised_at"]
    readonly_fields = ["joined_at", "hand_raised_at"]


@admin.register(Workshop)
class WorkshopAdmin(WorkshopAdminBase):
    list_display = ["name", "spaced_code", "is_open", "created_by", "created_at", "board"]
    list_filter = ["is_open"]
    search_fields = ["name", "code"]
    readonly_fields = ["spaced_code", "created_by", "created_at", "board"]
    fields = ["name", "is_open", "spaced_code", "created_by", "created_at", "board"]
    inlines = [WorkshopMemberInline]

    @admin.display(description="join code")
    def spaced_code(self, obj: Workshop) -> str:
        return obj.spaced_code if obj.code else "(made on save)"

    @admin.display(description="board")
    def board(self, obj: Workshop) -> str:
        if not obj.code:
            return "-"
        return _preview_link(reverse("lessons:workshop-board", args=[obj.code]), "open board")

    def save_model(self, request: HttpRequest, obj: Workshop, form: object, change: bool) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
