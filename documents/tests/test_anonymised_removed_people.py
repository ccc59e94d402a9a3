"""People who are no longer around the pupil or the school stay anonymous in the dossier's anonymised summary:
a parent removed from the pupil's record, and staff who lost their role at the school."""

import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from cases.models import Signature
from documents.dossier import case_header
from documents.exports import anonymised_context
from documents.models import ExportJob
from documents.tests.conftest import flat, pdf_pages
from schools.models import Guardian

pytestmark = pytest.mark.django_db


def anonymised_text(case) -> str:
    html = render_to_string("documents/anonymised.html", {**anonymised_context(case), "layout": "documents/pdf.html"})
    return re.sub(r"<[^>]+>", " ", html)


def anonymised_pdf_text(client, case) -> str:
    response = client.post(reverse("documents:case_document", args=[case.reference, "anoniem"]))
    job = ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))
    return flat("\n".join(pdf_pages(client.post(reverse("documents:download", args=[job.pk])).content)))


def named(text: str, *words: str) -> list[str]:
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.IGNORECASE)]


def leave_school(user, school):
    Membership.objects.filter(user=user, school=school).delete()


@pytest.fixture
def start():
    return timezone.now() - timedelta(days=5)


def test_a_removed_guardian_no_longer_shows_on_the_pupil_page_but_the_summary_still_contains_none_of_her_name(
        make_case, pupil, people, add_entry, start, exporting_client, verified_client):
    ib = people[Role.IB]
    marieke = Guardian.objects.create(pupil=pupil, name="Marieke Bakker", relation="moeder",
                                      address="Kerkstraat 12", phone="06-12345678")
    case = make_case(pupil, team=[ib])
    add_entry(case, ib, kind="conversation", content={
        "participants": "Marieke Bakker, moeder", "facts_presented": "De blauwe plek.",
        "reaction": "Marieke zegt dat mevrouw Bakker van de buren het zag; zij woont op Kerkstraat 12."},
        facts={"purpose": "parent", "roles_present": ["ib"], "child_present": False, "signed": False}, when=start)
    Signature.objects.create(entry=case.entries.get(), participant="Marieke Bakker", recorded_by=ib,
                             signed_at=timezone.now())

    beheerder = verified_client(people[Role.BEHEER])
    beheerder.post(reverse("schools:guardian_delete", args=[case.school.slug, pupil.pk, marieke.pk]))
    page = beheerder.get(reverse("schools:pupil", args=[case.school.slug, pupil.pk]))
    assert page.context["guardians"] == []
    assert "Nog geen ouders of verzorgers vastgelegd." in page.text

    for text in (anonymised_text(case), anonymised_pdf_text(exporting_client(ib), case)):
        assert named(text, "Marieke Bakker", "Marieke", "Bakker", "Kerkstraat 12") == []
        assert "moeder zegt" in text.lower()


def test_the_dossier_header_lists_only_the_current_guardians(make_case, pupil, people):
    Guardian.objects.create(pupil=pupil, name="Marieke Bakker", relation="moeder").remove()
    Guardian.objects.create(pupil=pupil, name="Kees de Vries", relation="vader")
    case = make_case(pupil)
    assert [g.name for g in case_header(case)["guardians"]] == ["Kees de Vries"]


def test_a_removed_staff_members_name_as_author_of_an_entry_stays_scrubbed(
        make_case, school, pupil, people, add_entry, make_user, start):
    fatima = make_user(Role.LEERKRACHT, school, name="Fatima Yilmaz")
    case = make_case(pupil)
    add_entry(case, fatima, content={"place": "Klas", "observation": "Blauwe plek op de arm."}, when=start)
    add_entry(case, people[Role.IB], content={
        "place": "Gang", "observation": "Juf Fatima vertelde dat Fatima Yilmaz de plek ook bij gym zag."},
        when=start + timedelta(days=1))
    leave_school(fatima, school)

    text = anonymised_text(case)
    assert named(text, "Fatima Yilmaz", "Fatima", "Yilmaz") == []
    assert "een medewerker" in text


def test_a_signer_the_coordinator_and_the_staff_member_concerned_stay_scrubbed_after_leaving_the_school(
        make_case, school, pupil, people, add_entry, make_user, start):
    signer = make_user(Role.LEERKRACHT, school, name="Johan Mulder")
    coordinator = make_user(Role.IB, school, name="Ilse Kramer")
    concerned = make_user(Role.LEERKRACHT, school, name="Rob Hendriks")
    case = make_case(pupil, route="staff", coordinator=coordinator, subject_staff=concerned)
    talk = add_entry(case, people[Role.DIRECTIE], kind="conversation", content={
        "participants": "Johan Mulder, Ilse Kramer", "facts_presented": "Wat meester Rob Hendriks deed.",
        "reaction": "Meester Hendriks ontkent; mevrouw Kramer en meneer Mulder noteren het."},
        facts={"purpose": "parent", "roles_present": ["directie"], "child_present": False, "signed": False},
        when=start)
    Signature.objects.create(entry=talk, participant="Johan Mulder", user=signer, recorded_by=coordinator,
                             signed_at=timezone.now())
    for person in (signer, coordinator, concerned):
        leave_school(person, school)

    text = anonymised_text(case)
    assert named(text, "Johan Mulder", "Johan", "Mulder", "Ilse Kramer", "Ilse", "Kramer",
                 "Rob Hendriks", "Rob", "Hendriks") == []
