"""Notification fixtures: publishes captured before they reach the broker, and a worker on Redis
that also consumes what is routed to the email queue."""

import json
from dataclasses import dataclass

import pytest

from accounts.models import CareerArea
from accounts.taxonomy import ensure_default_career_areas

SENDER = "notifications.tasks.send_pending_emails"


@dataclass
class Publish:
    name: str
    queue: str
    headers: dict
    body: object

    def payload(self) -> str:
        """Everything that would travel through the broker, as text."""
        return json.dumps([self.headers, self.body], default=str)


@pytest.fixture
def published(monkeypatch) -> list[Publish]:
    """Task messages as Celery would hand them to the broker (after routing), kept here."""
    from peergroups.celery import app

    sent: list[Publish] = []

    def capture(producer, name, message, **options):
        headers, _properties, body, _sent_event = message
        queue = options.get("queue")
        sent.append(Publish(name, getattr(queue, "name", queue), dict(headers), body))

    monkeypatch.setattr(app.amqp, "send_task_message", capture)
    return sent


@pytest.fixture
def career_areas(transactional_db):
    # Transactional tests start from a flushed database: put back the seeded career areas.
    ensure_default_career_areas(CareerArea)


@pytest.fixture
def worker_for_email(celery_worker_on_redis):
    """The test's worker, with the sender routed to its queue instead of `email`."""
    from peergroups.celery import app

    queue = app.conf.task_default_queue
    old = app.conf.task_routes
    app.conf.task_routes = {SENDER: {"queue": queue}}
    app.amqp.flush_routes()
    del app.amqp.router
    try:
        yield celery_worker_on_redis
    finally:
        app.conf.task_routes = old
        app.amqp.flush_routes()
        del app.amqp.router
