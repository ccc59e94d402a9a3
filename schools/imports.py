"""CSV import of pupils (with their parents/carers) and of staff.

Importing happens in two stages so that a person can check a file before anything changes:
`parse_*_csv` turns the uploaded bytes into plain rows plus per-row error messages (no database
writes), and `save_*` writes the rows in one transaction. Rows are plain dicts of strings so they
can wait in the session between the preview and the confirmation.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first pupil row 2.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from schools.pupils import birth_date_problem

# Wraps an iterable to show progress (the commands pass tqdm); the default shows nothing.
Progress = Callable[[Iterable, int], Iterable]

MAX_GUARDIANS = 2
PUPIL_REQUIRED_COLUMNS = ("leerlingnummer", "voornaam", "achternaam", "geboortedatum")
PUPIL_OPTIONAL_COLUMNS = ("groep",)
GUARDIAN_FIELDS = ("naam", "relatie", "gezag", "telefoon", "email")
STAFF_REQUIRED_COLUMNS = ("naam", "email", "rol")
STAFF_OPTIONAL_COLUMNS = ("functie",)

YES = {"ja", "j", "yes", "y", "1", "waar", "true", "x"}
NO = {"nee", "n", "no", "0", "onwaar", "false"}


def _no_progress(rows: Iterable, total: int) -> Iterable:
    return rows


@dataclass
class ParsedImport:
    """The outcome of reading a file: rows ready to save, and the reasons it cannot be saved yet."""

    kind: str  # "pupils" or "staff"
    rows: list[dict] = field(default_factory=list)
    # Problems with the file as a whole (unreadable, missing columns): no row number to name.
    file_errors: list[str] = field(default_factory=list)
    # Row number -> messages, each already starting with "Rij N: ".
    row_errors: dict[int, list[str]] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and not self.row_errors and bool(self.rows)

    @property
    def messages(self) -> list[str]:
        """Every error, file-level first, then by row number."""
        found = list(self.file_errors)
        for number in sorted(self.row_errors):
            found.extend(self.row_errors[number])
        if not found and not self.rows:
            found.append(_("Het bestand bevat geen rijen onder de kopregel."))
        return found

    def add_row_error(self, row_number: int, message: str) -> None:
        self.row_errors.setdefault(row_number, []).append(
            _("Rij %(row)s: %(message)s") % {"row": row_number, "message": message}
        )

    def to_session(self) -> dict:
        return {"kind": self.kind, "rows": self.rows, "file_errors": self.file_errors,
                "row_errors": {str(k): v for k, v in self.row_errors.items()},
                "ignored_columns": self.ignored_columns}

    @classmethod
    def from_session(cls, data: dict) -> ParsedImport:
        return cls(kind=data["kind"], rows=data["rows"], file_errors=data["file_errors"],
                   row_errors={int(k): v for k, v in data["row_errors"].items()},
                   ignored_columns=data.get("ignored_columns", []))


@dataclass
class SaveSummary:
    created: int = 0
    updated: int = 0
    roles_added: int = 0  # staff imports: roles that took effect
    pending: int = 0  # staff imports: roles waiting for the directie (see schools.staff.CONFIRMED_ROLES)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated}


class ImportRejected(Exception):
    """Raised by `save_*` when handed rows that did not pass parsing; nothing is saved."""


# --- reading the file -------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-8 (with or without byte order mark), else Windows-1252 as Excel writes it on Dutch Windows."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def detect_delimiter(header_line: str) -> str:
    """The separator used in the header: semicolon (Dutch Excel), comma or tab, whichever occurs most."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ";"


def _normalise_header(name: str) -> str:
    name = name.strip().strip("\ufeff").lower()
    name = re.sub(r"[\s\-]+", "_", name)
    return name.replace("e-mail", "email").replace("e_mail", "email")


