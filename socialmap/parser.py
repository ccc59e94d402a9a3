"""Find the organisations of a sociale kaart in the plain text of a school's meldcode document.

Pure Python, no Django: text in, a list of `ParsedOrganisation` out.

Meldcode documents are Word or PDF files filled in by hand, so the same information comes in many shapes:
labels with tabs or spaces before the colon, several labels on one line (tables), addresses running on to
a second line, phone numbers with opening hours, stray link lines that Word leaves behind after a block,
page headers in the middle of a block and empty template blocks that nobody filled in. The parser looks
at every line for a known label ("Organisatie", "Tel.", "E-mailadres", ...) and groups the labelled
values into blocks; documents without an organisation label use the line above the first field of a
block as its name (a sentence describing the organisation may sit between them). Lists of emergency
numbers ("Kindertelefoon: 0800-0432") and address lists ("Name, Street 1, 1234 AB Place, tel. ...") become
one-line blocks, addresses written as on an envelope (name, street, postcode, number, links, no labels) a block
each, and tables with the labels in a header row (tabs, bars or the gaps a PDF leaves) one block per row, or
with the labels in the first column one block per column. Running headers and footers that come back on every
page, version footers and tables of contents are passed over.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from socialmap.values import (  # the values in a block (names, phones, e-mail, websites)
    AT_SIGN_RE,
    EMAIL_RE,
    URL_RE,
    collapse,
    emails_in,
    fold,
    normalise_email,
    normalise_name,
    normalise_website,
    numbers_in,
    parse_phones,
    urls_in,
    without_links,
)

# --- the kinds of organisation (ids are stored in the database; Dutch labels live in models.Kind) ---------

VEILIG_THUIS = "veilig_thuis"
POLICE = "police"
CRISIS = "crisis"
JGZ = "jgz"
CJG = "cjg"
CARE_TEAM = "care_team"
YOUTH_CARE = "youth_care"
GGZ = "ggz"
MEE = "mee"
SOCIAL_WORK = "social_work"
HELPLINE = "helpline"
LEERPLICHT = "leerplicht"  # the leerplichtambtenaar (Leerplichtwet 1969): absence is a signal the meldcode names
OTHER = "other"

KINDS = (VEILIG_THUIS, POLICE, CRISIS, JGZ, CJG, CARE_TEAM, YOUTH_CARE, GGZ, MEE, SOCIAL_WORK, HELPLINE, LEERPLICHT,
         OTHER)

# Checked in this order: the first match wins, so the more specific words come first
# ("Crisisdienst Bureau Jeugdzorg" is a crisis service, not youth care).
_KIND_WORDS = [
    (VEILIG_THUIS, r"veilig\s*thuis|\bamk\b|advies[-\s]*en\s*meldpunt|meldpunt\s+kindermishandeling"
                   r"|steunpunt\s+huiselijk\s+geweld|\bshg\b"),
    (CRISIS, r"crisis|spoedeisende\s+hulp|\bseh\b"),
    (LEERPLICHT, r"leerplicht|\brbl\b|regionaal\s+bureau\s+leerlingzaken|bureau\s+leerlingzaken"),
    (POLICE, r"politie|alarmnummer|\b112\b"),
    (JGZ, r"jeugdgezondheidszorg|\bjgz\b|\bggd\b|jeugdarts|jeugdverpleegkundige|consultatiebureau"),
    (CJG, r"centrum\s+(voor\s+)?jeugd\s+en\s+gezin|\bcjg\b"),
    (CARE_TEAM, r"zorg\s*(en\s*)?advies\s*team|zorgteam|\bzat\b|\bret\b|wijkteam|buurtteam|sociaal\s+team"
                r"|jeugdteam|gebiedsteam"),
    (YOUTH_CARE, r"jeugdzorg|jeugdhulp|jeugdbescherming|kinderbescherming"),
    (GGZ, r"\bggz\b|geestelijke\s+gezondheid"),
    (MEE, r"\bmee\b"),
    (SOCIAL_WORK, r"maatschappelijk\s*werk|welzijn|\bamw\b|\bsmw\b"),
    (HELPLINE, r"kindertelefoon|telefoon|luisterlijn|hulplijn|chat|sensoor"),
]


def classify_kind(name: str) -> str:
    """The kind of organisation, guessed from its name."""
    text = fold(name)
    for kind, pattern in _KIND_WORDS:
        if re.search(pattern, text):
            return kind
    return OTHER


def is_defunct(name: str) -> bool:
    """The AMK and the Steunpunt Huiselijk Geweld merged into Veilig Thuis in 2015: older documents still list
    them, with numbers that no longer answer."""
    folded = fold(name)
    return bool(re.search(r"\bamk\b|advies[-\s]*en\s*meldpunt\s*kindermishandeling|steunpunt\s+huiselijk\s+geweld"
                          r"|\bshg\b", folded)) and not re.search(r"veilig\s*thuis", folded)


def default_on_emergency_sheet(kind: str, name: str, phones) -> bool:
    """Whether an organisation belongs on the emergency sheet unless the coordinator says otherwise.

    Police only with its emergency number: the 0900 number of the local station is not for acute danger.
    """
    numbers = {number for number, _note in phones}
    folded = fold(name)
    if "112" in numbers:
        return True
    if kind == CRISIS:
        return True
    if kind == VEILIG_THUIS:
        # The old Steunpunt Huiselijk Geweld gave advice, it was never the number for acute danger; the AMK
        # merged into Veilig Thuis in 2015 and its numbers no longer answer. Only Veilig Thuis itself.
        return bool(re.search(r"veilig\s*thuis", folded))
    return bool(re.search(r"noodsituatie|\bnood\b|\bspoed\b", folded)) and "geen spoed" not in folded


# --- the result -------------------------------------------------------------------------------------------


@dataclass
class ParsedOrganisation:
    name: str
    kind: str = OTHER
    contact: str = ""
    address: str = ""
    phones: list[tuple[str, str]] = field(default_factory=list)  # (number, note such as opening hours)
    email: str = ""
    website: str = ""
    notes: str = ""
    on_emergency_sheet: bool = False

    @property
    def key(self) -> str:
        return normalise_name(self.name)

    def to_json(self) -> dict:
        """A JSON-ready dict; the fields the document does not give are None."""
        data = asdict(self)
        data["phones"] = [{"number": number, "note": note or None} for number, note in self.phones]
        data["phone"] = self.phones[0][0] if self.phones else None
        for key in ("contact", "address", "email", "website", "notes"):
            data[key] = data[key] or None
        order = ["name", "contact", "address", "phone", "email", "website", "phones", "kind", "notes",
                 "on_emergency_sheet"]
        return {key: data[key] for key in order}

    @classmethod
    def from_json(cls, data: dict) -> ParsedOrganisation:
        phones = []
        for item in data.get("phones") or []:
            if isinstance(item, dict):
                phones.append((str(item.get("number") or ""), str(item.get("note") or "")))
            else:
                phones.append((str(item[0]), str(item[1] or "")))
        if not phones and data.get("phone"):
            phones = [(str(data["phone"]), "")]
        kind = data.get("kind") or OTHER
        return cls(
            name=str(data.get("name") or ""),
            kind=kind if kind in KINDS else OTHER,
            contact=str(data.get("contact") or ""),
            address=str(data.get("address") or ""),
            phones=[(number, note) for number, note in phones if number],
            email=str(data.get("email") or ""),
            website=str(data.get("website") or ""),
            notes=str(data.get("notes") or ""),
            on_emergency_sheet=bool(data.get("on_emergency_sheet")),
        )


# --- labels -----------------------------------------------------------------------------------------------

NAME, SELF, CONTACT, ADDRESS, PHONE, FAX, EMAIL, WEBSITE, HOURS, NOTES, BARE_NAME = (
    "name", "self", "contact", "address", "phone", "fax", "email", "website", "hours", "notes", "bare_name")

_LABELS = {
    NAME: ["organisatie", "naam organisatie", "organisatienaam", "naam van de organisatie", "instantie",
           "naam instantie", "instelling", "naam instelling", "ketenpartner", "partner", "organisatie instantie",
           "organisatie instelling", "hulpverlener", "hulpverlenende instantie", "dienst"],
    SELF: ["school", "naam school", "schoolnaam", "naam basisschool", "basisschool"],
    BARE_NAME: ["naam"],
    CONTACT: ["contactpersoon", "contactpersonen", "contact persoon", "naam contactpersoon", "contact",
              "aanspreekpunt", "contactpersoon bij organisatie", "contactpersoon organisatie", "t a v", "tav",
              "ter attentie van"],
    ADDRESS: ["adres", "bezoekadres", "postadres", "correspondentieadres", "vestigingsadres", "adresgegevens",
              "locatie", "vestiging", "straat", "postcode en plaats", "postcode plaats", "plaats", "woonplaats"],
    PHONE: ["telefoon", "telefoonnummer", "telefoonnummers", "tel", "telnr", "tel nr", "telefoonnr",
            "telefoon nummer", "tel nummer", "telefonisch", "mobiel", "mob", "mobiel nummer", "mobiele telefoon",
            "gsm", "noodnummer", "spoednummer", "crisisnummer", "alarmnummer", "nummer", "telefoon en bereikbaarheid"],
    FAX: ["fax", "faxnummer", "fax nummer", "telefax"],
    EMAIL: ["email", "emailadres", "e mail", "e mailadres", "mail", "mailadres", "e mail adres", "email adres"],
    WEBSITE: ["website", "websites", "internet", "internetadres", "webadres", "site", "homepage", "url", "web",
              "webpagina", "internetsite", "websiteadres", "website adres", "www"],
    HOURS: ["openingstijden", "bereikbaarheid", "bereikbaar", "spreekuur", "openingsuren"],
    NOTES: ["opmerking", "opmerkingen", "bijzonderheden", "toelichting", "notities", "notitie", "info",
            "informatie", "aanvullende informatie", "soort", "type", "functie", "doelgroep", "werkgebied",
            "regio", "taak", "werkwijze", "wanneer inschakelen"],
}
_LABEL_LOOKUP = {words: kind for kind, names in _LABELS.items() for words in names}
# Fields whose label may carry extra words that describe the value ("Telefoon spoed", "Telefoon (24/7)").
_QUALIFIED = {PHONE, ADDRESS, EMAIL, WEBSITE, CONTACT, FAX}


def _label_words(label: str) -> str:
    label = fold(label)
    label = re.sub(r"(?<=\w)[.\-_](?=\w)", " ", label)  # tel.nr, e-mail
    label = re.sub(r"[^\w()/ ]", " ", label)
    label = label.replace("/", " ")
    return " ".join(label.split())


def match_label(label: str) -> tuple[str, str] | None:
    """(field, qualifier) for a label such as "E-mailadres", "Tel." or "Telefoon (spoed)"; None otherwise."""
    if len(label) > 45 or not re.search(r"[^\W\d_]", label):
        return None
    words = _label_words(label)
    qualifier = ""
    bracket = re.search(r"\(([^)]*)\)", words)
    if bracket:
        qualifier = bracket.group(1).strip()
        if len(qualifier) <= 2:  # "Telefoonnummer(s)", "Contactperso(o)n"
            qualifier = ""
        words = " ".join((words[: bracket.start()] + words[bracket.end():]).split())
    if words in _LABEL_LOOKUP:
        return _LABEL_LOOKUP[words], _qualifier_text(label, qualifier)
    parts = words.split()
    if len(parts) > 5:
        return None
    for size in (3, 2, 1):
        head = " ".join(parts[:size])
        extra = " ".join(parts[size:])
        if len(parts) > size and _LABEL_LOOKUP.get(head) in _QUALIFIED and not re.search(r"\d", extra):
            return _LABEL_LOOKUP[head], _qualifier_text(label, " ".join(x for x in (extra, qualifier) if x))
    return None


def _qualifier_text(label: str, qualifier_words: str) -> str:
    """The qualifier as the document wrote it (case kept), found back in the original label."""
    if not qualifier_words:
        return ""
    bracket = re.search(r"\(([^)]*)\)", label)
    if bracket and _label_words(bracket.group(1)) == qualifier_words:
        return bracket.group(1).strip()
    tail = label.split()
    count = len(qualifier_words.split())
    original = " ".join(tail[-count:]).strip("():. ")
    return original if _label_words(original) == qualifier_words else qualifier_words


# --- reading lines ----------------------------------------------------------------------------------------

# Bullets and list numbers: "1.", "2)", "a)", and section numbers "5.3.1" in front of a capital.
_BULLET = re.compile(r"^\s*(?:[\u2022\u00b7\u25aa\u25cf\u25e6\u2023\u2043\u2219\uf0b7\uf0a7\uf076\uf0d8\uf0fc*>\-\u2013\u2014]"
                     r"|\d{1,2}[.)](?=\s)|\d{1,2}(?:\.\d{1,2})+\.?(?=\s+[A-Z])|[a-z][.)](?=\s+[A-Z]))\s+")
_PLACEHOLDER = re.compile(r"^[\s.\u2026_\-\u2013?x*]*$|^n\.?v\.?t\.?$|^(nog )?in te vullen$|^(\w+ )?invullen$"
                          r"|^onbekend$|^geen$|^idem$|^zie boven$", re.IGNORECASE)
# A whole value in brackets is a template's prompt: "[naam organisatie]", "<telefoonnummer>", "(invullen)".
_BRACKETED = re.compile(r"^(\[.*\]|<.*>|\(.*\))$")
_IN_BRACKETS = re.compile(r"\([^()]{2,60}\)")
_PAGE_HEADER = re.compile(r"^(pagina|page|blz\.?)\s*\d+(\s*(van|/|of)\s*\d+)?$|^\d+$|^-\s*\d+\s*-$", re.IGNORECASE)
# A running header or footer with the page number after the document's title: "Meldcode De Eik - pagina 12".
_PAGE_NUMBER = re.compile(r"(^|\s)(pagina|page|blz\.?|bladzijde)\s*\d+(\s*(van|/|of)\s*\d+)?\s*$", re.IGNORECASE)
# A footer with the document's version or date: "Versie 3.1 – september 2024", "versie 2 (12-09-2024)".
_VERSION = re.compile(r"(^|\s)(versie|version)\s*:?\s*v?\d+(\.\d+)*\b", re.IGNORECASE)
_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
_DATE_ONLY = re.compile(rf"^(\d{{1,2}}\s+)?({_MONTHS})\s+\d{{4}}$|^\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}$", re.IGNORECASE)
_POSTCODE = re.compile(r"\b\d{4}\s?[A-Z]{2}\b")
# A street and house number on a line of their own: "Klompmakerstraat 2", "Het Haagje 129", "Dorpsweg 27a-1".
_HOUSE = re.compile(r"[A-Z\u00c0-\u00de][\w'\-]*(?: [\w'\-]+){0,3} \d{1,4}(?:\s?[a-zA-Z]|\s?-\s?\d{1,3})?")
_STREET = re.compile(r"^(postbus|antwoordnummer)\b|^[A-Za-z\u00c0-\u024f.'\- ]+\s\d+[a-zA-Z]?\b", re.IGNORECASE)


@dataclass
class _Field:
    kind: str
    qualifier: str
    values: list[str]
    line: int
    group: int
    listed: bool = False  # the name of a "name: number" line in a list, not an organisation label


@dataclass
class _Line:
    """One classified line: fields (one or more labels), a link, plain text, or a blank."""

    number: int
    group: int
    fields: list[_Field] = field(default_factory=list)
    link: str = ""
    plain: str = ""
    cells: str = ""  # the plain text with its column gaps (tabs are two spaces), for table rows
    continuation: bool = False


def normalise_text(text: str) -> str:
    """Same line endings and spaces everywhere; tabs become a double space so that column gaps stay visible."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n").replace("\v", "\n")
    for space in ("\u00a0", "\u202f", "\u2007", "\u2009", "\u2002", "\u2003"):
        text = text.replace(space, " ")
    for invisible in ("\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u00ad"):
        text = text.replace(invisible, "")
    text = text.replace("\uff1a", ":")
    text = expand_tables(text)
    text = text.replace("\t", "  ")
    text = re.sub(r"\[bookmark: [^\]]*\]", "", text)
    return text


