"""Reading what schools really export, and mapping its columns onto the import's own (docs/import.md).

Every source ends up as the import's own CSV layout, so the preview, the per-row errors and saving stay the ones
in schools.imports:

- **EDEX (EDEXML)**, the Dutch exchange standard that ParnasSys and ESIS export (“EDEX & UWLR”): pupils
  (`leerlingen/leerling`) with their group (`groepen/groep`), and teachers (`leerkrachten/leerkracht`) with
  their e-mail address. Read directly, no mapping needed.
- **Any CSV or Excel (.xlsx) file**: when its header is not the import's own, a mapping screen asks which column
  holds what. PRESETS recognise the column names of known layouts and fill the screen in; SYNONYMS guess the
  rest. Excel files are read with openpyxl, within limits on size, unpacked size, rows and columns.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools import imports

MAX_ROWS = 5000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 1000
# An .xlsx is a zip: refuse one that unpacks to more than this (a "zip bomb"), before openpyxl reads it.
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024


class UnreadableFile(Exception):
    """The file cannot be read as a table; the message is Dutch and says why."""


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)  # each row as long as the header
    source: str = "csv"  # "csv", "xlsx" or "edex"

    def to_session(self) -> dict:
        return {"header": self.header, "rows": self.rows, "source": self.source}

    @classmethod
    def from_session(cls, data: dict) -> Table:
        return cls(header=data["header"], rows=data["rows"], source=data.get("source", "csv"))


# --- the import's own columns, and what other files call them ---------------------------------------------------

def target_fields(kind: str) -> list[tuple[str, str, bool]]:
    """(column of the import's own layout, Dutch label, required) for the mapping screen."""
    if kind == "staff":
        return [("naam", _("Naam (volledig)"), False), ("voornaam", _("Voornaam (als de naam in delen staat)"), False),
                ("tussenvoegsel", _("Tussenvoegsel"), False), ("achternaam", _("Achternaam"), False),
                ("email", _("E-mailadres"), True), ("rol", _("Rol"), False), ("functie", _("Functie"), False)]
    fields = [("leerlingnummer", _("Leerlingnummer"), True), ("voornaam", _("Voornaam (roepnaam)"), True),
              ("tussenvoegsel", _("Tussenvoegsel"), False), ("achternaam", _("Achternaam"), True),
              ("geboortedatum", _("Geboortedatum"), True), ("groep", _("Groep"), False)]
    for n in range(1, imports.MAX_GUARDIANS + 1):
        fields += [(f"ouder{n}_naam", _("Ouder %(n)s: naam") % {"n": n}, False),
                   (f"ouder{n}_relatie", _("Ouder %(n)s: relatie") % {"n": n}, False),
                   (f"ouder{n}_gezag", _("Ouder %(n)s: gezag (ja/nee)") % {"n": n}, False),
                   (f"ouder{n}_telefoon", _("Ouder %(n)s: telefoon") % {"n": n}, False),
                   (f"ouder{n}_email", _("Ouder %(n)s: e-mail") % {"n": n}, False)]
    return fields


def _key(name: str) -> str:
    """A header compared without case, spaces, dots, dashes or underscores: "Leerling-nr." == "leerlingnr"."""
    return re.sub(r"[\s._\-/()]+", "", (name or "").strip().strip("\ufeff").lower()).replace("e-mail", "email")


# Names other files use for each column (compared through _key). Never the BSN: it is not needed and not asked.
SYNONYMS = {
    "leerlingnummer": ["leerlingnummer", "leerlingnr", "llnr", "leerlingid", "stamnummer", "stamnr", "key",
                       "leerlingcode", "nummer"],
    "voornaam": ["roepnaam", "voornaam", "firstname", "voornamen"],
    "tussenvoegsel": ["tussenvoegsel", "tussenvoegsels", "voorvoegsel", "voorvoegsels", "tv"],
    "achternaam": ["achternaam", "geslachtsnaam", "lastname", "familienaam"],
    "geboortedatum": ["geboortedatum", "geb datum", "gebdatum", "geboortedat", "dateofbirth", "birthdate"],
    "groep": ["groep", "groepnaam", "groepsnaam", "basisgroep", "klas", "jaargroep", "leerjaar", "stamgroep"],
    "naam": ["naam", "volledigenaam", "medewerker", "name"],
    "email": ["email", "emailadres", "e-mailadres", "mail", "emailwerk", "zakelijkemail"],
    "rol": ["rol", "role"],
    "functie": ["functie", "functienaam", "job", "jobtitle"],
}


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    kind: str
    # Headers that together identify the layout (all present), and the mapping they imply.
    signature: tuple[str, ...]
    columns: dict
    source: str


PRESETS = [
    Preset(
        key="edex-kolommen", kind="pupils",
        label=gettext_lazy("EDEX-gegevens als tabel (ParnasSys, ESIS)"),
        signature=("roepnaam", "voorvoegsel", "achternaam", "geboortedatum"),
        columns={"leerlingnummer": "key", "voornaam": "roepnaam", "tussenvoegsel": "voorvoegsel",
                 "achternaam": "achternaam", "geboortedatum": "geboortedatum", "groep": "jaargroep"},
        source="EDEX/EDEXML, de uitwisselstandaard van Edustandaard (leerlinggegevens: key, achternaam, "
               "voorvoegsel, roepnaam, geboortedatum, jaargroep, groep)."),
    Preset(
        key="edex-leerkrachten", kind="staff",
        label=gettext_lazy("EDEX-gegevens van leerkrachten als tabel (ParnasSys, ESIS)"),
        signature=("roepnaam", "achternaam", "emailadres"),
        columns={"voornaam": "roepnaam", "tussenvoegsel": "voorvoegsel", "achternaam": "achternaam",
                 "email": "emailadres"},
        source="EDEX/EDEXML, de uitwisselstandaard van Edustandaard (leerkrachtgegevens: achternaam, voorvoegsel, "
               "roepnaam, emailadres)."),
]


def suggest(kind: str, header: list[str]) -> tuple[dict[str, int], Preset | None]:
    """Column index per target column, from a recognised preset first, then from SYNONYMS."""
    keys = [_key(name) for name in header]
    chosen: dict[str, int] = {}
    preset = next((p for p in PRESETS if p.kind == kind and all(_key(s) in keys for s in p.signature)), None)
    if preset is not None:
        for target, name in preset.columns.items():
            if _key(name) in keys:
                chosen[target] = keys.index(_key(name))
    # The import's own names first (an own-layout column is never taken for something else), then synonyms.
    for target, _label, _required in target_fields(kind):
        if target in chosen:
            continue
        candidates = [target, *SYNONYMS.get(target, [])]
        for candidate in candidates:
            index = keys.index(_key(candidate)) if _key(candidate) in keys else None
            if index is not None and index not in chosen.values():
                chosen[target] = index
                break
    return chosen, preset


# --- reading files -----------------------------------------------------------------------------------------------

def kind_of_file(name: str, data: bytes) -> str:
    lowered = (name or "").lower()
    if data[:4] == b"PK\x03\x04" or lowered.endswith(".xlsx"):
        return "xlsx"
    head = data[:400].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.endswith(".xml") or head.startswith(b"<?xml") or head.startswith(b"<edex"):
        return "edex"
    return "csv"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:MAX_CELL_CHARS]


