from django.db import migrations

from surveys.shipped import TEMPLATES, ensure_shipped_templates


def ship_templates(apps, schema_editor):
    ensure_shipped_templates(
        apps.get_model("surveys", "Survey"), apps.get_model("surveys", "Question")
    )


def remove_templates(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Survey.objects.filter(
        slug__in=[t["slug"] for t in TEMPLATES], is_template=True, copies__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(ship_templates, remove_templates)]