# Tabs (Word), bars (Markdown) or the wide gaps the PDF reader leaves between the cells of a row.
_CELL_SEPARATOR = re.compile(r"\t+|\s*\|\s*|\s{2,}")


def _cells(line: str) -> list[str]:
    cells = [cell.strip() for cell in _CELL_SEPARATOR.split(line.strip().strip("|"))]
    return cells if len(cells) >= 2 else []


def expand_tables(text: str) -> str:
    """A table with the labels in its header row ("Organisatie<TAB>Telefoon<TAB>E-mail", or with bars)
    becomes one labelled block per row, the way the rest of the parser reads them."""
    lines = text.split("\n")
    out = []
    index = 0
    while index < len(lines):
        column_table = _column_table(lines, index)
        if column_table:
            index, blocks = column_table
            out.extend(blocks)
            continue
        header = _cells(lines[index])
        labels = [match_label(cell.rstrip(":")) for cell in header]
        if not header or not all(labels) or not any(found[0] == NAME for found in labels):
            out.append(lines[index])
            index += 1
            continue
        index += 1
        while index < len(lines):
            if re.fullmatch(r"[\s|:\-+=]*", lines[index]) and lines[index].strip():
                index += 1  # a separator row such as |---|---|
                continue
            row = _cells(lines[index])
            if not row:
                break
            row = _align_row([found[0] for found in labels], row)
            out.extend(f"{label.rstrip(':')}: {value}" for label, value in zip(header, row, strict=False))
            out.append("")
            index += 1
    return "\n".join(out)


