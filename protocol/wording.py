"""The school's own words: the names a meldcode file gives (report point, care team, attention officer, the acute
route) put in place of the national model's generic names in labels, buttons, choices, documents and e-mails.

The product's texts are written with the national names ("Veilig Thuis", "zorgteam", "aandachtsfunctionaris",
"Acute onveiligheid"). `Words.say()` replaces those with the names of the case's meldcode (or the school's
adopted meldcode where there is no case yet). The national emergency numbers (112, Veilig Thuis 0800-2000)
are not routed through here: they stay as they are beside the school's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext as _

# The national model's names as the product's texts use them.
GENERIC_REPORT_POINT = "Veilig Thuis"
GENERIC_CARE_TEAM = "zorgteam"
GENERIC_ATTENTION_OFFICER = "aandachtsfunctionaris"
GENERIC_ACUTE = "Acute onveiligheid"

# Bodies that were merged into Veilig Thuis in 2015 (Wmo 2015); a meldcode that still names them is shown with
# the body that exists today and a visible note.
OBSOLETE_REPORT_POINTS = re.compile(r"\bAMK\b|Advies- en Meldpunt Kindermishandeling|Steunpunt Huiselijk Geweld|"
                                    r"\bSHG\b", re.IGNORECASE)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _replacer(generic: str, name: str, *, ignore_case: bool = False):
    """A substitution of `generic` by `name` that never applies twice: when the name starts with the generic word
    ("Veilig Thuis Utrecht"), text that already says the name is left alone."""
    if not name or name == generic:
        return None
    lookahead = ""
    if name.lower().startswith(generic.lower()) and len(name) > len(generic):
        lookahead = f"(?!{re.escape(name[len(generic):])})"
    # Nor inside a longer name that contains the generic one ("intern begeleider (aandachtsfunctionaris)").
    lookbehind = ""
    if generic.lower() in name.lower() and not name.lower().startswith(generic.lower()):
        before = name[:name.lower().index(generic.lower())]
        lookbehind = f"(?<!{re.escape(before)})"
    pattern = re.compile(lookbehind + re.escape(generic) + lookahead, re.IGNORECASE if ignore_case else 0)

    def substitute(match):
        found = match.group(0)
        return _capitalised(name) if found[:1].isupper() and not name[:1].isupper() else name

    return pattern, substitute


@dataclass(frozen=True)
class Words:
    """The names one meldcode uses; empty names fall back to the national model's."""

    report_point: str = GENERIC_REPORT_POINT
    care_team: str = GENERIC_CARE_TEAM
    attention_officer: str = GENERIC_ATTENTION_OFFICER
    acute: str = GENERIC_ACUTE
    acute_guidance: str = ""
    acute_rule: str = ""
    # What the file named, when that body no longer exists (shown as Veilig Thuis with a note).
    obsolete_report_point: str = ""

    @property
    def report_point_note(self) -> str:
        if not self.obsolete_report_point:
            return ""
        return _("Uw meldcode noemt ‘%(old)s’. Die instantie bestaat niet meer: sinds 2015 is dat Veilig Thuis.") % {
            "old": self.obsolete_report_point}

    @cached_property
    def _substitutions(self):
        pairs = [_replacer(GENERIC_ACUTE, self.acute, ignore_case=True),
                 _replacer(GENERIC_REPORT_POINT, self.report_point),
                 _replacer(GENERIC_CARE_TEAM, self.care_team, ignore_case=True)]
        # The attention officer is not replaced in running text: the product names the role "Intern begeleider /
        # aandachtsfunctionaris" (accounts.roles), a role and not the meldcode's name for it. Forms that ask for the
        # attention officer use `attention_officer` themselves (the case-opening form's coordinator).
        return [pair for pair in pairs if pair is not None]

    def say(self, text) -> str:
        """`text` (a product string in the national names) in this meldcode's names."""
        if text is None:
            return text
        result = str(text)
        for pattern, substitute in self._substitutions:
            result = pattern.sub(substitute, result)
        return result

    def choices(self, choices) -> list[tuple]:
        """Choice pairs (also grouped ones) with their labels in this meldcode's names."""
        said = []
        for value, label in choices:
            if isinstance(label, (list, tuple)):
                said.append((value, self.choices(label)))
            else:
                said.append((value, self.say(label)))
        return said

    def label(self, choices_class, value) -> str:
        """The display of a TextChoices value in this meldcode's names (Route.ACUTE -> the school's acute route)."""
        labels = dict(choices_class.choices)
        return self.say(labels.get(value, value))

    def apply_to_form(self, form) -> None:
        """Every label, help text, choice and default text of a form in this meldcode's names."""
        for field in form.fields.values():
            if field.label:
                field.label = self.say(field.label)
            if field.help_text:
                field.help_text = self.say(field.help_text)
            if getattr(field, "choices", None) is not None and not hasattr(field, "queryset"):
                field.choices = self.choices(field.choices)
            if isinstance(field.initial, str):
                field.initial = self.say(field.initial)
        # form.initial is left alone: it holds what a person typed (a draft, a correction) or choice keys.


NATIONAL = Words()

_GENERIC = re.compile("|".join(re.escape(g) for g in (GENERIC_REPORT_POINT, GENERIC_CARE_TEAM, GENERIC_ACUTE)),
                      re.IGNORECASE)


def uses_generic_names(text) -> bool:
    """Whether a product text names something a meldcode may name otherwise."""
    return bool(text) and _GENERIC.search(str(text)) is not None


def words_for_definition(definition) -> Words:
    if definition is None:
        return NATIONAL
    names = definition.names
    report_point = (names.report_point or "").strip()
    obsolete = ""
    if report_point and OBSOLETE_REPORT_POINTS.search(report_point):
        obsolete, report_point = report_point, GENERIC_REPORT_POINT
    acute = definition.routes.acute
    return Words(
        report_point=report_point or GENERIC_REPORT_POINT,
        care_team=(names.care_team or "").strip() or GENERIC_CARE_TEAM,
        attention_officer=(names.attention_officer or "").strip() or GENERIC_ATTENTION_OFFICER,
        acute=(acute.title or "").strip() or GENERIC_ACUTE,
        acute_guidance=(acute.guidance or "").strip(),
        acute_rule=(acute.rule or "").strip(),
        obsolete_report_point=obsolete,
    )


def words_for_case(case) -> Words:
    if case is None:
        return NATIONAL
    return words_for_definition(case.definition())


def words_for_school(school) -> Words:
    """The words of the meldcode a new case of this school would start under."""
    if school is None:
        return NATIONAL
    from protocol.models import effective_version

    version = effective_version(school)
    return words_for_definition(version.definition()) if version is not None else NATIONAL


def words_for(obj) -> Words:
    """Words for a case, a school, a definition, or nothing (the national names)."""
    if obj is None or isinstance(obj, Words):
        return obj or NATIONAL
    if hasattr(obj, "names") and hasattr(obj, "routes"):
        return words_for_definition(obj)
    if hasattr(obj, "meldcode_version_id"):
        return words_for_case(obj)
    if hasattr(obj, "board_id") and hasattr(obj, "slug"):
        return words_for_school(obj)
    return NATIONAL
