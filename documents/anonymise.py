"""Removing names and identifying details from dossier text, for anonymous advice and care-team talks.

Pure Python: the caller lists the names it knows (pupil, parents, siblings, staff, school, contact persons)
with the role word that replaces each; everything that looks like an e-mail address, phone number,
postcode or date is replaced too. Names the app does not know (a neighbour, an aunt) cannot be found:
the document tells the reader to check for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

# Dutch surname prefixes: "de Vries" is also found as "Vries" on its own.
SURNAME_PREFIXES = {"de", "den", "der", "van", "von", "het", "te", "ten", "ter", "la", "le", "du", "el", "al", "'t",
                    "in", "op", "uit", "vd", "v.d."}
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Dutch numbers: 06-12345678, 0528-123456, +31 6 1234 5678, (050) 123 45 67. Short service numbers
# such as 0800-2000 and 112 stay: they identify nobody.
PHONE = re.compile(r"(?<![\w+])(?:\+31|0031|\(?0)[\d\s()-]{6,16}\d(?!\d)")
PHONE_MIN_DIGITS = 9  # a Dutch number has ten digits; service numbers such as 0800-2000 have fewer
POSTCODE = re.compile(r"\b\d{4}\s?[A-Z]{2}\b")
BSN_LIKE = re.compile(r"(?<!\d)\d{9}(?!\d)")
NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)")
ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
WRITTEN_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")(?:\s+(\d{4}))?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Name:
    """A known name and the words that replace it."""

    full: str
    role: str  # replaces the full name and the first name, e.g. "moeder", "het kind", "de leerkracht"
    surname_word: str = "[naam]"  # replaces the surname on its own ("mevrouw De Vries")


def name_variants(name: Name) -> list[tuple[str, str]]:
    """(text to find, replacement) for a person's full name, first name and surname."""
    words = name.full.split()
    if not words:
        return []
    variants = [(name.full, name.role)]
    if len(words) > 1:
        variants.append((words[0], name.role))
        surname_words = words[1:]
        variants.append((" ".join(surname_words), name.surname_word))
        core = [w for w in surname_words if w.lower() not in SURNAME_PREFIXES]
        if core and core != surname_words:
            variants.append((" ".join(core), name.surname_word))
    return [(text, replacement) for text, replacement in variants if len(text) >= 2]


def school_name_variants(name: str) -> list[str]:
    """'C.B.S. De Sprong' is also written 'CBS De Sprong', 'basisschool De Sprong' and 'De Sprong'."""
    variants = {name}
    stripped = re.sub(r"^(?:[a-z]\.)*[a-z]\.?\s+|^(?:cbs|obs|pcbs|rkbs|ikc|basisschool|school)\s+", "", name,
                      flags=re.IGNORECASE).strip()
    if stripped and stripped != name:
        variants.add(stripped)
    return [v for v in variants if len(v) >= 3]


class Anonymiser:
    """Replaces known names, contact details and dates in free text."""

    def __init__(self, replacements: Iterable[tuple[str, str]], *, origin: date):
        pairs: dict[str, str] = {}
        # Longest first, so that a full name wins over the first name inside it.
        for text, replacement in sorted(replacements, key=lambda pair: -len(pair[0])):
            pairs.setdefault(text.lower(), replacement)
        self.replacements = pairs
        self.origin = origin
        if pairs:
            alternatives = "|".join(re.escape(text) for text in sorted(pairs, key=len, reverse=True))
            # A trailing possessive s ("Sannes", "Sanne's") belongs to the name.
            self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?:['’]s|s)?(?!\w)", re.IGNORECASE)
        else:
            self.pattern = None

    # --- dates ---------------------------------------------------------------------------------------------

    def day(self, moment: date | datetime) -> str:
        """A date as a day relative to the start of the case: 'dag 0', 'dag 3', 'dag -2'."""
        if isinstance(moment, datetime):
            moment = moment.date()
        return _("dag %(n)s") % {"n": (moment - self.origin).days}

    @staticmethod
    def age(date_of_birth: date, on: date) -> str:
        years = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
        return _("%(years)s jaar") % {"years": years}

    def _relative(self, year: int, month: int, day: int) -> str:
        try:
            return self.day(date(year, month, day))
        except ValueError:
            return _("[datum]")

    # --- text ----------------------------------------------------------------------------------------------

    def text(self, value) -> str:
        if value is None:
            return ""
        text = str(value)
        if self.pattern is not None:
            text = self.pattern.sub(self._replace_name, text)
        text = EMAIL.sub(_("[e-mailadres]"), text)
        text = ISO_DATE.sub(lambda m: self._relative(int(m[1]), int(m[2]), int(m[3])), text)
        text = NUMERIC_DATE.sub(self._numeric_date, text)
        text = WRITTEN_DATE.sub(self._written_date, text)
        text = PHONE.sub(self._phone, text)
        text = POSTCODE.sub(_("[postcode]"), text)
        text = BSN_LIKE.sub(_("[nummer]"), text)
        return text

    def _replace_name(self, match: re.Match) -> str:
        found = match.group(0)
        key = found.lower()
        replacement = self.replacements.get(key)
        if replacement is None:  # matched with a possessive s
            key = re.sub(r"(?:['’]s|s)$", "", key)
            replacement = self.replacements.get(key, _("[naam]"))
        if _starts_sentence(match.string, match.start()) and replacement[:1].islower():
            replacement = replacement[0].upper() + replacement[1:]
        return replacement

    @staticmethod
    def _phone(match: re.Match) -> str:
        digits = sum(ch.isdigit() for ch in match.group(0))
        return _("[telefoonnummer]") if digits >= PHONE_MIN_DIGITS else match.group(0)

    def _numeric_date(self, match: re.Match) -> str:
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        if year < 100:
            year += 2000
        return self._relative(year, month, day)

    def _written_date(self, match: re.Match) -> str:
        if not match[3]:
            return _("[datum]")
        return self._relative(int(match[3]), MONTHS.index(match[2].lower()) + 1, int(match[1]))


def _starts_sentence(text: str, position: int) -> bool:
    before = text[:position].rstrip(" \t")
    return not before or before[-1] in ".!?\n:"