def _row_cells(line: str) -> list[str]:
    """The cells of a row; between tabs an empty cell is kept, so that each value stays in its column."""
    if "\t" in line.strip():
        return [cell.strip() for cell in line.strip(" \n").split("\t")]
    return _cells(line)


def _column_table(lines: list[str], start: int) -> tuple[int, list[str]] | None:
    """A table with the labels in its first column and one column per organisation ("Organisatie<TAB>Veilig
    Thuis<TAB>GGD", "Telefoon<TAB>0800-2000<TAB>088 ..."): (the index after it, one labelled block per column).
    """
    first = _row_cells(lines[start])
    if len(first) < 3 or (match_label(first[0].rstrip(":")) or ("",))[0] != NAME:
        return None
    if any(match_label(cell.rstrip(":")) for cell in first[1:] if cell):
        return None  # labels across the first row: a list table
    rows = [first]
    end = start + 1
    while end < len(lines):
        cells = _row_cells(lines[end])
        if len(cells) != len(first) or not cells[0] or not match_label(cells[0].rstrip(":")):
            break
        rows.append(cells)
        end += 1
    if len(rows) < 2:
        return None
    blocks = []
    for column in range(1, len(first)):
        blocks.extend(f"{row[0].rstrip(':')}: {row[column]}" for row in rows)
        blocks.append("")
    return end, blocks


def _cell_kind(cell: str) -> str:
    if re.match(r"[+(0-9]", cell) and numbers_in(cell):
        return PHONE
    if EMAIL_RE.search(cell):
        return EMAIL
    if _link_only(cell) or URL_RE.fullmatch(cell):
        return WEBSITE
    return ""


def _align_row(kinds: list[str], row: list[str]) -> list[str]:
    """A row with fewer cells than its header lost its empty cells (tabs or PDF gaps ran together): every
    cell goes back under the next column its content fits, in order; text goes under a text column."""
    if len(row) >= len(kinds):
        return row
    aligned = [""] * len(kinds)
    column = 0
    for cell in row:
        wanted = _cell_kind(cell)
        fits = [i for i in range(column, len(kinds))
                if (kinds[i] == wanted if wanted else kinds[i] not in (PHONE, FAX, EMAIL, WEBSITE))]
        column = fits[0] if fits else column
        if column >= len(kinds):
            break
        aligned[column] = cell
        column += 1
    return aligned


def _split_label_segments(line: str) -> list[tuple[str, str]] | None:
    """[(label, value), ...] when the line starts with a known label; None otherwise.

    A table row turned into text can hold several labels: "Tel.: 0528 123456    E-mail: info@example.nl".
    """
    first = _leading_label(line)
    if first is None:
        return None
    label, rest = first
    segments = [[label, ""]]
    pieces = re.split(r"(\s{2,}|\s\|\s|;\s+)", rest)
    for index, piece in enumerate(pieces):
        if index % 2 == 1:
            segments[-1][1] += piece
            continue
        inner = _leading_label(piece, needs_colon=True) if index else None
        if inner is not None:
            segments.append([inner[0], inner[1]])
        else:
            segments[-1][1] += piece
    return [(label, value) for label, value in segments]


