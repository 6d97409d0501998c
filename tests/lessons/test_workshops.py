"""Workshops: codes, joining (and guessing), the staff pages, the learner's state, CSV export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lessons.models import Challenge, LearnerCluster, Lesson, Progress, Workshop, WorkshopMember
from lessons.progress import LEARNER_SESSION_KEY, public_id
from lessons.workshop_board import _note_run, tile
from lessons.workshop_views import JOIN_FAILURES, safe_cell
from lessons.workshops import CODE_ALPHABET, CODE_LENGTH, current_member, normalize_code

pytestmark = pytest.mark.django_db

PASSWORD = "Sup3r-S3cret-Pa55"
PASTED = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: regcred
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{{"auths": {{"r.example": {{"password": "{PASSWORD}"}}}}}}'
# password: {PASSWORD}
"""


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def workshop() -> Workshop:
    return Workshop.objects.create(name="Tuesday room")


@pytest.fixture
def challenge() -> Challenge:
    lesson = Lesson.objects.create(slug="policies", title="Policies", published=True)
    return Challenge.objects.create(lesson=lesson, slug="no-pull", title="Start without pulling",
                                    prompt="Go.", goals="- allPodsRunning: true\n")


def join(client: Client, code: str, name: str = "Ada"):
    return client.post("/join", {"code": code, "name": name})


def learner_of(client: Client) -> str:
    key = client.session[LEARNER_SESSION_KEY]
    assert isinstance(key, str)
    return key


def test_the_current_membership_is_the_latest_of_an_open_workshop(workshop: Workshop) -> None:
    assert current_member("ada") is None and current_member(None) is None
    old = WorkshopMember.objects.create(workshop=workshop, learner="ada", display_name="Ada")
    assert current_member("ada") == old
    later = Workshop.objects.create(name="Wednesday room")
    new = WorkshopMember.objects.create(workshop=later, learner="ada", display_name="Ada")
    assert current_member("ada") == new and current_member("bob") is None
    later.is_open = False
    later.save()
    assert current_member("ada") == old
    workshop.is_open = False
    workshop.save()
    assert current_member("ada") is None


def test_codes_are_short_unambiguous_and_unique() -> None:
    codes = {Workshop.objects.create(name=f"w{i}").code for i in range(30)}
    assert len(codes) == 30
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("0O1IL")


@pytest.mark.parametrize("typed", ["abc def", "ABC-DEF", " aBcDeF ", "abcdef"])
def test_a_code_is_typed_in_any_case_with_spaces_or_dashes(typed: str) -> None:
    assert normalize_code(typed) == "ABCDEF"


@pytest.mark.parametrize("typed", ["ABCDE", "ABCDEFG", "ABCDE0", "ABCDEI", 7, None, "x" * 500])
def test_what_cannot_be_a_code_is_none(typed: object) -> None:
    assert normalize_code(typed) is None


def test_a_learner_joins_with_the_code_in_lower_case(client: Client, workshop: Workshop) -> None:
    response = join(client, workshop.spaced_code.lower(), "  Ada   Lovelace ")
    assert response.status_code == 200
    assert b"You joined" in response.content
    member = WorkshopMember.objects.get()
    assert (member.workshop, member.display_name) == (workshop, "Ada Lovelace")
    assert member.learner == learner_of(client)
    join(client, workshop.code, "Ada L.")  # joining again renames, no second membership
    assert WorkshopMember.objects.get().display_name == "Ada L."


def test_a_closed_workshop_cannot_be_joined(client: Client, workshop: Workshop) -> None:
    workshop.is_open = False
    workshop.save()
    response = join(client, workshop.code)
    assert response.status_code == 400 and b"No open workshop" in response.content
    assert not WorkshopMember.objects.exists()


@pytest.mark.parametrize("name", ["", "x" * 41, "bell\x07", "right\u202eleft"])
def test_a_bad_display_name_is_refused_with_a_message(
    client: Client, workshop: Workshop, name: str,
) -> None:
    response = join(client, workshop.code, name)
    assert response.status_code == 400
    assert b'role="alert"' in response.content and b"Traceback" not in response.content
    assert not WorkshopMember.objects.exists()