def _read_table(data: bytes, result: ParsedImport, required: Iterable[str], known: Iterable[str],
                progress: Progress) -> list[tuple[int, dict]]:
    """The data rows as (spreadsheet row number, {column: stripped value}); blank rows are skipped."""
    text = decode(data)
    if not text.strip():
        result.file_errors.append(_("Het bestand is leeg."))
        return []
    header_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(header_line))
    try:
        header = [_normalise_header(name) for name in next(reader)]
        lines = list(reader)
    except csv.Error:
        # Mostly a cell over the csv module's field limit (128 kB), or an unclosed quote running on and on.
        result.file_errors.append(
            _("Regel %(line)s: een cel is langer dan %(kb)s kB, of een aanhalingsteken wordt niet gesloten. "
              "Controleer die regel en sla het bestand opnieuw op als CSV.")
            % {"line": reader.line_num, "kb": csv.field_size_limit() // 1024})
        return []
    missing = [name for name in required if name not in header]
    if missing:
        result.file_errors.append(
            _("De kopregel mist de kolom(men) %(missing)s. Verwacht wordt een kopregel met %(expected)s, "
              "gescheiden door puntkomma's of komma's.")
            % {"missing": ", ".join(missing), "expected": ", ".join(required)}
        )
        return []
    known = set(known)
    result.ignored_columns = [name for name in header if name and name not in known]
    table = []
    for number, cells in enumerate(progress(lines, len(lines)), start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            result.add_row_error(number, _("deze rij heeft %(found)s kolommen, de kopregel %(expected)s. "
                                           "Staat er een scheidingsteken in een waarde?")
                                 % {"found": len(cells), "expected": len(header)})
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header) if name}
        table.append((number, values))
    return table


# --- values -----------------------------------------------------------------------------------

DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), ("day", "month", "year")),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), ("year", "month", "day")),
)


def parse_date(value: str) -> datetime.date | None:
    """A date written as dd-mm-jjjj or jjjj-mm-dd (also with / or .); None when it is not a real date."""
    for pattern, order in DATE_PATTERNS:
        match = pattern.match(value)
        if match:
            parts = dict(zip(order, (int(part) for part in match.groups()), strict=True))
            try:
                return datetime.date(parts["year"], parts["month"], parts["day"])
            except ValueError:
                return None
    return None


def parse_yes_no(value: str) -> bool | None:
    value = value.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def _role_lookup() -> dict[str, str]:
    """Role ids and their Dutch labels (and the usual short forms) -> role id."""
    lookup = {}
    with translation.override("nl"):
        labels = {role.value: str(role.label).lower() for role in Role}
    for role in Role:
        lookup[role.value] = role.value
        lookup[labels[role.value]] = role.value
        for part in labels[role.value].split("/"):
            lookup[part.strip()] = role.value
    lookup.update({
        "intern begeleider": Role.IB, "ib'er": Role.IB, "ib-er": Role.IB, "aandachtsfunctionaris": Role.IB,
        "directeur": Role.DIRECTIE, "functioneel beheerder": Role.BEHEER, "fg": Role.PRIVACY,
        "functionaris gegevensbescherming": Role.PRIVACY, "leraar": Role.LEERKRACHT, "leerkracht": Role.LEERKRACHT,
    })
    return {key: str(value) for key, value in lookup.items()}


def parse_role(value: str) -> str | None:
    return _role_lookup().get(" ".join(value.strip().lower().split()))


def _column_limits(kind: str) -> dict[str, int]:
    """Per column of the file, the length the database column holds (PostgreSQL refuses more; SQLite stores it)."""
    from accounts.models import User
    from schools.models import Guardian, Pupil

    def limit(model, name):
        return model._meta.get_field(name).max_length

    if kind == "staff":
        return {"naam": limit(User, "full_name"), "email": limit(User, "email"), "functie": limit(User, "job_title")}
    limits = {"leerlingnummer": limit(Pupil, "student_number"), "voornaam": limit(Pupil, "first_name"),
              "achternaam": limit(Pupil, "last_name"), "groep": limit(Pupil, "group")}
    for n in range(1, MAX_GUARDIANS + 1):
        limits |= {f"ouder{n}_naam": limit(Guardian, "name"), f"ouder{n}_relatie": limit(Guardian, "relation"),
                   f"ouder{n}_telefoon": limit(Guardian, "phone"), f"ouder{n}_email": limit(Guardian, "email")}
    return limits


def _check_lengths(result, number: int, values: dict, limits: dict[str, int]) -> None:
    for column, most in limits.items():
        length = len(values.get(column) or "")
        if length > most:
            result.add_row_error(number, _("%(column)s is te lang: ten hoogste %(most)s tekens (nu %(length)s).")
                                 % {"column": column, "most": most, "length": length})


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


# --- pupils -----------------------------------------------------------------------------------

def _pupil_columns() -> list[str]:
    columns = [*PUPIL_REQUIRED_COLUMNS, *PUPIL_OPTIONAL_COLUMNS]
    for n in range(1, MAX_GUARDIANS + 1):
        columns += [f"ouder{n}_{name}" for name in GUARDIAN_FIELDS]
    return columns


