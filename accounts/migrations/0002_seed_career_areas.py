from django.db import migrations

CAREER_AREAS = [
    (
        "Education",
        "education",
        "Teaching and learning roles: schools, colleges, outreach, instructional design.",
    ),
    (
        "Science Writing/Communication",
        "science-writing-communication",
        "Journalism, editing, publishing, public engagement and communications.",
    ),
    (
        "Business",
        "business",
        "Consulting, entrepreneurship, business development, finance and management.",
    ),
    (
        "Policy",
        "policy",
        "Science policy, government, advocacy, regulatory affairs and funding agencies.",
    ),
    ("Academia", "academia", "Faculty and research careers at universities and institutes."),
    (
        "Industry",
        "industry",
        "Research and development, applications and product roles in companies.",
    ),
    (
        "Data Science",
        "data-science",
        "Data analysis, machine learning, engineering and analytics roles.",
    ),
]


def seed(apps, schema_editor):
    CareerArea = apps.get_model("accounts", "CareerArea")
    for name, slug, description in CAREER_AREAS:
        CareerArea.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
