import time

import pytest
from django.core import mail

from accounts import tasks
from accounts.models import Invitation, User


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_invitation_task_round_trips_through_a_real_worker_on_redis(celery_worker_on_redis):
    invitation = Invitation.objects.create(user=User.objects.create_user("rt@example.edu"))
    tasks.send_invitations.delay(invitation_ids=[invitation.pk])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        invitation.refresh_from_db()
        if invitation.sent_at is not None:
            break
        time.sleep(0.1)
    assert invitation.sent_at is not None, "the worker did not run the task within 20 s"
    assert [m.to for m in mail.outbox] == [["rt@example.edu"]]