def _leading_label(text: str, needs_colon: bool = False) -> tuple[str, str] | None:
    match = re.match(r"^\s*([^:]{1,45}?)\s*:(?!//)\s*(.*)$", text)
    if match and match_label(match.group(1)):
        return match.group(1), match.group(2)
    if needs_colon:
        return None
    # Without a colon: "Telefoon   0528 123456" (a tab), "Tel. 0528-123456", "E-mail info@example.nl".
    words = text.split()
    for size in (3, 2, 1):
        if len(words) <= size:
            continue
        candidate = " ".join(words[:size])
        found = match_label(candidate)
        if not found:
            continue
        rest_match = re.match(r"^\s*" + r"\s+".join(re.escape(w) for w in words[:size]) + r"(\s+)(.*)$", text)
        gap, rest = rest_match.group(1), rest_match.group(2)
        kind = found[0]
        if (len(gap) >= 2 and kind != BARE_NAME
                or kind in (PHONE, FAX) and re.match(r"[+0-9(]", rest)
                or kind == EMAIL and "@" in rest.split()[0]
                or kind == WEBSITE and re.match(r"(www\.|https?://)", rest, re.IGNORECASE)
                or kind == ADDRESS and _STREET.match(rest)):
            return candidate, rest
    return None


def _bare_label(text: str) -> str:
    """The field of a line that holds nothing but a label without a colon ("Contactpersoon", "E-mail").

    Not for the name labels, the school's and the notes': "Organisatie" or "Informatie" alone is a heading.
    """
    kind = _LABEL_LOOKUP.get(_label_words(text))
    return kind if kind in (CONTACT, ADDRESS, PHONE, FAX, EMAIL, WEBSITE, HOURS) else ""


def _link_only(text: str) -> str:
    """The link when the line holds nothing but a web or e-mail address."""
    stripped = text.strip()
    if re.fullmatch(r"(mailto:)?[\w.+\-']+@[\w\-]+(\.[\w\-]+)+\.?", stripped, re.IGNORECASE):
        return stripped
    if re.fullmatch(r"(https?://|www\.)\S+", stripped, re.IGNORECASE):
        return stripped
    return ""


def _read_lines(text: str) -> list[_Line]:
    lines = []
    group = 0
    previous_field: _Field | None = None
    previous_was_field = False  # the line right above (no blank between) was a field or its continuation
    blanks_after_field = 99  # blank lines since the last field line, for double-spaced documents
    raw_lines = normalise_text(text).split("\n")
    running = _running_lines(raw_lines)
    for number, raw in enumerate(raw_lines, start=1):
        indented = bool(re.match(r"^\s{2,}\S", raw))
        body = _expand_short_labels(_BULLET.sub("", raw).strip())
        if not body or _running_key(raw) in running:
            # A running header or footer counts as a blank line: the page ends there, not the block.
            group += 1
            previous_was_field = False
            blanks_after_field += 1
            continue
        if lines and _runs_on(lines[-1], number, body):
            lines[-1].plain += " " + collapse(body)
            lines[-1].cells += " " + body
            lines[-1].number = number
            continue
        item = _Line(number=number, group=group)
        segments = _split_label_segments(body)
        header = not segments and _is_page_header(body)
        if segments:
            for label, value in segments:
                kind, qualifier = match_label(label) or _leading_label_kind(label)
                previous_field = _Field(kind, qualifier, [value.strip()], number, group)
                item.fields.append(previous_field)
            previous_was_field = True
            blanks_after_field = 0
        elif _bare_label(body):
            # "Website" alone: an empty table cell in a PDF. Its value is not on the next line (that would have a
            # colon), so nothing continues it.
            previous_field = _Field(_bare_label(body), "", [""], number, group)
            item.fields.append(previous_field)
            previous_was_field = False
            blanks_after_field = 0
        elif re.match(r"^:\s*", body) and previous_field is not None:
            # " : Postbus 1230" continues the field above it, even across blank lines.
            previous_field.values.append(body[1:].strip())
            item.continuation = True
            previous_was_field = True
            blanks_after_field = 0
        elif _link_only(body):
            item.link = body
            previous_was_field = False
            blanks_after_field = 99
        elif previous_field is not None and not header and (
                previous_was_field and _continues(previous_field, body, indented)
                or blanks_after_field == 1 and _continues_after_blank(previous_field, body, raw_lines, number)):
            previous_field.values.append(body)
            item.continuation = True
            blanks_after_field = 0
        elif _wraps_onto(lines[-1] if lines else None, number, body):
            lines[-1].plain += " " + collapse(body)
            lines[-1].cells += " " + body
            continue
        else:
            # Prose and page headers end a paragraph just like a blank line does.
            group += 1
            item.group = group
            group += 1
            item.plain = collapse(body)
            item.cells = body
            previous_was_field = False
            blanks_after_field = 99
        lines.append(item)
    _read_name_and_number_lists(lines)
    _read_address_blocks(lines)
    return lines


def _running_key(raw: str) -> str:
    """The text of a line that could be a running header or footer, without its page number; "" otherwise."""
    body = collapse(raw)
    if not re.search(r"[^\W\d_]{2}", body) or _link_only(body) or _split_label_segments(body) is not None:
        return ""
    return fold(re.sub(r"\s+\d{1,3}$", "", body))


def _running_lines(raw_lines: list[str]) -> set[str]:
    """The running headers and footers of a printed document: the same line at the top or bottom of each page.

    A line counts when it comes back with a page number on it or next to it, or three times when it names the
    document or the school. An organisation named a few times in the text (a flow chart, then the kaart) is
    neither.
    """
    keys = [_running_key(raw) for raw in raw_lines]
    counts: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        if key:
            counts.setdefault(key, []).append(index)
    counts = {key: positions for key, positions in counts.items() if len(positions) >= 2}
    running = set()
    for key, positions in counts.items():
        if any(_near_page_number(raw_lines, index) for index in positions) or len(positions) >= 3 and (
                _DOCUMENT_TITLE.search(key) or _VERSION.search(key)):
            running.add(key)
    return running


_DOCUMENT_TITLE = re.compile(r"\b(meldcode|protocol|stappenplan|(basis)?school|obs|cbs|kbs|pcbs|rkbs|ikc|kindcentrum)\b")


def _near_page_number(raw_lines: list[str], index: int) -> bool:
    if re.search(r"\s{2,}\d{1,3}\s*$", raw_lines[index]):
        return True  # "Meldcode De Linde      14": the page number at the end of the footer
    around = [line.strip() for line in raw_lines[max(index - 3, 0):index + 4]]
    return any(line and _PAGE_HEADER.match(line) for line in around)


# One-letter labels from e-mail signatures ("T: 0592 123456  E: info@ggd.nl"), at the start of the line or
# of a table cell; they are read as labels only in front of a value of their kind.
_SHORT_LABEL = re.compile(r"(?:^|(?<=\s\s)|(?<=\|\s))([TMFEWIA])\s?:\s*(?=(\S.*))", re.IGNORECASE)
_SHORT_LABEL_WORDS = {"t": "Telefoon", "m": "Mobiel", "f": "Fax", "e": "E-mail", "w": "Website", "i": "Internet",
                      "a": "Adres"}