def parse_pupils_csv(data: bytes, *, today: datetime.date | None = None,
                     progress: Progress = _no_progress) -> ParsedImport:
    """Read a pupils file. Each row becomes a dict with the pupil's fields and a list of guardians."""
    today = today or datetime.date.today()
    result = ParsedImport(kind="pupils")
    first_row_of = {}
    limits = _column_limits("pupils")
    for number, values in _read_table(data, result, PUPIL_REQUIRED_COLUMNS, _pupil_columns(), progress):
        errors_before = len(result.row_errors.get(number, []))
        _check_lengths(result, number, values, limits)
        student_number = values["leerlingnummer"]
        if not student_number:
            result.add_row_error(number, _("leerlingnummer ontbreekt."))
        elif student_number in first_row_of:
            result.add_row_error(number, _("leerlingnummer '%(value)s' staat ook al op rij %(row)s.")
                                 % {"value": student_number, "row": first_row_of[student_number]})
        else:
            first_row_of[student_number] = number
        for column in ("voornaam", "achternaam"):
            if not values[column]:
                result.add_row_error(number, _("%(column)s ontbreekt.") % {"column": column})
        raw_date = values["geboortedatum"]
        date_of_birth = parse_date(raw_date) if raw_date else None
        if not raw_date:
            result.add_row_error(number, _("geboortedatum ontbreekt."))
        elif date_of_birth is None:
            result.add_row_error(number, _("geboortedatum '%(value)s' is geen geldige datum.") % {"value": raw_date})
        elif (problem := birth_date_problem(date_of_birth, today)) is not None:
            result.add_row_error(number, _("geboortedatum '%(value)s' %(problem)s")
                                 % {"value": raw_date, "problem": problem})
        guardians = [_parse_guardian(result, number, values, n) for n in range(1, MAX_GUARDIANS + 1)]
        if len(result.row_errors.get(number, [])) > errors_before:
            continue
        result.rows.append({
            "row": number,
            "student_number": student_number,
            "first_name": values["voornaam"],
            "last_name": values["achternaam"],
            "date_of_birth": date_of_birth.isoformat(),
            "group": values.get("groep", ""),
            "guardians": [guardian for guardian in guardians if guardian],
        })
    return result


def _parse_guardian(result: ParsedImport, number: int, values: dict, n: int) -> dict | None:
    prefix = f"ouder{n}_"
    fields = {name: values.get(prefix + name, "") for name in GUARDIAN_FIELDS}
    if not any(fields.values()):
        return None
    if not fields["naam"]:
        result.add_row_error(number, _("%(column)s ontbreekt, maar er staan wel andere gegevens van deze ouder.")
                             % {"column": prefix + "naam"})
        return None
    has_authority = parse_yes_no(fields["gezag"])
    if has_authority is None:
        if fields["gezag"]:
            message = _("%(column)s '%(value)s' is geen ja of nee.")
        else:
            message = _("%(column)s ontbreekt; vul ja of nee in.")
        result.add_row_error(number, message % {"column": prefix + "gezag", "value": fields["gezag"]})
    if fields["email"] and not _is_email(fields["email"]):
        result.add_row_error(number, _("%(column)s '%(value)s' is geen geldig e-mailadres.")
                             % {"column": prefix + "email", "value": fields["email"]})
    return {"name": fields["naam"], "relation": fields["relatie"] or str(_("ouder")),
            "has_authority": bool(has_authority), "phone": fields["telefoon"], "email": fields["email"].lower()}


def existing_student_numbers(school, rows: list[dict]) -> set[str]:
    """Which rows of a preview will update a pupil already at the school (one query)."""
    from schools.models import Pupil

    numbers = [row["student_number"] for row in rows]
    return set(Pupil.objects.filter(school=school, student_number__in=numbers).values_list("student_number", flat=True))


def save_pupils(school, parsed: ParsedImport, *, progress: Progress = _no_progress) -> SaveSummary:
    """Create or update (by leerlingnummer) every pupil of a valid import, all or nothing.

    Guardians are matched by name within the pupil: known ones are updated, new ones added.
    Guardians missing from the file are kept, since a dossier may refer to them.
    """
    from schools.models import Guardian, Pupil

    if not parsed.is_valid or parsed.kind != "pupils":
        raise ImportRejected(parsed.messages)
    summary = SaveSummary()
    with transaction.atomic():
        existing = {pupil.student_number: pupil for pupil in Pupil.objects.filter(
            school=school, student_number__in=[row["student_number"] for row in parsed.rows])}
        guardians_of = {}
        # Removed guardians stay removed: one listed again in the file comes back as a new row.
        for guardian in Guardian.objects.current().filter(pupil__in=existing.values()):
            guardians_of.setdefault(guardian.pupil_id, {})[guardian.name.casefold()] = guardian
        for row in progress(parsed.rows, len(parsed.rows)):
            pupil = existing.get(row["student_number"])
            if pupil is None:
                pupil = Pupil(school=school, student_number=row["student_number"])
                summary.created += 1
            else:
                summary.updated += 1
            pupil.first_name = row["first_name"]
            pupil.last_name = row["last_name"]
            pupil.date_of_birth = datetime.date.fromisoformat(row["date_of_birth"])
            pupil.group = row["group"]
            pupil.save()
            known = guardians_of.get(pupil.pk, {})
            for data in row["guardians"]:
                guardian = known.get(data["name"].casefold()) or Guardian(pupil=pupil)
                for attribute, value in data.items():
                    setattr(guardian, attribute, value)
                guardian.save()
    return summary


