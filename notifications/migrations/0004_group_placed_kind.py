# The "group_placed" kind (groups/formation_services.py: published group formation).

from django.db import migrations, models

KINDS = [
    ("waitlist_promoted", "Off the waitlist"),
    ("group_moved", "Moved to another group"),
    ("meeting_scheduled", "Meeting scheduled"),
    ("meeting_changed", "Meeting moved"),
    ("meeting_cancelled", "Meeting cancelled"),
    ("survey_invitation", "Survey invitation"),
    ("survey_reminder", "Survey reminder"),
    ("group_placed", "Placed in a group"),
]


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_survey_kinds")]

    operations = [
        migrations.RemoveConstraint(model_name="notification", name="notification_kind_valid"),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=40),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", [kind for kind, _label in KINDS])),
                name="notification_kind_valid",
            ),
        ),
    ]
