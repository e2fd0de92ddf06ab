from django.db import migrations

from accounts.taxonomy import ensure_default_career_areas


def seed(apps, schema_editor):
    ensure_default_career_areas(apps.get_model("accounts", "CareerArea"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