# --- staff ------------------------------------------------------------------------------------

def parse_staff_csv(data: bytes, *, progress: Progress = _no_progress) -> ParsedImport:
    """Read a staff file: one role per row; a person with two roles appears on two rows."""
    result = ParsedImport(kind="staff")
    first_row_of = {}
    columns = [*STAFF_REQUIRED_COLUMNS, *STAFF_OPTIONAL_COLUMNS]
    limits = _column_limits("staff")
    for number, values in _read_table(data, result, STAFF_REQUIRED_COLUMNS, columns, progress):
        errors_before = len(result.row_errors.get(number, []))
        _check_lengths(result, number, values, limits)
        if not values["naam"]:
            result.add_row_error(number, _("naam ontbreekt."))
        email = values["email"].lower()
        if not email:
            result.add_row_error(number, _("email ontbreekt."))
        elif not _is_email(email):
            result.add_row_error(number, _("email '%(value)s' is geen geldig e-mailadres.") % {"value": values["email"]})
        role = parse_role(values["rol"]) if values["rol"] else None
        if not values["rol"]:
            result.add_row_error(number, _("rol ontbreekt."))
        elif role is None:
            result.add_row_error(number, _("rol '%(value)s' kennen we niet. Kies uit: %(roles)s.")
                                 % {"value": values["rol"], "roles": ", ".join(Role.values)})
        if role and email:
            if (email, role) in first_row_of:
                result.add_row_error(number, _("%(email)s staat met deze rol ook al op rij %(row)s.")
                                     % {"email": email, "row": first_row_of[(email, role)]})
            else:
                first_row_of[(email, role)] = number
        if len(result.row_errors.get(number, [])) > errors_before:
            continue
        result.rows.append({"row": number, "full_name": values["naam"], "email": email, "role": role,
                            "job_title": values.get("functie", "")})
    return result


def existing_staff_emails(rows: list[dict]) -> set[str]:
    from accounts.models import User

    return set(User.objects.filter(email__in=[row["email"] for row in rows]).values_list("email", flat=True))


def save_staff(school, parsed: ParsedImport, *, progress: Progress = _no_progress, actor=None,
               request=None) -> SaveSummary:
    """Create accounts (unusable password: they set one via the password reset e-mail) and add roles.

    Re-importing updates by e-mail. The name and job title of someone who also works at another
    school are left alone: one school should not rewrite another school's staff records.
    Roles are only added, never removed; that is done on the staff page. Roles that open dossiers, imported
    by someone outside the directie (`actor`), wait for the directie's confirmation (schools.staff).
    """
    from accounts.models import Membership, User
    from schools import staff

    if not parsed.is_valid or parsed.kind != "staff":
        raise ImportRejected(parsed.messages)
    summary = SaveSummary()
    users = {user.email: user for user in User.objects.filter(email__in=[row["email"] for row in parsed.rows])}
    # Every account passes the staff-management gate before anything is written: a refusal changes nothing.
    for row in parsed.rows:
        staff.check_account_change(school, users.get(row["email"]), staff.IMPORT, actor=actor, request=request)
    with transaction.atomic():
        elsewhere = set(Membership.objects.filter(user__in=users.values()).exclude(school=school)
                        .values_list("user_id", flat=True))
        seen = set()
        for row in progress(parsed.rows, len(parsed.rows)):
            user = users.get(row["email"])
            if user is None:
                user = User(email=row["email"], full_name=row["full_name"], job_title=row["job_title"])
                user.set_unusable_password()
                user.save()
                users[user.email] = user
                summary.created += 1
                seen.add(user.email)
            elif user.email not in seen:
                summary.updated += 1
                seen.add(user.email)
                if user.pk not in elsewhere:
                    user.full_name = row["full_name"]
                    user.job_title = row["job_title"] or user.job_title
                    user.save(update_fields=["full_name", "job_title"])
            outcome = staff.grant_role(school, user, row["role"], actor=actor, request=request)
            summary.roles_added += outcome == staff.ADDED
            summary.pending += outcome == staff.PENDING
    return summary
