"""What a learner sees of their own progress: marks on the lessons index and the lesson page,
the challenge page after a reload or a restart, hints one at a time, the solution when allowed.

The learner is the one the session names (`lessons.progress.LEARNER_SESSION_KEY`), as the
websocket records runs for; a "restart" is a new client presenting the same session cookie.
"""

from __future__ import annotations

import json
from importlib import import_module
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from lessons.models import Challenge, GoalResult, Lesson, Progress, Scenario
from lessons.progress import LEARNER_SESSION_KEY
from sandbox.asgi import application

pytestmark = pytest.mark.django_db

ADA = "a" * 32
GRACE = "b" * 32

ONE_NODE = """\
name: One node
nodes:
  - name: node-1
    images:
      - nginx:1.25
"""

CACHED = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
"""

SOLUTION = CACHED.replace("name: web\nspec", "name: the-solution-pod\nspec")

MET = {"goal": "every pod is Running", "passed": True, "expected": "all Running",
       "seen": "1 Running"}
MISSED = {"goal": "no image is pulled from a registry", "passed": False,
          "expected": "no pulls", "seen": "1 pull(s): nginx on node-1"}


def learner_client(learner: str) -> Client:
    """A browser whose stored session names `learner`, as after their first run."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[LEARNER_SESSION_KEY] = learner
    session.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def restarted(client: Client) -> Client:
    """A new client (nothing kept in memory) presenting the same session cookie."""
    again = Client()
    again.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return again


def make_lesson(slug: str, order: int, challenges: int, **fields: Any) -> Lesson:
    lesson = Lesson.objects.create(slug=slug, title=slug.title(), order=order, published=True,
                                   body="Body.", **fields)
    for number in range(1, challenges + 1):
        Challenge.objects.create(lesson=lesson, slug=f"c{number}", title=f"{slug} {number}",
                                 order=number * 10, prompt="Go.")
    return lesson


def challenge(key: str) -> Challenge:
    lesson, _, slug = key.partition("/")
    return Challenge.objects.get(lesson__slug=lesson, slug=slug)


def record(learner: str, key: str, passed: bool, goals: list[dict[str, Any]] | None = None,
           times: int = 1) -> None:
    for _ in range(times):
        Progress.record_attempt(learner, challenge(key), passed, goals=goals)


def card(content: str, slug: str) -> str:
    """The lessons index card of lesson `slug`, as HTML text."""
    start = content.index(f'href="/lessons/{slug}/"')
    return content[start:content.index("</li>", start)]


# The lessons index


def test_index_marks_each_lesson_in_words_for_the_sessions_learner() -> None:
    make_lesson("first", 10, challenges=3)
    make_lesson("second", 20, challenges=2)
    make_lesson("third", 30, challenges=1)
    make_lesson("reading", 40, challenges=0)
    record(ADA, "first/c1", passed=True)
    record(ADA, "first/c2", passed=False)
    record(ADA, "second/c1", passed=True)
    record(ADA, "second/c2", passed=True)
    record(GRACE, "third/c1", passed=True)  # someone else's run marks nothing for Ada

    content = learner_client(ADA).get(reverse("lessons:index")).content.decode()

    assert "In progress: 1 of 3 challenges" in card(content, "first")
    assert "Done: 2 of 2 challenges" in card(content, "second")
    assert "Not started" in card(content, "third")
    assert 'class="lesson-progress"' not in card(content, "reading")
    # The mark is the link's description, so it is read with the lesson's name.
    assert 'aria-describedby="lesson-first-progress"' in card(content, "first")
    assert 'id="lesson-first-progress"' in card(content, "first")


def test_index_marks_nothing_started_for_a_visitor_and_stores_no_session() -> None:
    make_lesson("first", 10, challenges=2)
    record(ADA, "first/c1", passed=True)
    client = Client()
    response = client.get(reverse("lessons:index"))
    assert "Not started" in card(response.content.decode(), "first")
    assert "Continue where you left off" not in response.content.decode()
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_continue_leads_to_the_challenge_last_run_without_passing() -> None:
    make_lesson("first", 10, challenges=3)
    make_lesson("second", 20, challenges=2)
    record(ADA, "second/c2", passed=False)
    record(ADA, "first/c2", passed=False)  # the most recent unfinished one
    record(ADA, "first/c1", passed=True)  # more recent still, but passed

    content = learner_client(ADA).get(reverse("lessons:index")).content.decode()

    assert 'href="/sandbox/?challenge=first/c2">Continue where you left off: first 2</a>' in content


