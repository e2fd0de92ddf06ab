from django.db import migrations


def install(apps, schema_editor):
    from groups import dbguards

    dbguards.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from groups import dbguards

    dbguards.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
