"""Settings for Celery worker processes that tests start and kill (see test_worker.py)."""

from peergroups.test_settings import *  # noqa: F403

EMAIL_BACKEND = "tests.notifications.mailbox.SlowMailbox"
