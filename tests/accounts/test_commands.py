import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db

GOOD = "email,name,stage,discipline,career_interests\na@example.edu,A,postdoc,Physics,Policy\n"


def test_dry_run_reports_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(GOOD)
    call_command("import_roster", str(path), "--dry-run")
    assert "1 new people would be imported" in capsys.readouterr().out
    assert not User.objects.exists()


def test_bad_rows_are_listed_with_line_and_column_and_the_command_fails(tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(GOOD + "bad,B,postdoc,Physics,Policy\nc@example.edu,C,dean,Physics,Policy\n")
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_roster", str(path))
    err = capsys.readouterr().err
    assert "line 3, column email" in err
    assert "line 4, column stage" in err
    assert not User.objects.exists()


def test_import_writes_people(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(GOOD)
    call_command("import_roster", str(path))
    assert User.objects.get().email == "a@example.edu"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_roster", str(tmp_path / "nope.csv"))
