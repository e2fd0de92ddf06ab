# An index for the office dashboard (peergroups/dashboard.py): each group's last held and next
# scheduled meetings.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(
                fields=["group", "status", "starts_at"], name="meeting_group_status_idx"
            ),
        ),
    ]