def _expand_short_labels(line: str) -> str:
    def expand(match: re.Match) -> str:
        letter, value = match.group(1).lower(), match.group(2)
        fits = (letter in "tmf" and re.match(r"[+(0-9]", value) or letter == "e" and "@" in value.split()[0]
                or letter in "wi" and URL_RE.match(value)
                or letter == "a" and bool(_STREET.match(value) or _POSTCODE.search(value)))
        return f"{_SHORT_LABEL_WORDS[letter]}: " if fits else match.group(0)

    return _SHORT_LABEL.sub(expand, line)


# What a "name: number" line names when it is not a partner organisation: the school's own staff, or a
# situation in a flow chart ("Bij acuut gevaar: 112", "Stap 2: ...").
_NOT_A_PARTNER = re.compile(
    r"^(bij|bel|voor|na|tijdens|buiten|binnen|in|op|met|als|indien|zie|of|en|stap|fase)\b|intern\s*begeleider"
    r"|\bib'?er\b|directeur|directie|aandachtsfunctionaris|leerkracht|mentor|zorgcoordinator|locatieleider"
    r"|teamleider|concierge")  # compared without accents: "conciërge", "zorgcoördinator"


def _name_and_number(text: str) -> list[tuple[str, str]] | None:
    """[(NAME, "Kindertelefoon"), (PHONE, "0800-0432")] for a line "Kindertelefoon: 0800-0432", or with a
    dash or a tab; further table cells with an e-mail or web address become fields of their own."""
    match = re.match(r"^(?P<name>[^:]{2,60}?)\s*(?::|\s[\-\u2013]\s|\s{2,})\s*(?P<value>[+(0-9].*)$", text)
    if not match or not match.group("name")[0].isupper() or not _looks_like_name(match.group("name").strip()):
        return None
    if _NOT_A_PARTNER.search(fold(match.group("name"))) or _POSTCODE.search(match.group("name")):
        return None  # a postcode in the "name": a line of an address list
    fields = [(NAME, match.group("name").strip())]
    for cell in re.split(r"\s{2,}", match.group("value").strip()):
        if _link_only(cell) or EMAIL_RE.fullmatch(cell):
            fields.append((EMAIL if "@" in cell else WEBSITE, cell))
        elif len(fields) == 1:
            phones, leftover = parse_phones(cell)
            if not phones or leftover:
                return None
            fields.append((PHONE, cell))
        else:
            return None
    return fields


def _address_list_entry(text: str) -> list[tuple[str, str]] | None:
    """The fields of one line of an address list, "Name, Street 1, 1234 AB Place, tel. 0592-123456, e-mail":
    the name is everything before the first address, number or link; None for any other line."""
    # Commas, semicolons, bars, bullets and dashes, but not the dash inside a phone number ("0592 - 30 63 00").
    pieces = re.split(r"([,;]\s+|\s+[|\u2022\u00b7]\s+|(?<!\d)\s+[-\u2013]\s+|\s+[-\u2013]\s+(?!\d))", text)
    name_parts, address_parts, fields = [], [], []
    for index in range(0, len(pieces), 2):
        part = pieces[index].strip()
        if not part:
            continue
        kind, value = _address_list_part(part)
        if kind is None and not (address_parts or fields):
            name_parts.append((pieces[index - 1] if name_parts else "") + part)  # with its separator
        elif kind is None:
            fields.append((NOTES, part))
        elif kind == ADDRESS:
            address_parts.append(value)
        else:
            fields.append((kind, value))
    name = "".join(name_parts).strip()
    if (not name_parts or not any(kind in (PHONE, EMAIL, WEBSITE) for kind, _value in fields)
            or not name[0].isupper() or not _looks_like_name(name) or _NOT_A_PARTNER.search(fold(name))):
        return None
    if address_parts:
        fields.insert(0, (ADDRESS, ", ".join(address_parts)))
    return [(NAME, name), *fields]


def _address_list_part(part: str) -> tuple[str | None, str]:
    """(field, value) for one comma-separated part of an address-list line; (None, part) for other text."""
    labelled = _leading_label(part)
    if labelled and match_label(labelled[0]):
        kind = match_label(labelled[0])[0]
        if kind in (PHONE, EMAIL, WEBSITE, ADDRESS):
            return kind, labelled[1]
    return _unlabelled_kind(part), part


def _read_name_and_number_lists(lines: list[_Line]) -> None:
    """Lists of emergency numbers, "Politie: 112" under "Veilig Thuis: 0800-2000", become one-line blocks.

    Only runs of two or more such lines: a single "Bij twijfel: 0800-2000 bellen" is part of the prose.
    """
    found = [bool(line.plain) and (_name_and_number(line.cells) or _address_list_entry(line.plain))
             for line in lines]
    for index, line in enumerate(lines):
        in_run = (index > 0 and found[index - 1]) or (index + 1 < len(lines) and found[index + 1])
        if not found[index] or not in_run:
            continue
        line.fields = [_Field(kind, "", [value], line.number, line.group, listed=kind == NAME)
                       for kind, value in found[index]]
        line.plain = ""


def _read_address_blocks(lines: list[_Line]) -> None:
    """Addresses written as on an envelope, without labels: a name, then its street, postcode, phone number and
    links on the lines below it (some may have labels). The name becomes a one-line block's name, every
    other line a field of the kind its content shows. Lines one blank line apart still belong together, for
    double-spaced text; the address ends at the first line that is none of these."""
    index = 0
    while index < len(lines):
        end = index + 1
        kinds: dict[int, str] = {}
        while end < len(lines) and lines[end].number - lines[end - 1].number <= 2:
            line = lines[end]
            labelled = bool(line.fields or line.continuation)
            kind = None if labelled else _unlabelled_kind(line.plain or line.link)
            if (not labelled and kind is None or any(f.kind in (NAME, SELF, BARE_NAME) for f in line.fields)
                    or end == index + 1 and kind is None):
                break  # the end of the address; it starts right under the name
            if kind:
                kinds[end] = kind
            end += 1
        if _is_address_block(lines[index], [lines[i] for i in range(index + 1, end)], kinds):
            head = lines[index]
            head.fields = [_Field(NAME, "", [head.plain.rstrip(":").strip()], head.number, head.group, listed=True)]
            head.plain = ""
            for position, kind in kinds.items():
                line = lines[position]
                line.fields = [_Field(kind, "", [line.plain or line.link], line.number, line.group)]
                line.plain = line.link = ""
            index = end
        else:
            index += 1


def _is_address_block(head: _Line, rest: list[_Line], kinds: dict[int, str]) -> bool:
    """Whether a name-like line with unlabelled values under it holds an organisation: a number or a link."""
    name = head.plain.rstrip(":").strip()
    if not kinds or not name or not name[0].isupper() or not _looks_like_name(name):
        return False
    if _is_page_header(name) or _NOT_A_PARTNER.search(fold(name)):
        return False
    found = set(kinds.values()) | {f.kind for line in rest for f in line.fields}
    return bool(found & {PHONE, EMAIL, WEBSITE})


