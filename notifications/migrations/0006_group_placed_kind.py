# The "group_placed" kind (groups/formation_services.py: published group formation), on
# notifications and on email preferences.

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
    ("meeting_reminder", "Meeting reminder"),
    ("scheduling_prompt", "Time to schedule a meeting"),
    ("goal_review_prompt", "Update your goals before a meeting"),
    ("next_goals_prompt", "Set your next goals after a meeting"),
    ("office_digest", "Weekly office digest"),
]
VALUES = [kind for kind, _label in KINDS]


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_beat_schedules")]

    operations = [
        migrations.RemoveConstraint(model_name="notification", name="notification_kind_valid"),
        migrations.RemoveConstraint(
            model_name="notificationpreference", name="notificationpref_kind_valid"
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=40),
        ),
        migrations.AlterField(
            model_name="notificationpreference",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=40),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", VALUES)), name="notification_kind_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="notificationpreference",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", VALUES)), name="notificationpref_kind_valid"
            ),
        ),
    ]
