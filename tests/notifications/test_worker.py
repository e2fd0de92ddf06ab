"""The sender and the sweeps with real Celery workers on Redis.

Design bound on duplicates: the sender marks a row sent in the same transaction in which it
hands the email to the relay, so a worker killed after the relay accepted a message and before
the commit sends that one message again when the row is retried. Each sender process has at most
one email in flight, so a crash duplicates at most one email per sender process killed; nothing
is lost, because an uncommitted row is still unsent. The tests below assert both halves.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from meetings import tasks as meeting_tasks
from notifications import tasks
from notifications.models import Notification
from tests.factories import MeetingFactory, MembershipFactory, NotificationFactory, UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SENDER = "notifications.tasks.send_pending_emails"


def wait_for(condition, timeout: float = 30, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s: {message}")


@pytest.fixture
def finished():
    """Names of the tasks the in-process worker has finished, in order."""
    names: list[str] = []
    lock = threading.Lock()

    def record(sender=None, **kwargs):
        with lock:
            names.append(sender.name)

    task_postrun.connect(record, weak=False)
    yield names
    task_postrun.disconnect(record)


# In-process worker (the celery_worker_on_redis fixture) -----------------------------------------


def test_the_sender_published_twice_sends_one_email_per_person(
    career_areas, worker_for_email, finished
):
    people = UserFactory.create_batch(5)
    for person in people:
        NotificationFactory(recipient=person)
    tasks.send_pending_emails.delay()
    tasks.send_pending_emails.delay()
    wait_for(lambda: finished.count(SENDER) == 2, message="both sender tasks to finish")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert not Notification.objects.unsent().exists()


def test_sweeps_through_a_real_worker_remind_once_and_email_once(
    career_areas, worker_for_email, finished, group
):
    members = [MembershipFactory(group=group).user for _ in range(3)]
    MeetingFactory(group=group, starts_at=timezone.now() + timedelta(hours=6))
    meeting_tasks.send_meeting_reminders.delay()
    # The sweep's commit asks for the sender, which the worker then runs.
    wait_for(lambda: finished.count(SENDER) == 1, message="the sender after the sweep")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in members)
    meeting_tasks.send_meeting_reminders.delay()
    wait_for(lambda: finished.count("meetings.tasks.send_meeting_reminders") == 2)
    time.sleep(0.5)  # a sender, had one been published, would have run by now
    assert finished.count(SENDER) == 1
    assert Notification.objects.count() == 3 and len(mail.outbox) == 3


# Worker processes that can be killed -----------------------------------------------------------


class WorkerProcess:
    """`celery worker` in its own process, on the test database and a queue of its own."""

    def __init__(self, tmp_path: Path, queue: str, concurrency: int = 1) -> None:
        db = connection.settings_dict
        database_url = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "DATABASE_URL": database_url,
            "MAILBOX_PATH": str(tmp_path / "mailbox.txt"),
            "MAILBOX_PAUSE": "0.3",
            "EMAIL_RATE_LIMIT_PER_MINUTE": "0",
        }
        pool = ["-P", "solo"] if concurrency == 1 else ["-P", "prefork", "-c", str(concurrency)]
        self.command = [
            sys.executable,
            *("-m", "celery", "-A", "peergroups", "worker", "-Q", queue, "-l", "WARNING"),
            *("-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h"),
            *("--without-mingle", "--without-gossip", "--without-heartbeat"),
            *pool,
        ]
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=settings.BASE_DIR,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill reaches every child
        )
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, no rollback but the database's own."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def workers(tmp_path):
    queue = f"pytest-worker-{uuid.uuid4().hex[:12]}"
    started: list[WorkerProcess] = []

    def start(concurrency: int = 1) -> WorkerProcess:
        started.append(WorkerProcess(tmp_path, queue, concurrency).start())
        return started[-1]

    start.queue = queue
    start.mailbox = tmp_path / "mailbox.txt"
    yield start
    for worker in started:
        worker.kill()


def mailbox(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def publish_sender(queue: str) -> None:
    tasks.send_pending_emails.apply_async(queue=queue)


@pytest.mark.postgres
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_one_email(
    career_areas, workers
):
    people = UserFactory.create_batch(12)
    for person in people:
        NotificationFactory(recipient=person)
    first = workers()
    publish_sender(workers.queue)
    wait_for(lambda: len(mailbox(workers.mailbox)) >= 4, timeout=60, message="first emails")
    first.kill()
    sent_before_crash = len(mailbox(workers.mailbox))
    assert 4 <= sent_before_crash < len(people), "the kill did not land mid-batch"
    assert Notification.objects.unsent().exists()

    workers()  # restarted; beat would publish the sender every minute: here every 2 s
    deadline = time.monotonic() + 90
    while Notification.objects.unsent().exists() and time.monotonic() < deadline:
        publish_sender(workers.queue)
        time.sleep(2)

    assert not Notification.objects.unsent().exists(), "rows left unsent after the restart"
    received = Counter(mailbox(workers.mailbox))
    assert set(received) == {p.email for p in people}  # nothing lost
    duplicates = sum(received.values()) - len(people)
    print(f"emails before the kill: {sent_before_crash}, duplicates: {duplicates}")
    assert duplicates <= 1  # at most the one email in flight when the worker died


@pytest.mark.postgres
def test_two_worker_processes_sending_at_once_send_each_email_once(career_areas, workers):
    people = UserFactory.create_batch(10)
    for person in people:
        NotificationFactory(recipient=person)
    workers(concurrency=2)
    publish_sender(workers.queue)
    publish_sender(workers.queue)
    wait_for(lambda: not Notification.objects.unsent().exists(), timeout=60, message="all sent")
    assert sorted(mailbox(workers.mailbox)) == sorted(p.email for p in people)