def _unlabelled_kind(text: str) -> str | None:
    """The field a value without a label holds, told by its content: an address, a number, a link, "t.a.v."."""
    text = text.strip()
    if _link_only(text) or " " not in text and (emails_in(text) or URL_RE.fullmatch(text)):
        return EMAIL if "@" in AT_SIGN_RE.sub("@", text) else WEBSITE
    if re.match(r"(t\.?\s?a\.?\s?v\.?|ter attentie van)\s", text, re.IGNORECASE):
        return CONTACT
    if len(text) < 80 and not text.endswith(".") and (
            _POSTCODE.search(text) or _HOUSE.fullmatch(text) or re.match(r"postbus\s+\d", text, re.IGNORECASE)):
        return ADDRESS
    if re.match(r"[+(0-9]", text):
        phones, leftover = parse_phones(text)
        if phones and not leftover:
            return PHONE
    return None


def _continues_after_blank(previous: _Field, body: str, raw_lines: list[str], number: int) -> bool:
    """Double-spaced text (or a PDF's paragraph spacing): whether line `number`, one blank line under a field,
    goes on with it. A postbus or postcode line under the address does; so does the name under an empty
    "Organisatie:" when fields follow it, not a chapter title after an empty template block."""
    empty = not any(value.strip() for value in previous.values)
    if previous.kind == ADDRESS:
        street = empty and _STREET.match(body)  # the first line of an address under "Adres:"
        return len(body) < 100 and bool(street or _POSTCODE.search(body) or re.match(r"postbus\b", body, re.I))
    if previous.kind in (PHONE, FAX):
        # Under "Telefoon:", or a second number under the first one.
        return bool(re.match(r"^[(+0-9]", body)) and bool(numbers_in(body))
    if previous.kind in (NAME, BARE_NAME, CONTACT) and empty:
        following = next((line for line in raw_lines[number:number + 3] if line.strip()), "")
        return _looks_like_name(body) and _split_label_segments(_BULLET.sub("", following).strip()) is not None
    return False


def _wraps_onto(previous: _Line | None, number: int, body: str) -> bool:
    """Whether `body` is the rest of a sentence the line above began: a PDF wraps long prose over several
    lines, and "vragen van leerkrachten." on its own line is not a heading."""
    return (previous is not None and bool(previous.plain) and previous.number == number - 1
            and len(previous.plain.split()) >= 8 and body[:1].islower())


def _runs_on(previous: _Line, number: int, body: str) -> bool:
    """Whether the plain line right above goes on in `body`: a name with its department in brackets on the next
    line ("Welzijnswerk Meppel" / "(schoolmaatschappelijk werk)"), or a list entry with commas that the page
    width cut off after a comma or a label such as "tel."."""
    if not previous.plain or previous.number != number - 1:
        return False
    if _IN_BRACKETS.fullmatch(body):
        return _looks_like_name(previous.plain) and not _IN_BRACKETS.fullmatch(previous.plain)
    if previous.plain.count(", ") < 2:
        return False
    last_word = _label_words(previous.plain.split()[-1])
    return previous.plain.endswith(",") or _LABEL_LOOKUP.get(last_word) in (PHONE, EMAIL, WEBSITE)


def _leading_label_kind(label: str) -> tuple[str, str]:
    return match_label(label) or (NOTES, label)


def _continues(previous: _Field, body: str, indented: bool) -> bool:
    """Whether a line without a label is the next line of the field above it."""
    if not any(value.strip() for value in previous.values):
        # "Organisatie:" with its value on the next line, as some PDF and table extractions give it.
        if previous.kind in (NAME, BARE_NAME, CONTACT):
            return _looks_like_name(body)
        if previous.kind in (NOTES, HOURS):
            return True
    if previous.kind == ADDRESS:
        return bool(_POSTCODE.search(body) or _STREET.match(body)) and len(body) < 100 or indented
    if previous.kind in (PHONE, FAX):
        return bool(re.match(r"^[(+0-9]", body)) and bool(numbers_in(body)) or indented
    if previous.kind in (NAME, BARE_NAME):
        # A long name wrapped onto the next line of a PDF: "... (schoolmaatschappelijk" + "werk)".
        name = " ".join(previous.values)
        unclosed = name.count("(") > name.count(")") and ")" in body
        # "(schoolmaatschappelijk werk)" under the name: the second line of a table cell.
        return (unclosed or bool(_IN_BRACKETS.fullmatch(body))
                or body[:1].islower() and len(body.split()) <= 4 and not body.endswith((".", ":")))
    if previous.kind in (NOTES, HOURS, CONTACT):
        return indented
    return False


# --- grouping lines into organisations --------------------------------------------------------------------


@dataclass
class _Block:
    name: str
    fields: list[_Field] = field(default_factory=list)
    links: list[tuple[str, bool]] = field(default_factory=list)  # (link, right after a field of this block)
    is_self: bool = False


def _group_labelled(lines: list[_Line]) -> list[_Block]:
    """Blocks start at an organisation label; fields above it in the same paragraph belong to it too
    (labels in another order), unless that paragraph already started with the previous organisation."""
    entries = []  # (line, field or None)
    for line in lines:
        if line.fields:
            entries.extend((line, f) for f in line.fields)
        elif line.link:
            entries.append((line, None))
    starts = [i for i, (_line, f) in enumerate(entries) if f is not None and f.kind in (NAME, SELF)]
    blocks = []
    block_starts = []
    for position, start in enumerate(starts):
        previous_start = starts[position - 1] if position else None
        block_starts.append(_first_entry_of_block(entries, start, previous_start))
    lead = _leading_pattern(entries, starts)
    if lead:
        block_starts = [start - lead for start in starts]
    for position, first in enumerate(block_starts):
        end = block_starts[position + 1] if position + 1 < len(block_starts) else _end_of_kaart(lines, entries,
                                                                                                  starts[position])
        name_field = entries[starts[position]][1]
        block = _Block(name=" ".join(name_field.values), is_self=name_field.kind == SELF)
        _fill_block(block, entries[first:end], skip=name_field)
        blocks.append(block)
    return blocks


def _end_of_kaart(lines: list[_Line], entries, last_start: int) -> int:
    """Where the last block's entries end: at the prose that closes the sociale kaart.

    That is a sentence in a paragraph of its own after the block's first field ("Vastgesteld door de MR op
    ..."), followed by fields of a kind the block already has, such as the school's own phone number. A
    sentence followed by new kinds of field is a remark inside the block.
    """
    fields_after = [line.number for line, f in entries[last_start + 1:] if f is not None]
    if not fields_after:
        return len(entries)
    numbers = {line.number for line in lines}
    closing = next((line.number for line in lines
                    if line.plain and line.number > fields_after[0] and line.number - 1 not in numbers
                    and _is_sentence(line.plain)), None)
    if closing is None:
        return len(entries)
    cut = next((i for i, (line, _f) in enumerate(entries) if line.number > closing), len(entries))
    before = {f.kind for _line, f in entries[last_start + 1:cut] if f is not None}
    after = {f.kind for _line, f in entries[cut:] if f is not None}
    return cut if before & after else len(entries)


