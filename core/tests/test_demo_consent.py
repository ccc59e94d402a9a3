"""The demo's consent is recorded as the form records it: the parent chosen from the pupil's guardians, with gezag
(BW 1:245, 1:251), so that what a trial sees in the demo is what the product does with real data."""

from io import StringIO

from django.core.management import call_command

from cases import journal
from cases.models import Case, Entry


def test_the_demo_consent_names_a_guardian_with_gezag_and_counts(db):
    call_command("seed_demo", stdout=StringIO())
    case = Case.objects.get(pupil__first_name="Sanne", pupil__student_number="1001")
    consent = Entry.objects.get(case=case, kind="consent")
    assert "given_by" not in consent.content
    assert consent.content["guardians"] == ["Marieke de Vries (moeder, heeft gezag)"]
    mother = case.pupil.guardians.get(name="Marieke de Vries")
    assert consent.facts["guardians_with_authority"] == [mother.pk]
    assert journal.consent_status(case) == "given"