def test_a_display_name_is_escaped_on_the_join_page(client: Client, workshop: Workshop) -> None:
    response = join(client, workshop.code, "<img src=x onerror=alert(1)>")
    assert b"<img src=x" not in response.content
    assert b"&lt;img src=x onerror=alert(1)&gt;" in response.content


def test_guessing_codes_is_stopped_even_for_the_right_one(
    client: Client, workshop: Workshop,
) -> None:
    wrong = "".join(c for c in CODE_ALPHABET if c not in workshop.code)[:CODE_LENGTH]
    for _ in range(JOIN_FAILURES):
        assert join(client, wrong).status_code == 400
    response = join(client, workshop.code)
    assert response.status_code == 429 and b"Too many wrong codes" in response.content
    assert not WorkshopMember.objects.exists()


def test_staff_cannot_join_so_their_runs_stay_off_the_board(
    admin_client: Client, workshop: Workshop,
) -> None:
    response = join(admin_client, workshop.code)
    assert response.status_code == 403 and b"signed in as staff" in response.content
    assert not WorkshopMember.objects.exists()


def test_hand_goes_up_and_down_for_a_member_only(client: Client, workshop: Workshop) -> None:
    assert client.get("/join/hand").json() == {"member": False, "raised": False}
    assert client.post("/join/hand", {"raised": "1"}).json()["member"] is False
    join(client, workshop.code)
    assert client.post("/join/hand", {"raised": "1"}).json()["raised"] is True
    assert WorkshopMember.objects.get().hand_raised_at is not None
    assert client.post("/join/hand", {"raised": "0"}).json()["raised"] is False
    assert WorkshopMember.objects.get().hand_raised_at is None


def test_hand_needs_the_csrf_token(workshop: Workshop) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/join")
    token = page.context["csrf_token"]
    client.post("/join", {"code": workshop.code, "name": "Ada",
                          "csrfmiddlewaretoken": str(token)})
    assert WorkshopMember.objects.exists()
    assert client.post("/join/hand", {"raised": "1"}).status_code == 403
    assert WorkshopMember.objects.get().hand_raised_at is None


@pytest.mark.parametrize("path", ["", "{code}/", "{code}/results.csv",
                                  "{code}/learner/abc/", "{code}/learner/abc/reset/"])
def test_workshop_pages_are_staff_only(client: Client, workshop: Workshop, path: str) -> None:
    user = User.objects.create_user("learner", password="x")
    client.force_login(user)
    response = client.get("/lessons/board/w/" + path.format(code=workshop.code))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_instructor_opens_a_workshop_and_sees_its_code(admin_client: Client) -> None:
    response = admin_client.post(reverse("lessons:workshops"), {"name": "Friday <b>room</b>"})
    workshop = Workshop.objects.get()
    assert workshop.created_by is not None and workshop.created_by.is_staff
    assert response["Location"] == f"/lessons/board/w/{workshop.code}/"
    page = admin_client.get(response["Location"])
    assert workshop.spaced_code.encode() in page.content
    assert b"Friday &lt;b&gt;room&lt;/b&gt;" in page.content


def test_a_run_belongs_to_the_workshop_joined_and_its_tile_counts_it(
    client: Client, workshop: Workshop, challenge: Challenge,
) -> None:
    other = Workshop.objects.create(name="Other room")
    join(client, workshop.code)
    learner = learner_of(client)
    Progress.record_attempt(learner, challenge, passed=True)
    noted = _note_run(learner, challenge.key, PASTED)
    assert noted is not None and noted["group"] == f"workshop.{workshop.pk}"
    assert Progress.objects.get().workshop == workshop
    data = noted["tile"]
    assert (data["name"], data["challenge"], data["status"], data["solved"]) == (
        "Ada", "policies/no-pull", "solved", 1)
    assert data["total"] == 1 and data["id"] == public_id(learner)
    assert learner not in json.dumps(data)
    assert not other.members.exists()
    assert _note_run("f" * 32, challenge.key, "x") is None  # not in any workshop


