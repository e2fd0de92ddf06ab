import pytest

from accounts import services
from accounts.models import CareerInterest, Discipline, Invitation, TraineeProfile, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,stage,discipline,career_interests\n"


def roster(rows: int, *, start: int = 0) -> list[str]:
    return [
        f"Person{n}@Example.edu,Person {n},{'postdoc' if n % 3 == 0 else 'PhD student'},"
        f"Neuroscience,Data Science|Policy\n"
        for n in range(start, start + rows)
    ]


def as_bytes(lines: list[str], *, header: str = HEADER) -> bytes:
    return (header + "".join(lines)).encode()


def test_thousand_rows_with_two_bad_rows_report_exactly_those_lines_and_import_nothing():
    lines = roster(1000)
    lines[99] = "not-an-email,Bad Email,postdoc,Physics,Policy\n"  # line 101 (header is line 1)
    lines[699] = lines[10]  # line 701 repeats line 12
    with pytest.raises(services.RosterInvalid) as raised:
        services.roster_import(data=as_bytes(lines), invited_by=None)
    problems = raised.value.result.check.problems
    assert [(p.line, p.column) for p in problems] == [(101, "email"), (701, "email")]
    assert "not a valid email" in problems[0].message
    assert "duplicate of line 12" in problems[1].message
    assert not User.objects.exists()
    assert not Discipline.objects.filter(name="Neuroscience").exists()


def test_fixed_thousand_row_file_imports_everyone_with_a_bounded_number_of_queries(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    # About ten lookups, then one INSERT per batch of rows: 13 queries on PostgreSQL; SQLite's
    # 999-parameter limit splits each bulk insert into batches of about 90 rows (53 queries).
    with django_capture_on_commit_callbacks() as callbacks, django_assert_max_num_queries(60):
        result = services.roster_import(data=as_bytes(roster(1000)), invited_by=None)
    assert result.created == 1000
    assert User.objects.count() == 1000
    assert TraineeProfile.objects.filter(stage="postdoc").count() == 334
    assert CareerInterest.objects.filter(rank=2, career_area__name="Policy").count() == 1000
    assert Invitation.objects.open().count() == 1000
    # Invitations go out after commit, in batches of IDs.
    assert len(callbacks) == 20


def test_emails_are_normalised():
    services.roster_import(data=as_bytes(roster(1)), invited_by=None)
    assert User.objects.get().email == "person0@example.edu"


def test_reimporting_the_same_file_changes_nothing(django_capture_on_commit_callbacks):
    data = as_bytes(roster(5))
    services.roster_import(data=data, invited_by=None)
    before = list(User.objects.values_list("pk", "email", "updated_at"))
    with django_capture_on_commit_callbacks() as callbacks:
        result = services.roster_import(data=data, invited_by=None)
    assert result.created == 0 and len(result.existing_emails) == 5
    assert list(User.objects.values_list("pk", "email", "updated_at")) == before
    assert Invitation.objects.count() == 5
    assert callbacks == []


def test_people_already_registered_are_left_alone():
    UserFactory(email="person1@example.edu", name="Kept Name")
    result = services.roster_import(data=as_bytes(roster(3)), invited_by=None)
    assert result.created == 2
    assert User.objects.get(email="person1@example.edu").name == "Kept Name"


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="utf-8"),
        pytest.param(lambda text: text.encode("utf-8-sig"), id="utf-8 with BOM"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode("utf-8"), id="CRLF"),
        pytest.param(
            lambda text: text.replace(",", ";").replace("|", ",").encode("utf-8-sig"),
            id="semicolon, BOM",
        ),
    ],
)
def test_encodings_and_delimiters_all_read_the_same(encode):
    text = HEADER + "".join(roster(3)) + "zoe@example.edu,Zoë Ñúñez,Postdoc,Física,Education\n"
    result = services.roster_import(data=encode(text), invited_by=None)
    assert result.created == 4
    zoe = User.objects.get(email="zoe@example.edu")
    assert zoe.name == "Zoë Ñúñez"
    assert zoe.profile.discipline.name == "Física"
    assert [
        i.career_area.name
        for i in TraineeProfile.objects.get(user__email="person1@example.edu").interests.order_by(
            "rank"
        )
    ] == ["Data Science", "Policy"]


def test_non_utf8_file_is_reported_not_crashed():
    check = services.roster_check(
        data=(HEADER + "zoe@example.edu,Zoë,postdoc,X,Policy\n").encode("latin-1")
    )
    assert [p.column for p in check.check.problems] == ["file"]
    assert "UTF-8" in check.check.problems[0].message


def test_missing_columns_are_named():
    check = services.roster_check(data=b"email,name\nx@example.edu,X\n")
    assert {(p.line, p.column) for p in check.check.problems} == {
        (1, "stage"),
        (1, "discipline"),
        (1, "career_interests"),
    }


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("a@example.edu,A,professor,Physics,Policy", "stage", "unknown stage 'professor'"),
        ("a@example.edu,A,postdoc,Physics,Astrology", "career_interests", "unknown career area"),
        ("a@example.edu,,postdoc,Physics,Policy", "name", "missing name"),
        (",A,postdoc,Physics,Policy", "email", "missing email"),
        (
            "a@example.edu,A,postdoc,Physics,Policy|Business|Industry|Education",
            "career_interests",
            "at most 3",
        ),
        ("a@example.edu,A,postdoc,Physics,Policy|policy", "career_interests", "listed twice"),
        ("a@example.edu,A,postdoc", "row", "expected 5 values"),
    ],
)
def test_each_bad_row_names_line_column_and_reason(row, column, reason):
    check = services.roster_check(
        data=(HEADER + "ok@example.edu,Ok,postdoc,X,Policy\n" + row).encode()
    )
    assert len(check.check.problems) >= 1
    problem = next(p for p in check.check.problems if p.column == column)
    assert problem.line == 3
    assert reason in problem.message


def test_new_disciplines_are_listed_in_the_dry_run_and_created_on_import():
    data = as_bytes(roster(2))
    check = services.roster_check(data=data)
    assert check.new_disciplines == ["Neuroscience"]
    assert not Discipline.objects.filter(name="Neuroscience").exists()
    services.roster_import(data=data, invited_by=None)
    assert Discipline.objects.get(name="Neuroscience").slug == "neuroscience"


def test_blank_lines_and_quoted_fields_are_fine():
    text = HEADER + '\n"b@example.edu","Bloggs, Jo",postdoc,"Cell Biology","Policy|Business"\n\n'
    result = services.roster_import(data=text.encode(), invited_by=None)
    assert result.created == 1
    assert User.objects.get().name == "Bloggs, Jo"
