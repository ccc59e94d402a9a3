"""Normalising what a sociale kaart says: organisation names, Dutch phone numbers (with the opening hours or notes
written beside them), e-mail addresses and websites, as they come out of a Word or PDF document typed by hand.
Pure Python, no Django (socialmap.parser reads the blocks; this reads the values in them)."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower case without accents, for comparing words."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def normalise_name(name: str) -> str:
    """The key two spellings of the same organisation share ("GGZ  Drenthe" and "ggz drenthe")."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(name)).split())


def collapse(text: str) -> str:
    return " ".join(text.split())


# Area codes with two digits after the 0; every other geographic number has three.
_SHORT_AREA_CODES = {
    "010", "013", "015", "020", "023", "024", "026", "030", "033", "035", "036", "038", "040", "043", "045",
    "046", "050", "053", "055", "058", "070", "071", "072", "073", "074", "075", "076", "077", "078", "079",
    "084", "085", "087", "088", "091",
}
_SERVICE_PREFIXES = ("0800", "0900", "0906", "0909")


def format_phone(digits: str) -> str:
    """Dutch notation for a number given as digits: 0528-230388, 043-8506666, 06-12345678, 0900-1231230."""
    if digits.startswith("0031"):
        digits = "0" + digits[4:]
    elif digits.startswith("31") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not digits.startswith("0") or len(digits) < 8:
        return digits
    if digits.startswith(_SERVICE_PREFIXES):
        return f"{digits[:4]}-{digits[4:]}"
    if len(digits) != 10:
        return digits
    if digits.startswith("06"):
        return f"06-{digits[2:]}"
    if digits[:3] in _SHORT_AREA_CODES:
        return f"{digits[:3]}-{digits[3:]}"
    return f"{digits[:4]}-{digits[4:]}"


# Opening hours look like numbers; take them out before looking for phone numbers.
_TIME_RANGE = re.compile(r"\b\d{1,2}[.:]\d{2}(?:\s*(?:uur|u)\b)?(?:\s*(?:-|\u2013|tot)\s*\d{1,2}[.:]\d{2}(?:\s*(?:uur|u)\b)?)?")
# The country code, written "+31" or "0031", counts as the 0 of the area code.
_DIGIT_GROUP = re.compile(r"(?P<country>(?:\+\s?|\b00)31[\s\-]?(?:\(0\)\s?)?(?=\d))|\d+")
_GROUP_SEPARATOR = re.compile(r"^(?: |-|\.|\u2013| - | \u2013 )$")


