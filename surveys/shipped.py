"""The shipped survey templates: intake, post-meeting pulse, mid-cycle check and exit.

All wording is our own (no published or copyrighted scale is reproduced). Keys are stable: the
intake and exit surveys share their items' keys, so answers pair person by person. Used by a data
migration and by `seed_surveys`, so it must work with historical models: it takes the model
classes and uses nothing else of the app.
"""

CONFIDENCE = "\n".join(
    [
        "Not at all confident",
        "A little confident",
        "Somewhat confident",
        "Very confident",
        "Completely confident",
    ]
)
TRUE_OF_ME = "\n".join(
    [
        "Not at all true of me",
        "A little true of me",
        "Somewhat true of me",
        "Mostly true of me",
        "Completely true of me",
    ]
)


def likert(key, text, labels="", help_text="", required=True):
    return {
        "key": key,
        "kind": "likert",
        "text": text,
        "choices": labels,
        "help_text": help_text,
        "is_required": required,
    }


def number(key, text, help_text="", high=500):
    return {
        "key": key,
        "kind": "number",
        "text": text,
        "help_text": help_text,
        "min_value": 0,
        "max_value": high,
        "is_required": True,
    }


CONFIDENCE_ITEMS = [
    likert(
        "conf_identify_paths",
        "How confident are you that you can identify career paths that fit your interests, "
        "values and skills?",
        CONFIDENCE,
    ),
    likert(
        "conf_find_information",
        "How confident are you that you can find reliable information about a career you are "
        "curious about?",
        CONFIDENCE,
    ),
    likert(
        "conf_informational_interview",
        "How confident are you that you can arrange an informational interview with someone "
        "working in a career you are exploring?",
        CONFIDENCE,
    ),
    likert(
        "conf_narrow_options",
        "How confident are you that you can narrow your options down to one or two paths?",
        CONFIDENCE,
    ),
    likert(
        "conf_make_plan",
        "How confident are you that you can make a plan, with concrete steps, toward the career "
        "you want?",
        CONFIDENCE,
    ),
    likert(
        "conf_transferable_skills",
        "How confident are you that you can explain how the skills from your research carry "
        "over to other kinds of work?",
        CONFIDENCE,
    ),
    likert(
        "conf_keep_going",
        "How confident are you that you can keep exploring careers when your research gets busy?",
        CONFIDENCE,
    ),
    likert(
        "conf_another_way",
        "How confident are you that you can find another way forward when a career plan runs "
        "into an obstacle?",
        CONFIDENCE,
    ),
]

OUTCOME_ITEMS = [
    likert(
        "career_clarity",
        "I know what kind of career I want to have after my training.",
        TRUE_OF_ME,
    ),
    {
        "key": "decision_stage",
        "kind": "single",
        "text": "Which sentence describes you best right now?",
        "choices": "\n".join(
            [
                "unsure | I don't know yet which careers interest me",
                "exploring | I am exploring several career paths",
                "preparing | I have chosen a path and am preparing for it",
                "applying | I am applying for positions",
            ]
        ),
        "is_required": True,
    },
    *CONFIDENCE_ITEMS,
    number(
        "count_informational_interviews",
        "In the last three months, how many informational interviews did you have?",
        "A conversation with someone about their work, to learn about a career.",
        high=100,
    ),
    number(
        "count_events",
        "In the last three months, how many career events, panels or workshops did you attend?",
        high=100,
    ),
    number(
        "count_applications",
        "In the last three months, how many applications (jobs, internships, fellowships) did "
        "you send?",
        high=200,
    ),
    number(
        "network_size",
        "How many people working outside your own lab could you ask for career advice?",
        "A rough count is fine.",
        high=1000,
    ),
]

LIKERT_RETRO = [
    likert(
        "retro_clarity_before",
        "Think back to when the program started. At that time, I knew what kind of career I "
        "wanted.",
        TRUE_OF_ME,
    ),
    likert("retro_clarity_now", "Today, I know what kind of career I want.", TRUE_OF_ME),
    likert(
        "retro_confidence_before",
        "Think back to when the program started. At that time, I felt able to explore careers "
        "on my own.",
        TRUE_OF_ME,
    ),
    likert("retro_confidence_now", "Today, I feel able to explore careers on my own.", TRUE_OF_ME),
]

