"""Saving parsed organisations: one transaction, and a re-import updates instead of duplicating."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from socialmap import parser, values
from socialmap.models import Organisation, PhoneNumber

ACCEPT = "accept"
SKIP = "skip"

# (model field, ParsedOrganisation attribute)
_FIELDS = [
    ("name", "name"), ("kind", "kind"), ("contact_person", "contact"), ("address", "address"),
    ("email", "email"), ("website", "website"), ("notes", "notes"),
]


@dataclass
class ImportResult:
    created: list[Organisation] = field(default_factory=list)
    updated: list[Organisation] = field(default_factory=list)
    unchanged: list[Organisation] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "skipped": len(self.skipped)}


def _decision_for(decisions, index):
    if decisions is None:
        return ACCEPT
    if isinstance(decisions, Mapping):
        return decisions.get(index, ACCEPT)
    return decisions[index] if index < len(decisions) else ACCEPT


def apply_import(school, parsed_list: Sequence[parser.ParsedOrganisation], decisions=None, *,
                 actor=None, request=None) -> ImportResult:
    """Save the organisations on the school's sociale kaart, all or nothing.

    `decisions` lines up with `parsed_list` (a list, or a dict by index): "accept", "skip", or an edited
    ParsedOrganisation to save instead. None accepts everything. An organisation whose normalised name is
    already on the school's kaart is updated: values the document gives replace the old ones, values it
    lacks are kept. Its kind and emergency-sheet flag are guesses, so they only change by an edited
    decision (someone looked at them).
    Raises InvalidOrganisation (and saves nothing) when one of them cannot be saved.
    """
    from socialmap import auditing

    result = ImportResult()
    events = []
    with transaction.atomic():
        seen = {}
        for index, parsed in enumerate(parsed_list):
            decision = _decision_for(decisions, index)
            if decision == SKIP:
                result.skipped.append(parsed.name)
                continue
            reviewed = isinstance(decision, parser.ParsedOrganisation)
            item = decision if reviewed else parsed
            if not item.name.strip():
                result.skipped.append(parsed.name)
                continue
            _validate(item)
            key = values.normalise_name(item.name)
            if key in seen:  # the same organisation twice in one import: the later one wins
                organisation = seen[key]
            else:
                organisation = (Organisation.objects.select_for_update()
                                .filter(school=school, normalised_name=key).first())
            if organisation is None:
                organisation = _create(school, item)
                result.created.append(organisation)
                events.append(("socialmap.organisation_created", organisation, {"source": "import"}))
            else:
                changed = _update(organisation, item, overwrite_guesses=reviewed)
                if changed:
                    if organisation not in result.updated:
                        result.updated.append(organisation)
                    if organisation in result.unchanged:
                        result.unchanged.remove(organisation)
                    events.append(("socialmap.organisation_updated", organisation,
                                   {"source": "import", "fields": changed}))
                elif organisation not in result.updated and organisation not in result.created:
                    result.unchanged.append(organisation)
            seen[key] = organisation
        for action, organisation, details in events:
            auditing.record(action, organisation, actor=actor, request=request, details=details)
        if result.created or result.updated:
            auditing.record_import(school, result, actor=actor, request=request)
    return result


class InvalidOrganisation(ValueError):
    """An organisation that cannot be saved; the message is in Dutch and names it."""


def _validate(item: parser.ParsedOrganisation) -> None:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.utils.translation import gettext as _

    if item.kind not in parser.KINDS:
        raise InvalidOrganisation(_("%(name)s: onbekende soort organisatie.") % {"name": item.name})
    if item.email:
        try:
            validate_email(item.email)
        except ValidationError:
            raise InvalidOrganisation(_("%(name)s: '%(email)s' is geen geldig e-mailadres.")
                                      % {"name": item.name, "email": item.email}) from None


def _create(school, item: parser.ParsedOrganisation) -> Organisation:
    organisation = Organisation(school=school, on_emergency_sheet=item.on_emergency_sheet)
    for model_field, attribute in _FIELDS:
        setattr(organisation, model_field, _value(model_field, getattr(item, attribute)))
    organisation.save()
    _replace_phones(organisation, item.phones)
    return organisation


def _update(organisation: Organisation, item: parser.ParsedOrganisation, *, overwrite_guesses: bool) -> list[str]:
    """Apply the values the document gives; return the names of the fields that changed."""
    changed = []
    for model_field, attribute in _FIELDS:
        value = _value(model_field, getattr(item, attribute))
        if model_field == "kind" and not overwrite_guesses:
            continue  # the kind is guessed from the name; only a reviewed row may change a kind someone chose
        if value and value != getattr(organisation, model_field):
            setattr(organisation, model_field, value)
            changed.append(model_field)
    if overwrite_guesses and item.on_emergency_sheet != organisation.on_emergency_sheet:
        organisation.on_emergency_sheet = item.on_emergency_sheet
        changed.append("on_emergency_sheet")
    current = [(phone.number, phone.note) for phone in organisation.phones.all()]
    phones = [(number[:40], note[:200]) for number, note in item.phones]
    if phones and phones != current:
        _replace_phones(organisation, phones)
        changed.append("phones")
    if changed:
        organisation.save()
    return changed


def _value(model_field: str, value: str) -> str:
    value = (value or "").strip()
    limits = {"name": 200, "contact_person": 200, "website": 300, "email": 254}
    return value[: limits[model_field]] if model_field in limits else value


def _replace_phones(organisation: Organisation, phones) -> None:
    organisation.phones.all().delete()
    PhoneNumber.objects.bulk_create([
        PhoneNumber(organisation=organisation, number=number[:40], note=(note or "")[:200], position=position)
        for position, (number, note) in enumerate(phones)
    ])


def import_document(school, data: bytes, filename: str, *, actor=None, request=None) -> ImportResult:
    """Read, parse and save a document in one go (the command line without --dry-run)."""
    from socialmap.readers import read_document

    return apply_import(school, parser.parse_organisations(read_document(data, filename)),
                        actor=actor, request=request)
