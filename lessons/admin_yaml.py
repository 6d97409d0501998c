"""A lesson as YAML from the admin: download it, edit it, upload it again.

Download writes the lesson the way `export_content` does: when its content file exists, that
file is the starting point, so its comments, key order and scalar styles survive. Upload reads
the file with `load_content`'s own reader (every problem at its line and column, nothing saved
unless all of it loads), takes it over the database for that lesson, and, when the content
directory can be written, keeps the uploaded text there, so the next download has its comments.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from lessons.exporter import dump, lesson_document
from lessons.loader import (
    MAX_FILE_BYTES,
    ContentError,
    default_content_dir,
    key_position,
    load_lesson_file,
    read_yaml,
)
from lessons.models import Lesson

SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*\Z")


def lesson_yaml(lesson: Lesson, directory: Path | None = None) -> str:
    """The lesson as its content file would read after `export_content`."""
    path = (directory or default_content_dir()) / f"{lesson.slug}.yaml"
    document = None
    if path.is_file():
        try:
            _, document = read_yaml(path)
        except ContentError:
            document = None  # a broken file on disk: start from a fresh document
    return dump(lesson_document(lesson, document))


def download(admin: ModelAdmin[Lesson], request: HttpRequest, object_id: str) -> HttpResponse:
    lesson = get_object_or_404(Lesson, pk=object_id)
    if not admin.has_view_permission(request, lesson):
        return HttpResponse(status=403)
    response = HttpResponse(lesson_yaml(lesson), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{lesson.slug}.yaml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Lesson file (.yaml)"),
                           help_text=format_lazy(gettext_lazy("At most {kb} KB of UTF-8 YAML, as "
                                                               "Download YAML or export_content "
                                                               "writes it."),
                                                  kb=MAX_FILE_BYTES // 1024))

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(gettext("The file is larger than %(kb)d KB.")
                                  % {"kb": MAX_FILE_BYTES // 1024})
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError as error:
            raise ValidationError(gettext("The file is not UTF-8 text (%(reason)s).")
                                  % {"reason": error.reason}) from None


def _slug_of(path: Path) -> str:
    """The `slug:` of an uploaded lesson (syntax errors reported at their line), checked before
    it names a file."""
    _, document = read_yaml(path)
    slug = document.get("slug")
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise ContentError(Path(path.name),
                           "needs a `slug:` of lower-case letters, digits and dashes",
                           *key_position(document, "slug"))
    return slug


def _upload_name(name: str) -> str:
    """The uploaded file's own name, as errors quote it, reduced to harmless characters."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(name).name)[:80].strip(".-")
    return stem if stem.endswith((".yaml", ".yml")) else (stem or "upload") + ".yaml"


def _keep_in_content_dir(slug: str, text: str) -> bool:
    directory = default_content_dir()
    try:
        (directory / f"{slug}.yaml").write_text(text, encoding="utf-8")
    except OSError:
        return False
    return True


def upload(admin: ModelAdmin[Lesson], request: HttpRequest) -> HttpResponse:
    if not (admin.has_add_permission(request) and admin.has_change_permission(request)):
        return HttpResponse(status=403)
    form = UploadForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        text: str = form.cleaned_data["file"]
        try:
            with tempfile.TemporaryDirectory() as folder:
                name = getattr(request.FILES.get("file"), "name", "") or ""
                uploaded = Path(folder) / _upload_name(name)
                uploaded.write_text(text, encoding="utf-8")
                slug = _slug_of(uploaded)
                path = uploaded.rename(Path(folder) / f"{slug}.yaml")
                report = load_lesson_file(path)
        except ContentError as problem:
            error = str(ContentError(Path(problem.path.name), problem.message, problem.line,
                                     problem.column))
        else:
            kept = _keep_in_content_dir(slug, text)
            said = {"slug": slug, "summary": report.summary()}
            loaded = gettext("Loaded lesson %(slug)s: %(summary)s") if kept else gettext(
                "Loaded lesson %(slug)s: %(summary)s (the content directory is read-only, so "
                "the file's comments were not kept)")
            messages.success(request, loaded % said)
            lesson = Lesson.objects.get(slug=slug)
            return HttpResponseRedirect(reverse("admin:lessons_lesson_change", args=[lesson.pk]))
    context = {
        **admin.admin_site.each_context(request),
        "title": gettext("Upload a lesson as YAML"), "form": form, "error": error,
        "opts": admin.model._meta,
    }
    return TemplateResponse(request, "admin/lessons/lesson/upload_yaml.html", context)
