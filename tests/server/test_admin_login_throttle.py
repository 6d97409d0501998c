"""The admin login, the one password form a room of learners can reach, refuses guessing: after
AXES_FAILURE_LIMIT wrong passwords even the right one is refused for AXES_COOLOFF_TIME."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

pytestmark = [pytest.mark.django_db]

PASSWORD = "the-instructors-long-password"


def log_in(client: Client, password: str, address: str = "192.168.1.31") -> int:
    response = client.post("/admin/login/?next=/admin/",
                           {"username": "coach", "password": password, "next": "/admin/"},
                           REMOTE_ADDR=address)
    return response.status_code


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def instructor() -> User:
    return User.objects.create_superuser("coach", "coach@example.org", PASSWORD)


def test_the_right_password_logs_in(client: Client, instructor: User) -> None:
    assert log_in(client, PASSWORD) == 302
    assert logged_in(client)


def test_after_the_failure_limit_even_the_right_password_is_refused(
        client: Client, instructor: User) -> None:
    statuses = [log_in(client, f"guess-{guess}") for guess in range(settings.AXES_FAILURE_LIMIT)]
    # The form again, with an error, until the failure that reaches the limit locks the door.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert log_in(client, PASSWORD) == 429
    assert not logged_in(client)


def test_forty_wrong_guesses_never_end_in_a_login(client: Client, instructor: User) -> None:
    statuses = [log_in(client, f"guess-{guess}") for guess in range(40)]
    assert statuses.count(200) == settings.AXES_FAILURE_LIMIT - 1
    assert log_in(client, PASSWORD) == 429
    assert not logged_in(client)


def test_a_learner_guessing_does_not_lock_the_instructor_out(client: Client,
                                                             instructor: User) -> None:
    for guess in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess-{guess}", address="192.168.1.31")
    assert log_in(Client(), PASSWORD, address="192.168.1.2") == 302


def test_the_lockout_ends_after_the_cool_off(client: Client, instructor: User) -> None:
    for guess in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess-{guess}")
    assert log_in(client, PASSWORD) == 429
    earlier = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=earlier)
    assert log_in(client, PASSWORD) == 302
    assert logged_in(client)
