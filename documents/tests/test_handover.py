"""The warm handover to another school and the onderwijskundig rapport's safeguarding paragraph."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Entry
from core.testing import with_key
from documents.models import ExportJob
from documents.tests.conftest import flat, pdf_pages

pytestmark = pytest.mark.django_db

PARAGRAPH = "Sanne heeft baat bij een vaste mentor; er is hulp van het wijkteam via het gezin."


def handover_post(**changes):
    return with_key({
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "receiving_school": "Het Noordercollege",
        "discussed_with": "Peter Jansen, zorgcoördinator", "discussed_on": timezone.localdate().isoformat(),
        "basis": "consent", "shared": "Dat er zorgen waren over de thuissituatie en dat er hulp is.",
        "parents_told": "Moeder weet wat gedeeld is en heeft ingestemd.", "safety_paragraph": PARAGRAPH,
        "action": "save", **changes})


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    add_entry(case, people[Role.LEERKRACHT], content={"observation": "Een blauwe plek op de arm."})
    return case


def record(client, case, **changes):
    return client.post(reverse("cases:new_entry", args=[case.reference, "handover"]), handover_post(**changes))


def test_a_coordinator_records_a_handover_with_school_person_date_basis_and_what_parents_were_told(
        case, people, verified_client):
    response = record(verified_client(people[Role.IB]), case)
    assert response.status_code == 302
    handover = Entry.objects.get(case=case, kind="handover")
    assert handover.is_saved and handover.facts["basis"] == "consent"
    assert handover.facts["discussed_on"] == timezone.localdate().isoformat()
    assert handover.content["receiving_school"] == "Het Noordercollege"
    assert handover.content["parents_told"].startswith("Moeder weet")


def test_the_handover_pdf_holds_the_paragraph_and_a_copy_for_the_parents_and_is_audited(
        case, people, exporting_client):
    client = exporting_client(people[Role.IB])
    record(client, case)
    handover = Entry.objects.get(case=case, kind="handover")
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    url = reverse("documents:handover", args=[case.reference, handover.pk])
    assert url in page
    preview = client.get(url)
    assert preview.status_code == 200 and PARAGRAPH in preview.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    job = ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))
    assert job.kind == "handover" and job.case == case
    pages = pdf_pages(client.post(reverse("documents:download", args=[job.pk])).content)
    text = flat("\n".join(pages))
    assert "Onderwijskundig rapport — veiligheidsparagraaf" in text
    assert PARAGRAPH in text and "Het Noordercollege" in text and "Peter Jansen, zorgcoördinator" in text
    assert "Toestemming van de ouder(s) met gezag" in text
    assert "Kopie voor de ouders." in text and text.count(PARAGRAPH) == 2
    assert "Blauwe plek" not in text  # only the handover, not the dossier
    assert AuditEvent.objects.filter(action="export.handover", case_id=case.pk,
                                     actor_id=people[Role.IB].pk).exists()
    assert AuditEvent.objects.filter(action="export.download", case_id=case.pk).exists()


def test_the_handover_pdf_asks_for_reauthentication_first(case, people, verified_client):
    client = verified_client(people[Role.IB])
    record(client, case)
    handover = Entry.objects.get(case=case, kind="handover")
    response = client.post(reverse("documents:handover", args=[case.reference, handover.pk]))
    assert response.status_code == 302 and "/export/" not in response["Location"]
    assert not ExportJob.objects.exists()


def test_a_teacher_cannot_record_a_handover_nor_make_its_pdf(case, people, verified_client, exporting_client):
    record(exporting_client(people[Role.IB]), case)
    handover = Entry.objects.get(case=case, kind="handover")
    teacher = exporting_client(people[Role.LEERKRACHT])
    assert record(teacher, case).status_code == 404
    assert teacher.get(reverse("documents:handover", args=[case.reference, handover.pk])).status_code == 404
    assert teacher.post(reverse("documents:handover", args=[case.reference, handover.pk])).status_code == 404
    assert not ExportJob.objects.exists()


def test_only_a_handover_entry_makes_a_handover_pdf(case, people, exporting_client):
    client = exporting_client(people[Role.IB])
    signal = Entry.objects.get(case=case, kind="signal")
    assert client.post(reverse("documents:handover", args=[case.reference, signal.pk])).status_code == 404


def test_a_handover_dated_in_the_future_or_without_receiving_school_is_refused_and_nothing_is_stored(
        case, people, verified_client):
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    response = record(verified_client(people[Role.DIRECTIE]), case, discussed_on=tomorrow, receiving_school="")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Er is een probleem" in body
    assert "Deze datum ligt in de toekomst." in body and "Dit veld is verplicht." in body
    assert not Entry.objects.filter(case=case, kind="handover").exists()
