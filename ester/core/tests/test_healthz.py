"""``/healthz``: database and worker state for monitoring, without login or personal data."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ester.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def beat(worker_id: str = "w1", *, age: datetime.timedelta = datetime.timedelta(0)) -> WorkerHeartbeat:
    seen = timezone.now() - age
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, started_at=seen - datetime.timedelta(hours=1), seen_at=seen, pid=4711, host="app1"
    )


def get_health(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_url_name() -> None:
    assert reverse("core:healthz") == "/healthz"


def test_no_worker_yet_is_degraded_but_up(client: Client) -> None:
    status, body = get_health(client)
    assert status == 200
    assert body["status"] == "degraded"
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["worker"]["ok"] is False
    assert body["worker"]["last_seen"] is None
    assert body["worker"]["age_seconds"] is None


def test_fresh_heartbeat_is_ok(client: Client) -> None:
    beat("old", age=datetime.timedelta(days=1))
    fresh = beat("fresh", age=datetime.timedelta(seconds=3))
    status, body = get_health(client)
    assert status == 200
    assert body["status"] == "ok"
    assert body["worker"]["ok"] is True
    assert datetime.datetime.fromisoformat(body["worker"]["last_seen"]) == fresh.seen_at
    assert 2 <= body["worker"]["age_seconds"] < 60
    assert body["worker"]["backend"] == "database"


def test_stale_heartbeat_is_degraded(client: Client, settings: Any) -> None:
    settings.ESTER_WORKER_STALE_SECONDS = 60
    beat(age=datetime.timedelta(seconds=90))
    status, body = get_health(client)
    assert status == 200
    assert body["status"] == "degraded"
    assert body["worker"]["ok"] is False
    assert body["worker"]["age_seconds"] >= 90
    settings.ESTER_WORKER_STALE_SECONDS = 120
    assert get_health(client)[1]["status"] == "ok"


def test_immediate_backend_needs_no_worker(client: Client, settings: Any) -> None:
    settings.TASK_BACKEND = "immediate"
    status, body = get_health(client)
    assert (status, body["status"], body["worker"]["ok"]) == (200, "ok", True)


def test_database_down_is_503(db: None, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    status, body = get_health(client)
    assert status == 503
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "vendor": connection.vendor}
    assert body["worker"]["ok"] is False


def test_open_to_anyone_and_tells_nothing_personal(client: Client, django_user_model: Any) -> None:
    django_user_model.objects.create_user(username="anna.andersson", password="x" * 12)
    beat()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "database", "worker"}
    assert set(body["worker"]) == {"ok", "backend", "last_seen", "age_seconds"}
    text = response.content.decode()
    assert "anna" not in text and "app1" not in text and "4711" not in text


def test_head_allowed_post_not(client: Client) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


# --- the start page ------------------------------------------------------------


def _target(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        pytest.skip(f"{name} is not wired up yet")


def test_home_sends_anonymous_to_login(client: Client) -> None:
    login = _target("accounts:login")
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == login


def test_home_sends_customer_contact_to_portal(client: Client, city: Any) -> None:
    portal = _target("portal:home")
    client.force_login(city.contact_x)
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, portal)


@pytest.mark.parametrize("persona", ["handler", "unit_manager", "controller", "sysadmin"])
def test_home_sends_staff_to_customers(client: Client, city: Any, persona: str) -> None:
    customers = _target("organisation:customer-list")
    client.force_login(city.users[persona])
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, customers)
