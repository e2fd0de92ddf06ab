import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import IntegrityError, connection, transaction

from groups import dbguards
from groups.models import Membership
from tests.factories import MembershipFactory, PeerGroupFactory
from tests.groups.test_models import seated_row

pytestmark = pytest.mark.django_db


def test_installing_the_guards_again_is_harmless():
    dbguards.install(connection)
    dbguards.install(connection)
    group = PeerGroupFactory(capacity=1)
    MembershipFactory(group=group)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create([seated_row(group, 2)])


def test_migrate_puts_the_guards_back_if_they_went_missing():
    # SQLite drops a table's triggers whenever a migration rebuilds the table.
    dbguards.uninstall(connection)
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    group = PeerGroupFactory(capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create([seated_row(group, 2)])