def test_continue_leads_to_the_first_unstarted_challenge_once_the_rest_are_passed() -> None:
    make_lesson("first", 10, challenges=2)
    make_lesson("second", 20, challenges=2)
    record(ADA, "first/c1", passed=True)
    record(ADA, "first/c2", passed=True)
    record(ADA, "second/c2", passed=True)

    content = learner_client(ADA).get(reverse("lessons:index")).content.decode()

    link = 'href="/sandbox/?challenge=second/c1">Continue where you left off: second 1</a>'
    assert link in content


def test_continue_is_not_offered_when_every_challenge_is_passed() -> None:
    make_lesson("first", 10, challenges=1)
    record(ADA, "first/c1", passed=True)
    content = learner_client(ADA).get(reverse("lessons:index")).content.decode()
    assert "Done: 1 of 1 challenge" in card(content, "first")
    assert "Continue where you left off" not in content


def test_continue_never_leads_into_an_unpublished_lesson() -> None:
    make_lesson("first", 10, challenges=1)
    make_lesson("draft", 20, challenges=1)
    Lesson.objects.filter(slug="draft").update(published=False)
    record(ADA, "first/c1", passed=True)
    record(ADA, "draft/c1", passed=False)
    content = learner_client(ADA).get(reverse("lessons:index")).content.decode()
    assert "draft/c1" not in content
    assert "Continue where you left off" not in content


# The lesson page


def test_lesson_page_marks_each_challenge_solved_or_not() -> None:
    make_lesson("first", 10, challenges=3)
    record(ADA, "first/c1", passed=True, times=3)
    record(ADA, "first/c2", passed=False)

    content = learner_client(ADA).get("/lessons/first/").content.decode()

    def section(slug: str) -> str:
        start = content.index(f'id="challenge-{slug}"')
        return content[start:content.index("</section>", start)]

    assert "Solved (3 runs)" in section("c1")
    assert "Not solved yet (1 run)" in section("c2")
    assert "Not started" in section("c3")
    assert 'data-state="passed"' in section("c1")


# The challenge page


def test_challenge_page_shows_solved_and_the_last_goals_after_a_restart() -> None:
    make_lesson("first", 10, challenges=1)
    record(ADA, "first/c1", passed=False, goals=[MET, MISSED])
    record(ADA, "first/c1", passed=True, goals=[MET, {**MISSED, "passed": True}])
    browser = learner_client(ADA)
    assert browser.get("/sandbox/?challenge=first/c1").status_code == 200

    response = restarted(browser).get("/sandbox/?challenge=first/c1")

    page = response.context["challenge"]
    assert page.progress.passed and page.progress.attempts == 2
    assert page.progress.last_goals == (
        GoalResult(**MET), GoalResult(**{**MISSED, "passed": True}))
    assert page.progress.last_run_at is not None
    shown = render_to_string("sandbox/_challenge_progress.html", {"challenge": page})
    assert "Solved (2 runs)" in shown
    assert "2 of 2 goals met." in shown
    assert '<span class="goal-seen">1 pull(s): nginx on node-1</span>' in shown


def test_challenge_page_shows_no_progress_to_another_learner() -> None:
    make_lesson("first", 10, challenges=1)
    record(ADA, "first/c1", passed=True, goals=[MET])
    response = learner_client(GRACE).get("/sandbox/?challenge=first/c1")
    assert response.context["challenge"].progress is None
    shown = render_to_string("sandbox/_challenge_progress.html",
                             {"challenge": response.context["challenge"]})
    assert "Your progress" not in shown


