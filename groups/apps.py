from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups"

    def ready(self) -> None:
        post_migrate.connect(_reinstall_db_guards, sender=self)


def _reinstall_db_guards(sender, using: str, plan=None, **kwargs) -> None:
    # SQLite drops a table's triggers when a migration rebuilds the table; put them back.
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from groups import dbguards

    connection = connections[using]
    recorder = MigrationRecorder(connection)
    if not recorder.migration_qs.filter(app="groups", name="0002_db_guards").exists():
        return  # migrated backwards past the guards, or not yet migrated
    dbguards.install(connection)