def numbers_in(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each phone number in `text`.

    Digit groups joined by a space or dash form a run; a run is cut where a number is complete, so that
    "020 1234567 06 12345678" gives two numbers.
    """
    masked = _TIME_RANGE.sub(lambda m: "#" * len(m.group()), text)
    groups = []  # [start, end, digits, joined to the previous group, is the country code]
    for match in _DIGIT_GROUP.finditer(masked):
        country_code = bool(match.group("country"))
        after_country_code = bool(groups) and groups[-1][4] and groups[-1][1] == match.start()
        if (match.start() and masked[match.start() - 1].isalnum() and match.group()[0] != "+"
                and not after_country_code):
            continue  # part of a word such as "A12"
        digits = "0" if country_code else match.group()
        joined = bool(groups) and bool(_GROUP_SEPARATOR.match(masked[groups[-1][1]:match.start()]))
        if groups and groups[-1][4]:
            joined = True  # the digits after +31
        groups.append([match.start(), match.end(), digits, joined, country_code])
    found = []
    index = 0
    while index < len(groups):
        start, end, digits, _joined, _country_code = groups[index]
        index += 1
        if digits == "112" and (index == len(groups) or not groups[index][3]):
            found.append((start, end, digits))
            continue
        if not digits.startswith("0"):
            continue
        while index < len(groups) and groups[index][3]:
            candidate = digits + groups[index][2]
            limit = 11 if candidate.startswith(_SERVICE_PREFIXES) or candidate in ("08", "09") else 10
            if len(candidate) > limit:
                break
            digits, end = candidate, groups[index][1]
            index += 1
        if len(digits) >= 8:
            found.append((start, end, digits))
    return found


def _clean_note(note: str) -> str:
    note = collapse(note).strip(" ,;/-\u2013:")
    # "tel." in front of or after the number says nothing about it.
    note = re.sub(r"^(tel(efoon)?(nr|nummer)?\.?)(?=[\s:]|$)|(?<=\s)tel(efoon)?\.?$", "", note, flags=re.I)
    note = note.strip(" ,;/-\u2013:")
    # Half of a bracket that holds the number itself, "(bgg 06 12345678)": the bracket is not part of the note.
    if note.startswith("(") and ")" not in note:
        note = note[1:].strip()
    if note.endswith(")") and "(" not in note:
        note = note[:-1].strip()
    if note.startswith("(") and note.endswith(")") and note.count("(") == 1:
        note = note[1:-1].strip()
    return note


def _split_between(text: str) -> tuple[str, str]:
    """Text between two numbers: (the note of the number before, the note of the number after).

    What follows the last separator belongs to the next number: "0528 123456 (receptie), spoed 06 ...";
    so does a bracket left open: "0592 395555 (bgg 06 12345678)".
    """
    opened = text.rfind("(")
    if opened > text.rfind(")"):
        # A bracket left open holds the next number; separated words in it before that belong to the first:
        # "(ma t/m vr 9.00 - 17.00 uur, daarbuiten 0800-2000)".
        inner = list(re.finditer(r"[,;]|\bof\b", text[opened + 1:]))
        if inner:
            cut = opened + 1 + inner[-1].start()
            return text[:opened] + " " + text[opened + 1:cut], text[opened + 1 + inner[-1].end():]
        return text[:opened], text[opened + 1:]
    # A separator inside a closed bracket does not split: "0800-2000 (24/7) 088 ..." has one note, "24/7".
    outside = re.sub(r"\([^()]*\)", lambda m: "(" + "_" * (len(m.group()) - 2) + ")", text)
    if outside.rstrip().endswith(":") and not re.search(r"[,;/()]", outside):
        return "", text  # "0900-8844 bij nood: 112": the words before the colon label the next number
    cuts = list(re.finditer(r"[,;/]|\bof\b", outside))
    if cuts:
        return text[:cuts[0].start()], text[cuts[-1].end():]
    closed = outside.rfind(")")
    if closed >= 0:
        return text[:closed + 1], text[closed + 1:]  # the bracket ends the note of the number before
    return text, ""


def parse_phones(value: str, qualifier: str = "") -> tuple[list[tuple[str, str]], str]:
    """The phone numbers in a field value with their notes, and any text that held no number.

    "088 2460244 (ma-vr 8.30 - 17.00)" gives [("088-2460244", "ma-vr 8.30 - 17.00")];
    "algemeen 0900-123 12 30" gives [("0900-1231230", "algemeen")].
    """
    value = collapse(value)
    value = re.sub(r"\((0\d{1,3})\)\s?", r"\1 ", value)  # "(0528) 23 03 88"
    numbers = numbers_in(value)
    if not numbers:
        leftover = value.strip(" -:")
        # A short number ("14 058", "14 0592 (gemeente)"): kept as written, with the words after it as its note.
        short = re.fullmatch(r"(\d[\d\s\-]{1,}\d)(\s*[(,;].*|\s+[^\W\d]\D*)?", leftover)
        if short:
            note = " ".join(x for x in (qualifier, _clean_note(short.group(2) or "")) if x)
            return [(short.group(1), _clean_note(note))], ""
        return [], leftover
    phones = []
    for index, (start, end, digits) in enumerate(numbers):
        before = value[numbers[index - 1][1]:start] if index else value[:start]
        after = value[end:numbers[index + 1][0]] if index + 1 < len(numbers) else value[end:]
        notes = []
        if qualifier:
            notes.append(qualifier)
        if index == 0:
            notes.append(before)
        else:
            notes.append(_split_between(before)[1])
        if index + 1 < len(numbers):
            after = _split_between(after)[0]
        notes.append(after)
        note = _clean_note(" ".join(n for n in (_clean_note(n) for n in notes) if n))
        number = format_phone(digits)
        if number == digits and len(digits) > 3:  # not a length we know: keep it as written
            number = re.sub(r"\s*([-\u2013])\s*", "-", value[start:end])
        phones.append((number, note))
    return phones, ""


EMAIL_RE = re.compile(r"[\w.+\-']+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
URL_RE = re.compile(r"(?:https?://|www\.)[^\s,;<>()]+|\b[\w\-]+(?:\.[\w\-]+)*\.(?:nl|com|org|net|info|eu|be)\b(?:/[^\s,;<>()]*)?",
                  re.IGNORECASE)


def normalise_email(value: str) -> str:
    value = value.strip().removeprefix("mailto:").strip(" .,;:<>()[]")
    return value.lower()


def normalise_website(value: str) -> str:
    """www.example.nl: without scheme or trailing slash, host in lower case; the path as written."""
    value = value.strip().strip(".,;:<>()[]")
    value = re.sub(r"^https?://", "", value, flags=re.IGNORECASE)
    host, _, path = value.partition("/")
    value = host.lower() + ("/" + path if path else "")
    return value.rstrip("/")


# "info (at) ggd.nl", "info[at]ggd.nl": spelled out against spam robots.
AT_SIGN_RE = re.compile(r"\s*[\[(]\s*(?:at|@)\s*[\])]\s*", re.IGNORECASE)


def emails_in(text: str) -> list[str]:
    text = AT_SIGN_RE.sub("@", text.replace("mailto:", " "))
    return [normalise_email(m) for m in EMAIL_RE.findall(text)]


def without_links(text: str) -> str:
    return URL_RE.sub(" ", EMAIL_RE.sub(" ", text.replace("mailto:", " ")))


def urls_in(text: str) -> list[str]:
    without_emails = EMAIL_RE.sub(" ", text)
    return [normalise_website(m) for m in URL_RE.findall(without_emails)]
