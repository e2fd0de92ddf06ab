# Indexes for the office dashboard (peergroups/dashboard.py): goals set since a group's last
# meeting, and each person's latest goal activity.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0002_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="goal",
            index=models.Index(fields=["group", "created_at"], name="goal_group_created_idx"),
        ),
        migrations.AddIndex(
            model_name="goal",
            index=models.Index(fields=["owner", "updated_at"], name="goal_owner_updated_idx"),
        ),
    ]
