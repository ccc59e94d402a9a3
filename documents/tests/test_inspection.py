"""A parent's inspection: the coordinator reviews every entry and may withhold some, with a reason."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from documents.models import ExportJob, InspectionExport, WithheldItem
from documents.tests.conftest import flat, pdf_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    teacher = people[Role.LEERKRACHT]
    case = make_case(pupil, team=[teacher])
    own = add_entry(case, teacher, content={"observation": "Sanne huilde bij het ophalen."})
    neighbour = add_entry(case, teacher, content={"observation": "De buurvrouw hoort elke avond geschreeuw.",
                                                  "source": "Buurvrouw Jolanda"},
                          facts={"is_hypothesis": False, "has_source": True})
    return case, own, neighbour


def review(client, case, data):
    return client.post(reverse("documents:inspection", args=[case.reference]), data)


def test_a_withheld_entry_is_left_out_of_the_copy_with_its_ground_and_without_its_content(
        case, people, exporting_client):
    case, own, neighbour = case
    client = exporting_client(people[Role.IB])
    form = client.get(reverse("documents:inspection", args=[case.reference]))
    assert form.status_code == 200 and "De buurvrouw hoort elke avond geschreeuw." in form.content.decode()
    response = review(client, case, {
        "for_whom": "Marieke de Vries, moeder", f"withhold_{neighbour.pk}": "on",
        f"ground_{neighbour.pk}": "third_party", f"reason_{neighbour.pk}": "De buurvrouw wil niet genoemd worden."})
    assert response.status_code == 302
    job = ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))
    pages = pdf_pages(client.post(reverse("documents:download", args=[job.pk])).content)
    text = flat("\n".join(pages))
    assert "Sanne huilde bij het ophalen." in text
    assert "geschreeuw" not in text and "Jolanda" not in text and "wil niet genoemd" not in text
    assert "Informatie over of van anderen (derden)" in text
    assert "1 onderdelen" not in text and "Eén onderdeel van het dossier is achtergehouden." in text
    for page in pages:
        assert f"Geëxporteerd door {people[Role.IB].full_name}" in flat(page)
    inspection = InspectionExport.objects.get(case=case)
    assert inspection.for_whom == "Marieke de Vries, moeder"
    item = WithheldItem.objects.get(export=inspection)
    assert item.entry == neighbour and item.reason == "De buurvrouw wil niet genoemd worden."
    assert AuditEvent.objects.filter(action="export.inspection", case_id=case.pk).exists()


def test_the_reason_for_withholding_is_stored_encrypted(case, people, exporting_client):
    case, own, neighbour = case
    review(exporting_client(people[Role.IB]), case, {
        "for_whom": "Moeder", f"withhold_{neighbour.pk}": "on", f"ground_{neighbour.pk}": "endangers_child",
        f"reason_{neighbour.pk}": "Vader zou de buurvrouw bedreigen."})
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM documents_withhelditem")
        (raw,) = cursor.fetchone()
        cursor.execute("SELECT for_whom FROM documents_inspectionexport")
        (raw_for_whom,) = cursor.fetchone()
    assert "bedreigen" not in raw and "Moeder" not in raw_for_whom


def test_withholding_needs_a_ground_and_a_reason(case, people, exporting_client):
    case, own, neighbour = case
    response = review(exporting_client(people[Role.IB]), case, {"for_whom": "Moeder", f"withhold_{neighbour.pk}": "on"})
    assert response.status_code == 400
    assert "Kies de grond waarop u dit achterhoudt." in response.content.decode()
    assert not InspectionExport.objects.exists() and not ExportJob.objects.exists()


def test_a_copy_without_withheld_items_says_that_everything_is_included(case, people, exporting_client):
    case, own, neighbour = case
    client = exporting_client(people[Role.IB])
    review(client, case, {"for_whom": "Sanne de Vries (16 jaar)"})
    inspection = InspectionExport.objects.get(case=case)
    preview = client.get(reverse("documents:inspection_preview", args=[case.reference, inspection.pk]))
    assert "er is niets achtergehouden" in preview.content.decode()
    assert "De buurvrouw hoort elke avond geschreeuw." in preview.content.decode()


def test_a_withheld_entry_does_not_reveal_its_step_through_a_section_title(case, people, add_entry):
    from documents.exports import inspection_context

    case, own, neighbour = case
    report = add_entry(case, people[Role.IB], kind="report", content={"what_reported": "Gemeld."}, facts={})
    inspection = InspectionExport.objects.create(case=case, created_by=people[Role.IB], for_whom="Moeder")
    WithheldItem.objects.create(export=inspection, entry=report, ground="endangers_child", reason="Veiligheid.")
    titles = [section.title for section in inspection_context(inspection)["sections"]]
    assert not any("5b" in title or "Melden" in title for title in titles)
    assert titles[-1] == "Achtergehouden onderdelen"
