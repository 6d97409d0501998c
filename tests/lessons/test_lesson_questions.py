"""Engine-written questions on lesson pages (issue 11): asked per learner, checked by the
server against the question it asked, counted in progress, and safe against forged forms."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lessons import questions
from lessons.models import Lesson, QuestionAnswer
from lessons.progress import LEARNER_SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson() -> Lesson:
    return Lesson.objects.create(slug="policies", title="Policies", body="Text.", published=True,
                                 questions="pull-or-not moved-tag")


def current(client, lesson: Lesson, kind: str) -> questions.Asked:
    learner = client.session[LEARNER_SESSION_KEY]
    return next(a for a in questions.asked(learner, lesson) if a.kind == kind)


def post(client, lesson: Lesson, kind: str, **form: object):
    return client.post(reverse("lessons:answer", args=[lesson.slug, kind]), form)


def test_the_page_asks_one_question_per_kind_with_its_choices(client, lesson):
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert page.count('<fieldset>') == 2
    asked = current(client, lesson, "pull-or-not")
    assert str(questions.inline_html(asked.question.prompt)) in page
    for choice in asked.question.choices:
        assert f'value="{choice.id}"' in page


def test_a_right_then_a_wrong_answer_are_scored_and_explained(client, lesson):
    client.get(lesson.get_absolute_url())
    first = current(client, lesson, "pull-or-not").question
    response = post(client, lesson, "pull-or-not", number=0, choice=first.answer)
    assert response.status_code == 302 and response["Location"].endswith("#question-pull-or-not")
    second = current(client, lesson, "pull-or-not")
    assert second.number == 1 and second.right == 1
    wrong = next(c.id for c in second.question.choices if c.id != second.question.answer)
    post(client, lesson, "pull-or-not", number=1, choice=wrong)
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "Not quite." in page and "1 right of 2 answered" in page
    assert str(questions.inline_html(second.question.explanation)) in page
    index = client.get(reverse("lessons:index")).content.decode()
    assert "Questions: 1 right of 2 answered" in index


def test_the_same_learner_sees_the_same_question_until_answering(client, lesson):
    client.get(lesson.get_absolute_url())
    before = current(client, lesson, "moved-tag").question
    client.get(lesson.get_absolute_url())
    assert current(client, lesson, "moved-tag").question == before


@pytest.mark.parametrize("form", [
    {"number": 5, "choice": "registry"},        # not the current question
    {"number": 0, "choice": "<script>"},        # not one of its choices
    {"number": "-1", "choice": "node"},
    {"number": "9" * 40, "choice": "node"},
    {"choice": "node"},
])
def test_a_forged_or_stale_answer_stores_nothing(client, lesson, form):
    client.get(lesson.get_absolute_url())
    assert post(client, lesson, "pull-or-not", **form).status_code == 302
    assert not QuestionAnswer.objects.exists()


def test_answering_twice_counts_once_and_unknown_kinds_are_refused(client, lesson):
    client.get(lesson.get_absolute_url())
    asked = current(client, lesson, "pull-or-not").question
    post(client, lesson, "pull-or-not", number=0, choice=asked.answer)
    post(client, lesson, "pull-or-not", number=0, choice=asked.answer)
    post(client, lesson, "shared-layers", number=0, choice="1")  # a kind this lesson lacks
    assert QuestionAnswer.objects.count() == 1
    assert client.get(reverse("lessons:answer", args=[lesson.slug, "pull-or-not"])
                      ).status_code == 405


def test_two_learners_get_their_own_draws(client, lesson, django_user_model):
    from django.test import Client
    other = Client()
    prompts = set()
    for who in (client, other):
        who.get(lesson.get_absolute_url())
        prompts.add(current(who, lesson, "moved-tag").question.seed)
    assert len(prompts) == 2


def test_unknown_kinds_are_refused_when_saved():
    lesson = Lesson(slug="x", title="X", body="b", questions="moved-tag, no-such-kind")
    with pytest.raises(ValidationError) as caught:
        lesson.full_clean()
    assert caught.value.message_dict["questions"][0].startswith("unknown question kind")
    Lesson(slug="y", title="Y", body="b", questions="moved-tag,pull-or-not").full_clean()


def test_question_text_is_escaped_with_code_spans_kept():
    html = str(questions.inline_html("<img src=x onerror=alert(1)> uses `a<b>`"))
    assert html == "&lt;img src=x onerror=alert(1)&gt; uses <code>a&lt;b&gt;</code>"


def test_every_shipped_lesson_asks_at_least_one_question(client):
    from lessons.loader import load_content
    load_content()
    for lesson in Lesson.objects.all():
        assert questions.kinds_of(lesson), lesson.slug
        page = client.get(lesson.get_absolute_url()).content.decode()
        assert re.search(r'<section class="question" id="question-', page), lesson.slug


def test_the_recap_quiz_covers_every_picture_of_the_seed_with_its_real_cluster_note():
    from lessons.questions import question
    from lessons.recap import TRICKS

    seen = set()
    for seed in range(200):
        q = question("recap", seed)
        right = dict(q.given)["trick"]
        seen.add(right)
        assert q.answer == right and len(q.choices) == 4
        concept, picture, note = TRICKS[int(right)]
        assert picture in q.prompt and q.label(q.answer) == concept and note in q.explanation
    assert seen == {str(i) for i in range(len(TRICKS))}
    pictures = " ".join(picture for _, picture, _ in TRICKS)
    for word in ("lunchbox", "layer cake", "librarian", "shelf", "VIP pass", "nickname",
                 "fingerprint"):
        assert word in pictures


def test_the_recap_lessons_never_example_runs_as_it_says(client):
    from lessons.loader import load_content
    from sandbox.engine import evaluate

    load_content()
    lesson = Lesson.objects.get(slug="recap")
    block = lesson.body.split("```sandbox\n", 1)[1].split("```", 1)[0]
    world = lesson.scenario.load()
    on_node_1 = evaluate(block, world).trace.pods[0]
    on_node_2 = evaluate(block.replace("node-1", "node-2"), world).trace.pods[0]
    assert on_node_1.phase == "Running"
    assert on_node_2.containers[0].reason == "ErrImageNeverPull"
    assert "recap" in lesson.questions.split()
