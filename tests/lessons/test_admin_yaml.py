"""A lesson downloads and uploads as YAML from the admin (issue 11, authoring): the round trip
keeps comments and key order; a bad upload says where and saves nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lessons import admin_yaml
from lessons.loader import default_content_dir, load_content
from lessons.models import Challenge, Lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped course, loaded from a copy the admin may write to."""
    directory = tmp_path / "content"
    shutil.copytree(default_content_dir(), directory)
    load_content(directory)
    monkeypatch.setattr(admin_yaml, "default_content_dir", lambda: directory)
    return directory


def download(client, slug: str) -> str:
    lesson = Lesson.objects.get(slug=slug)
    response = client.get(reverse("admin:lessons_lesson_yaml", args=[lesson.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{slug}.yaml"'
    return response.content.decode()


def upload(client, text: str, name: str = "lesson.yaml"):
    return client.post(reverse("admin:lessons_lesson_upload_yaml"),
                       {"file": SimpleUploadedFile(name, text.encode())})


def test_an_unchanged_lesson_downloads_as_its_file_comments_and_all(admin_client, content):
    text = download(admin_client, "pull-policies")
    assert text == (content / "pull-policies.yaml").read_text()


def test_a_database_edit_downloads_with_the_files_comments_and_key_order(admin_client, content):
    original = (content / "pull-policies.yaml").read_text()
    Lesson.objects.filter(slug="pull-policies").update(title="Pull policies, edited")
    text = download(admin_client, "pull-policies")
    assert "title: Pull policies, edited" in text
    comments = [line for line in original.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(comment in text.splitlines() for comment in comments)
    keys = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    assert keys == [line.split(":")[0] for line in original.splitlines() if line[:1].isalpha()]


def test_an_upload_replaces_the_lesson_and_the_round_trip_keeps_its_comments(
        admin_client, content):
    text = download(admin_client, "pull-policies")
    edited = "# Edited offline before the workshop.\n" + text.replace(
        "\nsummary: ", "\nsummary: Revised. ", 1)
    response = upload(admin_client, edited)
    assert response.status_code == 302
    lesson = Lesson.objects.get(slug="pull-policies")
    assert lesson.summary.startswith("Revised. ")
    assert download(admin_client, "pull-policies").startswith("# Edited offline")


@pytest.mark.parametrize(("old", "new", "said"), [
    ("      - noRegistryPulls: true", "      - noPulls: true", "unknown goal &#x27;noPulls&#x27;"),
    ("\ntitle: ", "\ntitle: [unclosed ", "invalid YAML"),
])
def test_a_bad_upload_says_where_and_saves_nothing(admin_client, content, old, new, said):
    before = Challenge.objects.filter(lesson__slug="pull-policies").count()
    text = download(admin_client, "pull-policies")
    broken = text.replace(old, new, 1)
    assert broken != text
    Lesson.objects.filter(slug="pull-policies").update(summary="Kept.")
    response = upload(admin_client, broken, "pull-policies.yaml")
    assert response.status_code == 200
    page = response.content.decode()
    assert "pull-policies.yaml, line " in page and said in page, page[page.find("errornote"):][:300]
    assert Lesson.objects.get(slug="pull-policies").summary == "Kept."
    assert str(content) not in page  # no server paths
    assert Challenge.objects.filter(lesson__slug="pull-policies").count() == before
    assert (content / "pull-policies.yaml").read_text() != broken


@pytest.mark.parametrize("slug", ["../../etc/passwd", "Pull Policies", "", "a/b"])
def test_an_upload_whose_slug_cannot_name_a_file_is_refused(admin_client, content, slug):
    response = upload(admin_client, f"slug: {slug!r}\ntitle: T\nbody: x\n")
    assert response.status_code == 200
    assert "needs a `slug:` of lower-case letters" in response.content.decode()
    assert not (content.parent / "etc").exists()


def test_upload_and_download_are_for_staff_only(client, content):
    lesson = Lesson.objects.get(slug="pull-policies")
    for url in (reverse("admin:lessons_lesson_yaml", args=[lesson.pk]),
                reverse("admin:lessons_lesson_upload_yaml")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_admin_pages_link_to_both(admin_client, content):
    lesson = Lesson.objects.get(slug="pull-policies")
    changelist = admin_client.get(reverse("admin:lessons_lesson_changelist")).content.decode()
    assert reverse("admin:lessons_lesson_upload_yaml") in changelist
    change = admin_client.get(reverse("admin:lessons_lesson_change", args=[lesson.pk]))
    assert reverse("admin:lessons_lesson_yaml", args=[lesson.pk]) in change.content.decode()
