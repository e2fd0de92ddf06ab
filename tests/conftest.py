"""Shared fixtures: the personas, real-service markers and the browser harness.

Markers `postgres`, `redis` and `browser` say a test needs a real service. Without it the test is
skipped with the reason, unless REQUIRE_SERVICES=1 (as in CI), where a missing service fails it.
"""

import os
import shutil
import uuid

import pytest
from django.db import connection

from groups.models import GroupStatus, MembershipRole
from tests.factories import (
    MembershipFactory,
    PeerGroupFactory,
    TraineeProfileFactory,
    UserFactory,
)

# Playwright runs an event loop in the test thread; the ORM calls next to it are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def _redis_available() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as e:
        return f"Redis at REDIS_URL is not reachable ({e})"
    return None


def _postgres_available() -> str | None:
    if connection.vendor != "postgresql":
        return "DATABASE_URL is not PostgreSQL"
    return None


def _browser_available() -> str | None:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        return f"Chromium not found at {CHROMIUM}"
    return None


CHECKS = {"redis": _redis_available, "postgres": _postgres_available, "browser": _browser_available}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, check in CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        reason = check()
        if reason is None:
            continue
        if _services_required():
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)


# Personas ------------------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, name="Office Staff")


@pytest.fixture
def office(client, staff):
    """A test client signed in as office staff with every admin permission."""
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


@pytest.fixture
def trainee(db):
    return TraineeProfileFactory(user__name="Tia Trainee").user


@pytest.fixture
def outsider(db):
    """A trainee with no business with the objects under test."""
    return TraineeProfileFactory(user__name="Otto Outsider").user


# Celery with a real worker -------------------------------------------------------------------


@pytest.fixture
def celery_worker_on_redis(settings):
    """A real Celery worker thread consuming from Redis on a queue of this test's own.

    Needs `@pytest.mark.redis` and `django_db(transaction=True)` (the worker has its own
    database connection, so it must see committed rows).
    """
    import celery.contrib.testing.tasks  # noqa: F401  (registers the ping task)
    from celery.contrib.testing.worker import start_worker

    from peergroups.celery import app

    queue = f"pytest-{uuid.uuid4().hex[:12]}"
    old = (app.conf.broker_url, app.conf.task_default_queue)
    app.conf.broker_url = os.environ["REDIS_URL"]
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]) as worker:
            yield worker
    finally:
        app.conf.broker_url, app.conf.task_default_queue = old


# Browser ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in throttling counts live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


# Group personas -------------------------------------------------------------------------------


@pytest.fixture
def group(db):
    """An active group (so not open for joining: only its people and staff may see it)."""
    return PeerGroupFactory(name="Data Science Group", status=GroupStatus.ACTIVE)


@pytest.fixture
def facilitator(group):
    return MembershipFactory(
        group=group, role=MembershipRole.FACILITATOR, user__name="Fran Facilitator"
    ).user


@pytest.fixture
def member(group):
    return MembershipFactory(group=group, user__name="Mia Member").user