TEMPLATES = [
    {
        "slug": "template-intake",
        "kind": "intake",
        "title": "Intake survey",
        "is_anonymous": False,
        "intro": (
            "A few questions about where you are in your career exploration, before your group "
            "starts. You answer the same items at the end of the program, so we can see what "
            "changed. The office sees your answers; reports show only totals for five or more "
            "people."
        ),
        "questions": OUTCOME_ITEMS,
    },
    {
        "slug": "template-pulse",
        "kind": "pulse",
        "title": "Meeting pulse",
        "is_anonymous": True,
        "intro": "One minute, four questions about your last group meeting. Anonymous.",
        "questions": [
            likert("pulse_worth_time", "The meeting was a good use of my time."),
            likert("pulse_goal_progress", "I made progress on my goals since the last meeting."),
            likert("pulse_heard", "I felt heard and respected in the group."),
            likert("pulse_next_step", "I am leaving with a clear next step."),
        ],
    },
    {
        "slug": "template-mid-cycle",
        "kind": "mid_cycle",
        "title": "Mid-cycle check",
        "is_anonymous": False,
        "intro": (
            "Halfway through: how is your group working for you? The office reads your answers "
            "and may get in touch if something isn't working."
        ),
        "questions": [
            likert("mid_satisfaction", "Overall, I am satisfied with my group."),
            likert("mid_fit", "My group's career focus fits what I want to explore."),
            likert(
                "mid_norms",
                "The group keeps its norms (confidentiality, equal airtime, kind feedback).",
            ),
            likert(
                "mid_accountability",
                "Reporting on my goals to the group helps me follow through.",
            ),
            likert(
                "mid_facilitator_focus",
                "The facilitator keeps meetings focused and on time.",
            ),
            likert(
                "mid_facilitator_inclusive",
                "The facilitator makes sure everyone gets a turn.",
            ),
            {
                "key": "mid_continue",
                "kind": "single",
                "text": "Do you want to stay in your group for the rest of the cycle?",
                "help_text": (
                    "If you answer no, the office will get in touch to talk about options."
                ),
                "choices": "yes | Yes\nunsure | Not sure\nno | No",
                "flag_choice": "no",
                "is_required": True,
            },
            {
                "key": "mid_comments",
                "kind": "long_text",
                "text": "Anything the office should know?",
                "is_required": False,
            },
        ],
    },
    {
        "slug": "template-exit",
        "kind": "exit",
        "title": "Exit survey",
        "is_anonymous": False,
        "intro": (
            "The program is ending: the same questions as at the start, and a few about what the "
            "group did for you. The office sees your answers; reports show only totals for five "
            "or more people."
        ),
        "questions": [
            *OUTCOME_ITEMS,
            *LIKERT_RETRO,
            {
                "key": "outcomes",
                "kind": "multiple",
                "text": "Since the program started, have you…",
                "help_text": "Tick all that apply.",
                "choices": "\n".join(
                    [
                        "info_interview | had at least one informational interview",
                        "updated_cv | updated your CV or resume",
                        "applied_outside | applied for a position outside academic research",
                        "applied_academic | applied for an academic position",
                        "offer | received an offer or started a new position",
                        "decided_path | decided on a career path",
                        "none | none of these",
                    ]
                ),
                "is_required": False,
            },
            {
                "key": "recommend",
                "kind": "scale",
                "text": "How likely are you to recommend a peer group to a colleague?",
                "min_label": "Not at all likely",
                "max_label": "Extremely likely",
                "is_required": True,
            },
            {
                "key": "exit_most_useful",
                "kind": "long_text",
                "text": "What was most useful about your group?",
                "is_required": False,
            },
            {
                "key": "exit_change",
                "kind": "long_text",
                "text": "What should we change for the next cohort?",
                "is_required": False,
            },
        ],
    },
]


def ensure_shipped_templates(survey_model, question_model) -> None:
    """Create the shipped templates that are missing; leave staff's edits to the others alone."""
    for template in TEMPLATES:
        fields = {k: v for k, v in template.items() if k not in ("slug", "questions")}
        survey, created = survey_model.objects.get_or_create(
            slug=template["slug"], defaults={**fields, "is_template": True}
        )
        if not created:
            continue
        question_model.objects.bulk_create(
            question_model(survey=survey, position=position, **question)
            for position, question in enumerate(template["questions"], start=1)
        )