def test_the_last_goals_are_escaped_and_bounded_when_stored() -> None:
    make_lesson("first", 10, challenges=1)
    hostile = {"goal": "<img src=x onerror=alert(1)>", "passed": False, "expected": "x" * 5000,
               "seen": "<script>alert(2)</script>", "extra": "dropped"}
    record(ADA, "first/c1", passed=False, goals=[hostile] * (Progress.STORED_GOALS + 5))

    row = Progress.objects.get(learner=ADA)
    assert row.last_goals is not None and len(row.last_goals) == Progress.STORED_GOALS
    assert set(row.last_goals[0]) == {"goal", "passed", "expected", "seen"}
    assert len(row.last_goals[0]["expected"]) == Progress.STORED_GOAL_TEXT
    page = learner_client(ADA).get("/sandbox/?challenge=first/c1").context["challenge"]
    shown = render_to_string("sandbox/_challenge_progress.html", {"challenge": page})
    assert "<img" not in shown and "<script>" not in shown
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in shown


def test_a_run_that_was_not_checked_says_so_instead_of_keeping_old_goals() -> None:
    make_lesson("first", 10, challenges=1)
    record(ADA, "first/c1", passed=False, goals=[MET])
    record(ADA, "first/c1", passed=False, goals=None)
    page = learner_client(ADA).get("/sandbox/?challenge=first/c1").context["challenge"]
    assert page.progress.last_goals is None
    shown = render_to_string("sandbox/_challenge_progress.html", {"challenge": page})
    assert "its goals were not checked" in shown


def connect(cookie: str) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1:8000"),
               (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode())]
    return WebsocketCommunicator(application, "/ws/sandbox/", headers=headers)


async def run_to_result(socket: WebsocketCommunicator, **fields: Any) -> dict[str, Any]:
    await socket.send_to(text_data=json.dumps({"version": 1, "type": "run", "speed": 16,
                                               **fields}))
    await socket.send_to(text_data=json.dumps({"version": 1, "type": "control",
                                               "action": "finish"}))
    while True:
        frame = json.loads(await socket.receive_from(timeout=10))
        assert frame["type"] not in ("error", "invalid"), frame
        if frame["type"] == "result":
            return frame


@pytest.mark.django_db(transaction=True)
async def test_a_socket_run_shows_on_the_challenge_page_and_the_index_after_a_restart() -> None:
    """The whole path: the sandbox page's cookie, a run on the websocket, then a new client."""
    scenario = await Scenario.objects.acreate(slug="one-node", title="One node", source=ONE_NODE)
    lesson = await Lesson.objects.acreate(slug="policies", title="Policies", published=True,
                                          scenario=scenario)
    await Challenge.objects.acreate(lesson=lesson, slug="no-pull", title="Start without pulling",
                                    prompt="Go.", order=10,
                                    goals="- allPodsRunning: true\n- noRegistryPulls: true\n")
    await Challenge.objects.acreate(lesson=lesson, slug="later", title="Later", prompt="Go.",
                                    order=20)
    browser = Client()
    page = await sync_to_async(browser.get)("/sandbox/?challenge=policies/no-pull")
    assert page.context["challenge"].progress is None
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value

    socket = connect(cookie)
    assert (await socket.connect())[0]
    result = await run_to_result(socket, manifest=CACHED, challenge="policies/no-pull",
                                 display_name="Ada")
    assert [goal["passed"] for goal in result["goals"]] == [True, True]
    await socket.disconnect()

    later = Client()
    later.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = await sync_to_async(later.get)("/sandbox/?challenge=policies/no-pull")
    shown = response.context["challenge"].progress
    assert shown.passed and shown.attempts == 1 and shown.goals_met == 2
    assert [goal.goal for goal in shown.last_goals] == [g["goal"] for g in result["goals"]]
    assert response.context["display_name"] == "Ada"
    index = (await sync_to_async(later.get)(reverse("lessons:index"))).content.decode()
    assert "In progress: 1 of 2 challenges" in index
    assert "Continue where you left off: Later" in index


# Display name


def test_sandbox_page_offers_the_name_last_given_for_the_board() -> None:
    make_lesson("first", 10, challenges=2)
    Progress.record_attempt(ADA, challenge("first/c1"), False, display_name="Old name")
    Progress.record_attempt(ADA, challenge("first/c2"), False, display_name="Ada L.")
    Progress.record_attempt(ADA, challenge("first/c1"), False)  # no name given: the last stays
    assert learner_client(ADA).get("/sandbox/").context["display_name"] == "Ada L."
    assert Client().get("/sandbox/").context["display_name"] == ""


