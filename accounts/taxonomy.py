"""The program's starting taxonomies. Used by a data migration and by `seed_demo`, so it must
work with historical models: it takes the model class and uses nothing else of the app."""

DEFAULT_CAREER_AREAS = [
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


def ensure_default_career_areas(career_area_model) -> None:
    """Create the seven career areas that are missing; leave staff's edits alone."""
    for name, slug, description in DEFAULT_CAREER_AREAS:
        career_area_model.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