def _limit(header: list[str], rows: list[list[str]]) -> Table:
    if len(header) > MAX_COLUMNS:
        raise UnreadableFile(_("Het bestand heeft meer dan %(max)s kolommen.") % {"max": MAX_COLUMNS})
    if len(rows) > MAX_ROWS:
        raise UnreadableFile(_("Het bestand heeft meer dan %(max)s rijen. Splits het in delen.") % {"max": MAX_ROWS})
    width = len(header)
    return Table(header=header, rows=[(row + [""] * width)[:width] for row in rows])


def read_csv(data: bytes) -> Table:
    text = imports.decode(data)
    if not text.strip():
        raise UnreadableFile(_("Het bestand is leeg."))
    delimiter = imports.detect_delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = []
        for line in reader:
            lines.append([cell.strip()[:MAX_CELL_CHARS] for cell in line])
            if len(lines) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        # The same words as schools.imports for the same problem.
        raise UnreadableFile(
            _("Regel %(line)s: een cel is langer dan %(kb)s kB, of een aanhalingsteken wordt niet gesloten. "
              "Controleer die regel en sla het bestand opnieuw op als CSV.")
            % {"line": reader.line_num, "kb": csv.field_size_limit() // 1024}) from exc
    return _limit(lines[0], lines[1:])


def read_xlsx(data: bytes) -> Table:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED_BYTES:
                raise UnreadableFile(_("Het Excel-bestand is uitgepakt te groot."))
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UnreadableFile:
        raise
    except Exception as exc:  # noqa: BLE001 - any damaged or foreign file: a Dutch answer, not a 500
        raise UnreadableFile(_("Dit is geen Excel-bestand (.xlsx) dat we kunnen lezen. Sla het in Excel op als "
                               "‘Excel-werkmap (.xlsx)’ of als CSV.")) from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            rows.append([_cell_text(value) for value in values])
            if len(rows) > MAX_ROWS + 1:
                break
    finally:
        book.close()
    while rows and not any(rows[0]):
        rows.pop(0)  # an empty first line above the header
    if not rows:
        raise UnreadableFile(_("Het bestand is leeg."))
    header = rows[0]
    while header and not header[-1]:
        header = header[:-1]
    return _limit(header, rows[1:])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()[:MAX_CELL_CHARS]
    return ""


def read_edex(data: bytes, kind: str) -> Table:
    """EDEXML: pupils or teachers as a table in the import's own columns (plus tussenvoegsel)."""
    head = data[:2000].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        # No DTDs or entities: nothing a school export needs, and the way XML bombs work.
        raise UnreadableFile(_("Dit XML-bestand bevat een DOCTYPE of entiteiten en wordt niet gelezen."))
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 - no DTD or entities (refused above)
    except ElementTree.ParseError as exc:
        raise UnreadableFile(_("Dit XML-bestand is niet te lezen (geen geldige EDEX-export).")) from exc
    if _local(root.tag) != "edex":
        raise UnreadableFile(_("Dit XML-bestand is geen EDEX-export (ParnasSys/ESIS: ‘EDEX & UWLR’)."))
    groups = {}
    for element in root.iter():
        if _local(element.tag) == "groep" and element.get("key") and len(element):
            groups[element.get("key")] = _child_text(element, "naam") or _child_text(element, "jaargroep")
    if kind == "staff":
        header = ["voornaam", "tussenvoegsel", "achternaam", "email", "rol"]
        rows = [[_child_text(t, "roepnaam"), _child_text(t, "voorvoegsel"), _child_text(t, "achternaam"),
                 _child_text(t, "emailadres"), "leerkracht"]
                for t in root.iter() if _local(t.tag) == "leerkracht"]
    else:
        header = ["leerlingnummer", "voornaam", "tussenvoegsel", "achternaam", "geboortedatum", "groep"]
        rows = []
        for pupil in (p for p in root.iter() if _local(p.tag) == "leerling"):
            group_ref = next((c.get("key") for c in pupil if _local(c.tag) == "groep"), "")
            rows.append([pupil.get("key") or _child_text(pupil, "key") or _child_text(pupil, "leerlingnummer"),
                         _child_text(pupil, "roepnaam") or _child_text(pupil, "voornamen").split(" ")[0],
                         _child_text(pupil, "voorvoegsel"), _child_text(pupil, "achternaam"),
                         _child_text(pupil, "geboortedatum"),
                         _child_text(pupil, "jaargroep") or groups.get(group_ref, "")])
    table = _limit(header, rows)
    table.source = "edex"
    return table


def read_table(name: str, data: bytes, kind: str) -> Table:
    source = kind_of_file(name, data)
    if source == "xlsx":
        table = read_xlsx(data)
        table.source = "xlsx"
        return table
    if source == "edex":
        return read_edex(data, kind)
    return read_csv(data)


# --- from a mapped table to the import's own CSV ----------------------------------------------------------------

def needs_mapping(kind: str, table: Table) -> bool:
    """False when the header already is the import's own (or an EDEX file, read into it)."""
    if table.source == "edex":
        return False
    keys = {imports._normalise_header(name) for name in table.header}
    required = imports.STAFF_REQUIRED_COLUMNS if kind == "staff" else imports.PUPIL_REQUIRED_COLUMNS
    return not all(column in keys for column in required)


def identity_mapping(kind: str, table: Table) -> dict[str, int]:
    keys = [imports._normalise_header(name) for name in table.header]
    return {target: keys.index(target) for target, _l, _r in target_fields(kind) if target in keys}


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def to_import_csv(kind: str, table: Table, chosen: dict[str, int], *, default_role: str = "") -> bytes:
    """The table in the import's own layout, row for row (so the row numbers in errors stay the file's)."""
    def cell(row, target):
        index = chosen.get(target)
        return row[index] if index is not None and index < len(row) else ""

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    if kind == "staff":
        writer.writerow([*imports.STAFF_REQUIRED_COLUMNS, *imports.STAFF_OPTIONAL_COLUMNS])
        for row in table.rows:
            name = cell(row, "naam") or _join(cell(row, "voornaam"), cell(row, "tussenvoegsel"), cell(row, "achternaam"))
            filled = any(cell(row, t) for t in chosen)
            writer.writerow([name, cell(row, "email"), cell(row, "rol") or (default_role if filled else ""),
                             cell(row, "functie")])
        return out.getvalue().encode("utf-8")
    columns = [*imports.PUPIL_REQUIRED_COLUMNS, *imports.PUPIL_OPTIONAL_COLUMNS]
    for n in range(1, imports.MAX_GUARDIANS + 1):
        columns += [f"ouder{n}_{name}" for name in imports.GUARDIAN_FIELDS]
    writer.writerow(columns)
    for row in table.rows:
        values = {target: cell(row, target) for target in columns}
        values["achternaam"] = _join(cell(row, "tussenvoegsel"), cell(row, "achternaam"))
        writer.writerow([values[column] for column in columns])
    return out.getvalue().encode("utf-8")