# Hints


def hinted(hints: str, **fields: Any) -> Challenge:
    lesson = Lesson.objects.create(slug="first", title="First", published=True, body="Body.")
    return Challenge.objects.create(lesson=lesson, slug="c1", title="One", prompt="Go.",
                                    hints=hints, **fields)


def test_lesson_hints_are_markdown_each_in_its_own_closed_details_in_order() -> None:
    hinted("Use `imagePullPolicy`.\n\nThen **pin** it:\n\n- with a `nodeSelector`\n- on node-1")
    content = Client().get("/lessons/first/").content.decode()
    assert "`imagePullPolicy`" not in content
    assert "<p>Use <code>imagePullPolicy</code>.</p>" in content
    assert "<strong>pin</strong>" in content
    assert "<li>with a <code>nodeSelector</code></li>" in content  # a list inside one hint
    assert content.count('<details class="hint">') == 3
    assert "<details class=\"hint\" open" not in content
    summaries = [f"<summary>Hint {n} of 3</summary>" for n in (1, 2, 3)]
    positions = [content.index(summary) for summary in summaries]
    assert positions == sorted(positions)


def test_a_script_in_a_hint_is_removed_on_the_lesson_and_the_challenge_page() -> None:
    hinted('Look <script>alert("hint")</script> here.\n\n<img src=x onerror="alert(1)"> '
           '[link](javascript:alert(2))')
    lesson_page = Client().get("/lessons/first/").content.decode()
    challenge_page = Client().get("/sandbox/?challenge=first/c1")
    for html in (lesson_page, "".join(challenge_page.context["challenge"].hints_html)):
        assert "alert(" not in html
        assert "onerror" not in html
        assert "javascript:" not in html


# The solution


def lesson_page(learner: str) -> str:
    return learner_client(learner).get("/lessons/first/").content.decode()


def challenge_solution(learner: str) -> str:
    page = learner_client(learner).get("/sandbox/?challenge=first/c1").context["challenge"]
    return str(page.solution)


def test_solution_stays_hidden_by_default_however_many_runs() -> None:
    hinted("A hint.", solution=SOLUTION)
    record(ADA, "first/c1", passed=False, times=10)
    assert "the-solution-pod" not in lesson_page(ADA)
    assert challenge_solution(ADA) == ""
    assert "The solution is shown after" not in lesson_page(ADA)


def test_solution_unlocks_after_the_instructors_number_of_runs() -> None:
    hinted("A hint.", solution=SOLUTION, solution_after_attempts=3)
    record(ADA, "first/c1", passed=False, times=2)
    before = lesson_page(ADA)
    assert "the-solution-pod" not in before
    assert "The solution is shown after 3 runs of this challenge; you have made 2." in before
    assert challenge_solution(ADA) == ""

    record(ADA, "first/c1", passed=False)
    assert "<summary>Solution</summary>" in lesson_page(ADA)
    assert "name: the-solution-pod" in lesson_page(ADA)
    assert "the-solution-pod" in challenge_solution(ADA)
    assert "the-solution-pod" not in lesson_page(GRACE)  # only for the learner who ran it


def test_solution_is_shown_to_everyone_when_the_instructor_allows_it() -> None:
    hinted("A hint.", solution=SOLUTION, solution_after_attempts=5)
    Challenge.objects.update(solution_visible=True)
    assert "name: the-solution-pod" in lesson_page(GRACE)
    assert "the-solution-pod" in challenge_solution(GRACE)
    assert "The solution is shown after" not in lesson_page(GRACE)
    shown = render_to_string(
        "sandbox/_challenge_progress.html",
        {"challenge": learner_client(GRACE).get("/sandbox/?challenge=first/c1")
         .context["challenge"]})
    assert "<summary>Solution</summary>" in shown


def test_challenge_admin_offers_the_two_solution_settings(admin_client: Client) -> None:
    challenge = hinted("A hint.")
    content = admin_client.get(
        reverse("admin:lessons_challenge_change", args=[challenge.pk])).content.decode()
    assert 'name="solution_after_attempts"' in content
    assert 'name="solution_visible"' in content