def _is_sentence(text: str) -> bool:
    return text.endswith((".", "!", "?")) and len(text.split()) >= 6


def _promote_headings(lines: list[_Line]) -> None:
    """In a document with organisation labels, a block someone added without one: a name on a line of its
    own, at the start of a paragraph, right above (at most one blank line) a field of a kind the organisation
    above already has.

    "Kindertelefoon" above "Telefoon: 0800-0432" under a block that has a phone number starts a new block.
    """
    kinds_since_name: set[str] = set()
    for index, line in enumerate(lines):
        if line.fields:
            if any(f.kind in (NAME, SELF) for f in line.fields):
                kinds_since_name = set()
            kinds_since_name.update(f.kind for f in line.fields if f.kind not in (NAME, SELF))
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        starts_paragraph = index == 0 or lines[index - 1].number < line.number - 1
        if (not line.plain or not starts_paragraph or following is None or not following.fields
                or following.number > line.number + 2 or following.fields[0].kind not in kinds_since_name):
            continue
        name = line.plain.rstrip(":").strip()
        if _looks_like_name(name) and not _is_page_header(name):
            line.fields = [_Field(NAME, "", [name], line.number, following.group)]
            line.group, line.plain = following.group, ""
            kinds_since_name = set()


def _leading_pattern(entries, starts) -> int:
    """How many fields every block writes above its organisation label, when the document does so throughout.

    "Contactpersoon: ... / Organisatie: ... / Telefoon: ..." repeated without blank lines: the contact person
    belongs to the organisation below it. Only when the first block starts that way and every other block
    has the same kinds of fields right above its label.
    """
    if not starts or entries[starts[0]][1].kind != NAME:
        return 0
    lead_kinds = []
    index = starts[0] - 1
    while index >= 0 and entries[index][1] is not None and entries[index][1].kind not in (NAME, SELF):
        lead_kinds.insert(0, entries[index][1].kind)
        index -= 1
    if not lead_kinds:
        return 0
    size = len(lead_kinds)
    first_block_end = starts[1] - size if len(starts) > 1 else len(entries)
    after_name = {f.kind for _line, f in entries[starts[0] + 1:first_block_end] if f is not None}
    # The last block tells the two readings apart: its trailing fields cannot belong to a next block.
    after_last_name = {f.kind for line, f in entries[starts[-1] + 1:]
                       if f is not None and line.group == entries[starts[-1]][0].group}
    if (after_name | after_last_name) & set(lead_kinds):
        return 0
    for position, start in enumerate(starts):
        above = entries[start - size:start]
        if position and start - size <= starts[position - 1]:
            return 0
        if [f.kind if f else None for _line, f in above] != lead_kinds:
            return 0
        if any(line.group != entries[start][0].group for line, _f in above):
            return 0
    return size


def _first_entry_of_block(entries, start: int, previous_start: int | None) -> int:
    """Where the block of the organisation label at `start` begins: at the label itself, or earlier when the
    paragraph holding the label opens with fields that clearly belong to it (e.g. the contact person first).

    A page break between a name and its fields also starts a new paragraph; those fields are told apart
    because the previous organisation then has no fields of its own in its paragraph, or because the same
    kind of field follows the label again.
    """
    group = entries[start][0].group

    def kinds_in(positions):
        return {entries[i][1].kind for i in positions if entries[i][1] is not None}

    first = start
    while first - 1 >= 0 and (previous_start is None or first - 1 > previous_start):
        line, f = entries[first - 1]
        if f is None or line.group != group:
            break
        first -= 1
    if first == start:
        return start
    if previous_start is not None:
        previous_group = entries[previous_start][0].group
        if previous_group == group:
            return start
        own = [i for i in range(previous_start + 1, first) if entries[i][0].group == previous_group]
        if not kinds_in(own):
            return start
    following = [i for i in range(start + 1, len(entries)) if entries[i][0].group == group]
    if kinds_in(range(first, start)) & kinds_in(following):
        return start
    return first


def _fill_block(block: _Block, entries, skip=None) -> None:
    previous_was_field = False
    for line, f in entries:
        if f is None:
            block.links.append((line.link, previous_was_field))
            previous_was_field = False
            continue
        if f is skip:
            previous_was_field = True
            continue
        if f.listed and not block.name:
            block.name = " ".join(f.values)
            continue
        if f.kind == BARE_NAME:
            # "Naam:" right under the organisation is the contact person; with nothing above it, the name.
            if not block.name:
                block.name = " ".join(f.values)
                continue
            f = _Field(CONTACT, f.qualifier, f.values, f.line, f.group)
        block.fields.append(f)
        previous_was_field = True


def _group_by_headings(lines: list[_Line]) -> list[_Block]:
    """For documents without organisation labels: the plain line right above a block's first field is its name.

    Sentences right under that line (at most one blank line apart) describe the organisation and do not
    change its name; page headers and footers are passed over.
    """
    blocks: list[_Block] = []
    current: _Block | None = None
    candidate: str = ""
    candidate_end = 0  # the number of the candidate's line, or of the description under it
    for line in lines:
        if line.plain:
            text = line.plain.rstrip(":").strip()
            if _is_page_header(text):
                continue
            if _looks_like_name(text):
                candidate, candidate_end = text, line.number
            elif candidate and line.number <= candidate_end + 2:
                candidate_end = line.number
            else:
                candidate = ""
            continue
        if line.continuation:
            continue
        if line.link:
            if current is not None:
                current.links.append((line.link, candidate == ""))
            continue
        fields = line.fields
        if any(f.kind == BARE_NAME or f.listed for f in fields):
            current = _Block(name="")
            blocks.append(current)
        elif candidate:
            current = _Block(name=candidate)
            blocks.append(current)
        candidate = ""
        if current is None:
            continue
        _fill_block(current, [(line, f) for f in fields])
    return blocks


def _is_page_header(text: str) -> bool:
    text = text.strip()
    short = len(text.split()) <= 15
    return bool(_PAGE_HEADER.match(text) or _DATE_ONLY.match(text)
                or short and (_PAGE_NUMBER.search(text) or _VERSION.search(text)))


def _looks_like_name(text: str) -> bool:
    if _is_page_header(text) or len(text) > 100 or len(text.split()) > 12:
        return False
    if not re.search(r"[^\W\d_]{2}", text) or text.endswith((":", ";", ",")):
        return False
    return not (text.endswith(".") and len(text.split()) > 4)


# --- from a block to an organisation ----------------------------------------------------------------------


def _is_placeholder(value: str) -> bool:
    value = value.strip()
    if _PLACEHOLDER.match(value):
        return True
    if _BRACKETED.match(value):
        # Word and mail programs put angle brackets around real addresses: "<info@mee.nl>".
        return not (EMAIL_RE.search(value) or URL_RE.search(value))
    # "0000-000000": a template's example number.
    digits = re.sub(r"\D", "", value)
    return len(digits) >= 6 and set(digits) == {"0"} and not re.search(r"[^\W\d_]", value)


