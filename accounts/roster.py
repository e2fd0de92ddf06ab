"""Reading and checking a roster CSV (email, name, stage, discipline, career interests).

Parsing knows nothing of the request: it takes the file's bytes and the lookups it needs, and
returns every row and every problem, each with its line number and column, so staff can fix the
whole file at once. Writing happens in `services.roster_import`, only for a clean file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import MAX_CAREER_INTERESTS, Stage, normalize_email

REQUIRED_COLUMNS = ("email", "name", "stage", "discipline", "career_interests")
OPTIONAL_COLUMNS = ("program_year", "department", "lab_or_pi")
COLUMN_ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "full_name": "name",
    "career_stage": "stage",
    "interests": "career_interests",
    "career_areas": "career_interests",
    "year": "program_year",
    "lab": "lab_or_pi",
    "pi": "lab_or_pi",
}
STAGE_ALIASES = {
    "phd_student": Stage.PHD_STUDENT,
    "phd": Stage.PHD_STUDENT,
    "phd student": Stage.PHD_STUDENT,
    "graduate student": Stage.PHD_STUDENT,
    "grad student": Stage.PHD_STUDENT,
    "student": Stage.PHD_STUDENT,
    "postdoc": Stage.POSTDOC,
    "post-doc": Stage.POSTDOC,
    "postdoctoral fellow": Stage.POSTDOC,
    "postdoctoral researcher": Stage.POSTDOC,
    "other": Stage.OTHER,
}
INTEREST_SEPARATORS = "|;,"
MAX_ROWS = 20_000


@dataclass(frozen=True)
class RosterProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


@dataclass
class RosterRow:
    line: int
    email: str
    name: str
    stage: str
    discipline: str
    career_area_ids: list[int]
    program_year: int | None = None
    department: str = ""
    lab_or_pi: str = ""


@dataclass
class RosterCheck:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)
    delimiter: str = ","

    @property
    def is_valid(self) -> bool:
        return not self.problems


def _column_key(header: str) -> str:
    key = header.strip().lower().replace("-", "_").replace(" ", "_")
    return COLUMN_ALIASES.get(key, key)


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")  # with or without a byte-order mark
    except UnicodeDecodeError:
        return None


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_roster(data: bytes, *, career_areas: dict[str, int]) -> RosterCheck:
    """Check a roster file. `career_areas` maps lower-case names and slugs to ids."""
    check = RosterCheck()
    text = _decode(data)
    if text is None:
        check.problems.append(
            RosterProblem(1, "file", "the file is not UTF-8 text: save it as 'CSV UTF-8'")
        )
        return check
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        check.problems.append(RosterProblem(1, "file", "the file is empty or has no header row"))
        return check
    check.delimiter = _delimiter(lines[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=check.delimiter)
    try:
        header = [_column_key(h) for h in next(reader)]
    except csv.Error as e:
        check.problems.append(RosterProblem(1, "file", f"unreadable header row ({e})"))
        return check
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    for column in missing:
        check.problems.append(RosterProblem(1, column, "missing column"))
    seen_columns: set[str] = set()
    for column in header:
        if column and column in seen_columns:
            check.problems.append(RosterProblem(1, column, "column appears twice"))
        seen_columns.add(column)
    if check.problems:
        return check

    first_line_of: dict[str, int] = {}
    line = 1
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(check.rows) + len(check.problems) >= MAX_ROWS:
                check.problems.append(
                    RosterProblem(start, "file", f"more than {MAX_ROWS} rows: split the file")
                )
                break
            _read_row(check, start, header, values, career_areas, first_line_of)
    except csv.Error as e:
        check.problems.append(RosterProblem(line + 1, "file", f"unreadable row ({e})"))
    return check


def _read_row(
    check: RosterCheck,
    line: int,
    header: list[str],
    values: list[str],
    career_areas: dict[str, int],
    first_line_of: dict[str, int],
) -> None:
    problems: list[RosterProblem] = []
    if len(values) != len(header):
        problems.append(
            RosterProblem(
                line,
                "row",
                f"expected {len(header)} values separated by '{check.delimiter}', "
                f"found {len(values)}",
            )
        )
    cells = {
        column: (values[i].strip() if i < len(values) else "") for i, column in enumerate(header)
    }

    email = normalize_email(cells["email"])
    if not email:
        problems.append(RosterProblem(line, "email", "missing email"))
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                RosterProblem(line, "email", f"'{cells['email']}' is not a valid email address")
            )
        else:
            if email in first_line_of:
                problems.append(
                    RosterProblem(
                        line, "email", f"duplicate of line {first_line_of[email]} ({email})"
                    )
                )
            else:
                first_line_of[email] = line

    name = cells["name"]
    if not name:
        problems.append(RosterProblem(line, "name", "missing name"))
    elif len(name) > 150:
        problems.append(RosterProblem(line, "name", "longer than 150 characters"))

    stage = STAGE_ALIASES.get(cells["stage"].lower().replace("_", " "))
    stage = stage or STAGE_ALIASES.get(cells["stage"].lower())
    if not cells["stage"]:
        problems.append(RosterProblem(line, "stage", "missing stage"))
    elif stage is None:
        problems.append(
            RosterProblem(
                line,
                "stage",
                f"unknown stage '{cells['stage']}' (use PhD student, Postdoc or Other)",
            )
        )

    discipline = " ".join(cells["discipline"].split())
    if len(discipline) > 100:
        problems.append(RosterProblem(line, "discipline", "longer than 100 characters"))

    area_ids: list[int] = []
    raw = cells["career_interests"]
    separators = [s for s in INTEREST_SEPARATORS if s != check.delimiter]
    for sep in separators[1:]:
        raw = raw.replace(sep, separators[0])
    for part in (p.strip() for p in raw.split(separators[0])):
        if not part:
            continue
        area_id = career_areas.get(part.lower())
        if area_id is None:
            problems.append(
                RosterProblem(line, "career_interests", f"unknown career area '{part}'")
            )
        elif area_id in area_ids:
            problems.append(RosterProblem(line, "career_interests", f"'{part}' is listed twice"))
        else:
            area_ids.append(area_id)
    if len(area_ids) > MAX_CAREER_INTERESTS:
        problems.append(
            RosterProblem(
                line,
                "career_interests",
                f"at most {MAX_CAREER_INTERESTS} career interests, found {len(area_ids)}",
            )
        )

    program_year = None
    if cells.get("program_year"):
        try:
            program_year = int(cells["program_year"])
        except ValueError:
            program_year = -1
        if not 1 <= program_year <= 15:
            problems.append(
                RosterProblem(line, "program_year", "must be a whole number from 1 to 15")
            )

    for column, limit in (("department", 150), ("lab_or_pi", 150)):
        if len(cells.get(column, "")) > limit:
            problems.append(RosterProblem(line, column, f"longer than {limit} characters"))

    if problems:
        check.problems.extend(problems)
        return
    check.rows.append(
        RosterRow(
            line=line,
            email=email,
            name=name,
            stage=stage,
            discipline=discipline,
            career_area_ids=area_ids,
            program_year=program_year,
            department=cells.get("department", ""),
            lab_or_pi=cells.get("lab_or_pi", ""),
        )
    )