def test_learner_state_shows_the_editor_with_the_password_masked(
    admin_client: Client, client: Client, workshop: Workshop, challenge: Challenge,
) -> None:
    join(client, workshop.code, "<script>alert(1)</script>")
    learner = learner_of(client)
    Progress.record_attempt(learner, challenge, passed=False,
                            goals=[{"goal": "allPodsRunning", "passed": False,
                                    "expected": "true", "seen": "false"}])
    _note_run(learner, challenge.key, PASTED)
    LearnerCluster.objects.create(learner=learner, state=json.dumps(
        {"log": [{"command": "kubectl get pods", "at": 0}]}))
    page = admin_client.get(f"/lessons/board/w/{workshop.code}/learner/{public_id(learner)}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "kind: Secret" in html and "kubectl get pods" in html and "allPodsRunning" in html
    assert PASSWORD not in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_reset_asks_first_then_clears_the_learners_clusters(
    admin_client: Client, client: Client, workshop: Workshop,
) -> None:
    join(client, workshop.code)
    learner = learner_of(client)
    LearnerCluster.objects.create(learner=learner, state="{}")
    LearnerCluster.objects.create(learner="e" * 32, state="{}")
    url = f"/lessons/board/w/{workshop.code}/learner/{public_id(learner)}/reset/"
    assert b"Yes, reset the cluster" in admin_client.get(url).content
    assert LearnerCluster.objects.filter(learner=learner).exists()
    assert admin_client.post(url).status_code == 302
    assert not LearnerCluster.objects.filter(learner=learner).exists()
    assert LearnerCluster.objects.filter(learner="e" * 32).exists()


def test_an_unknown_learner_or_workshop_is_a_404(admin_client: Client, workshop: Workshop) -> None:
    assert admin_client.get(f"/lessons/board/w/{workshop.code}/learner/nobody/").status_code == 404
    assert admin_client.get("/lessons/board/w/ZZZZZZ/").status_code == 404


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_a_spreadsheet_would_run_gets_a_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert safe_cell("Ada") == "Ada" and safe_cell(3) == "3"


def test_csv_holds_the_workshops_learners_only_and_no_formula(
    admin_client: Client, client: Client, workshop: Workshop, challenge: Challenge,
) -> None:
    join(client, workshop.code, '=HYPERLINK("http://evil","x")')
    learner = learner_of(client)
    Progress.record_attempt(learner, challenge, passed=True)
    _note_run(learner, challenge.key, "")
    Progress.record_attempt("d" * 32, challenge, passed=False, display_name="Instructor")
    response = admin_client.get(f"/lessons/board/w/{workshop.code}/results.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["learner", "lesson", "challenge", "status"]
    assert rows[1][:5] == ["'=HYPERLINK(\"http://evil\",\"x\")", "Policies",
                           "Start without pulling", "passed", "1"]
    assert len(rows) == 2, "the instructor's own run is not in the CSV"


def test_tile_of_a_member_who_ran_nothing_is_idle(client: Client, workshop: Workshop) -> None:
    join(client, workshop.code)
    data = tile(WorkshopMember.objects.get())
    assert (data["status"], data["solved"], data["title"], data["hand"]) == (
        "idle", 0, "free play", None)


@pytest.mark.parametrize("path", ["/join/hand", "/join"])
def test_asking_about_the_hand_keeps_the_sandbox_pages_session_promise(
    client: Client, path: str,
) -> None:
    """hand.js asks on every sandbox page; the promised session cookie the websocket will store
    the learner under must survive that request (a deleted cookie loses their cluster)."""
    assert client.get("/sandbox/").status_code == 200
    promise = client.cookies["sessionid"].value
    response = client.get(path)
    assert response.status_code == 200
    assert client.cookies["sessionid"].value == promise, "the promised cookie was lost"


def test_an_instructor_opens_a_workshop_in_the_admin(admin_client: Client) -> None:
    response = admin_client.post("/admin/lessons/workshop/add/", {
        "name": "Admin room", "is_open": "on",
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302, response.content[:2000]
    workshop = Workshop.objects.get()
    assert workshop.created_by is not None and workshop.created_by.username == "admin"
    assert len(workshop.code) == CODE_LENGTH
    listing = admin_client.get("/admin/lessons/workshop/")
    assert workshop.spaced_code.encode() in listing.content
    assert f"/lessons/board/w/{workshop.code}/".encode() in listing.content