def _clean_contact(value: str) -> str:
    """The person without the letter-writing "t.a.v." ("ter attentie van") in front."""
    return re.sub(r"^(t\.?\s?a\.?\s?v\.?|ter attentie van)\s*:?\s+", "", value, flags=re.IGNORECASE)


def _split_contact(value: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """The contact person, and the direct phone numbers and e-mail addresses written after the name:
    "mevr. J. de Vries, tel. 06-12345678, j.devries@sedna.nl"."""
    value = AT_SIGN_RE.sub("@", value)
    links = [match.span() for pattern in (EMAIL_RE, URL_RE) for match in pattern.finditer(value)]
    masked = value
    for start, end in links:  # blanked out, same length, so that positions still match
        masked = masked[:start] + " " * (end - start) + masked[end:]
    starts = [start for start, _end in links] + [start for start, _end, _digits in numbers_in(masked)]
    if not starts:
        return _clean_contact(value), [], []
    cut = min(starts)
    person = re.sub(r"(\b(tel|telefoon|mob|mobiel|e-?mail|mail)\b\.?|[\s,;:\-\u2013(])*$", "", value[:cut],
                    flags=re.IGNORECASE)
    person = _clean_contact(person.strip())
    rest = value[cut:]
    phones, _leftover = parse_phones(without_links(rest))
    # The direct line is noted with the person's name: "06-12345678 (mevr. J. de Vries)".
    phones = [(number, note or person) for number, note in phones]
    return person, phones, emails_in(rest)


def _clean_value(value: str) -> str:
    value = collapse(value).strip(" ,;*_")
    return "" if _is_placeholder(value) else value


def _build(block: _Block, known_links: set[str]) -> ParsedOrganisation | None:
    name = _clean_value(block.name).rstrip(":").strip()
    if block.is_self or not name or not re.search(r"[^\W\d_]", name):
        return None
    org = ParsedOrganisation(name=name)
    contacts, address_lines, notes, emails, websites = [], [], [], [], []
    hours = []
    contact_phones, contact_emails = [], []  # the contact person's own, after the organisation's
    for f in block.fields:
        values = [v for v in (_clean_value(v) for v in f.values) if v]
        if not values:
            continue
        joined = " ".join(values)
        if f.kind == CONTACT:
            person, direct_phones, direct_emails = _split_contact(joined)
            contacts.append(person)
            contact_phones.extend(direct_phones)
            contact_emails.extend(direct_emails)
        elif f.kind == ADDRESS:
            for value in values:
                value = re.sub(r"\s*\|\s*", ", ", value)
                address_lines.append(value)
        elif f.kind == PHONE:
            for value in values:
                emails.extend(emails_in(value))
                websites.extend(urls_in(value))
                phones, leftover = parse_phones(without_links(value), f.qualifier)
                org.phones.extend(p for p in phones if p not in org.phones)
                if leftover:
                    notes.append(f"Telefoon: {leftover}")
        elif f.kind == FAX:
            phones, leftover = parse_phones(joined)
            notes.append("Fax: " + ", ".join(number for number, _ in phones) if phones else f"Fax: {joined}")
        elif f.kind == EMAIL:
            found = emails_in(joined)
            emails.extend(found)
            if not found:
                websites.extend(urls_in(joined))
                if not urls_in(joined):
                    notes.append(f"E-mail: {joined}")
        elif f.kind == WEBSITE:
            found = urls_in(joined)
            websites.extend(found)
            emails.extend(emails_in(joined))
            if not found and not emails_in(joined):
                notes.append(f"Website: {joined}")
        elif f.kind == HOURS:
            hours.append(joined)
        else:
            label = f.qualifier if f.kind == NOTES and f.qualifier else ""
            notes.append(f"{label}: {joined}" if label else joined)
    # A bare link line right after the block's last field, e.g. the website under the e-mail address.
    for link, right_after_field in block.links:
        value = normalise_email(link) if "@" in link else normalise_website(link)
        if value in known_links or not right_after_field or re.match(r"(mailto:|https?://)", link, re.IGNORECASE):
            continue  # "mailto:" and "http://" lines are what Word leaves of hyperlinks elsewhere in the text
        # A second address under the first one is kept too (it ends up in the notes).
        (emails if "@" in link else websites).append(value)
    if hours:
        text = "; ".join(hours)
        if len(org.phones) == 1:
            # The opening hours of the only number belong next to it: "toestel 123; ma t/m vr 9.00-17.00 uur".
            number, note = org.phones[0]
            org.phones[0] = (number, "; ".join(x for x in (note, text) if x))
        else:
            notes.append(f"Bereikbaar: {text}")
    org.phones.extend(p for p in contact_phones if p not in org.phones)
    emails.extend(contact_emails)
    org.contact = ", ".join(dict.fromkeys(c for c in contacts if c))
    org.address = "\n".join(dict.fromkeys(address_lines))
    emails = list(dict.fromkeys(emails))
    websites = list(dict.fromkeys(websites))
    if emails:
        org.email = emails[0]
        if emails[1:]:
            notes.append("Ook e-mail: " + ", ".join(emails[1:]))
    if websites:
        org.website = websites[0]
        if websites[1:]:
            notes.append("Ook website: " + ", ".join(websites[1:]))
    org.notes = "\n".join(dict.fromkeys(notes))
    org.kind = classify_kind(name)
    org.on_emergency_sheet = default_on_emergency_sheet(org.kind, name, org.phones)
    return org


def _known_links(blocks: list[_Block]) -> set[str]:
    """Every e-mail address and website the blocks' fields mention: link lines repeating them are leftovers."""
    known = set()
    for block in blocks:
        for f in block.fields:
            text = " ".join(f.values)
            known.update(emails_in(text))
            known.update(urls_in(text))
    return known


def _merge(into: ParsedOrganisation, other: ParsedOrganisation) -> None:
    for attribute in ("contact", "address", "email", "website"):
        if not getattr(into, attribute):
            setattr(into, attribute, getattr(other, attribute))
    into.phones.extend(p for p in other.phones if p not in into.phones)
    if other.notes and other.notes not in into.notes:
        into.notes = "\n".join(x for x in (into.notes, other.notes) if x)
    into.on_emergency_sheet = into.on_emergency_sheet or other.on_emergency_sheet


def parse_organisations(text: str) -> list[ParsedOrganisation]:
    """Every filled-in organisation in the text, in document order; the same organisation twice is merged."""
    lines = _read_lines(text)
    labelled = any(f.kind in (NAME, SELF) and not f.listed for line in lines for f in line.fields)
    if labelled:
        _promote_headings(lines)
    blocks = _group_labelled(lines) if labelled else _group_by_headings(lines)
    known = _known_links(blocks)
    result: dict[str, ParsedOrganisation] = {}
    for block in blocks:
        org = _build(block, known)
        if org is None:
            continue
        if org.key in result:
            _merge(result[org.key], org)
        else:
            result[org.key] = org
    return list(result.values())
