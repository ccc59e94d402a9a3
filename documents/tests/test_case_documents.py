"""The documents made from one dossier, through the pages a coordinator uses."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Signature
from documents.models import ExportJob
from documents.tests.conftest import flat, pdf_metadata, pdf_pages
from vault.models import StoredFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    """A case with a signal, a hypothesis from someone else, a correction, a consultation and a signed talk."""
    teacher, ib = people[Role.LEERKRACHT], people[Role.IB]
    case = make_case(pupil, team=[teacher, ib])
    start = timezone.now() - timedelta(days=10)
    first = add_entry(case, teacher, content={"place": "Klas", "observation": "Blauwe plek op de linkerarm."},
                      when=start)
    add_entry(case, teacher, content={"place": "Plein", "observation": "Zij zou thuis geslagen worden.",
                                      "source": "Overblijfmoeder"},
              facts={"is_hypothesis": True, "has_source": True}, when=start + timedelta(days=1))
    add_entry(case, teacher, content={"place": "Klas", "observation": "Blauwe plek op de rechterarm.",
                                      "correction_reason": "Verkeerde arm genoteerd."},
              when=start, corrects=first)
    add_entry(case, ib, kind="consultation", content={"question": "Wat nu?", "advice": "Gesprek met moeder voeren."},
              facts={"with": "veilig_thuis", "anonymous": True}, when=start + timedelta(days=2))
    talk = add_entry(case, ib, kind="conversation", content={
        "participants": "Marieke de Vries, moeder", "facts_presented": "De blauwe plek.",
        "reaction": "Moeder zegt dat Sanne van de fiets viel."},
        facts={"purpose": "parent", "roles_present": ["ib"], "child_present": False, "signed": False},
        when=start + timedelta(days=3))
    Signature.objects.create(entry=talk, participant="Marieke de Vries", recorded_by=ib, signed_at=timezone.now())
    return case


def export(client, case, document):
    response = client.post(reverse("documents:case_document", args=[case.reference, document]))
    assert response.status_code == 302, response.status_code
    job = ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))
    return job


def download(client, job):
    response = client.post(reverse("documents:download", args=[job.pk]))
    assert response.status_code == 200
    return response.content


def test_the_dossier_pdf_holds_the_chronology_with_corrections_signatures_and_the_meldcode(
        case, people, exporting_client):
    ib = people[Role.IB]
    client = exporting_client(ib)
    job = export(client, case, "dossier")
    assert job.status == ExportJob.Status.DONE and job.progress == 100
    page = client.get(reverse("documents:job", args=[job.pk]))
    assert b"Download de pdf" in page.content and b'http-equiv="refresh"' not in page.content
    data = download(client, job)
    pages = pdf_pages(data)
    text = flat("\n".join(pages))
    assert "Blauwe plek op de linkerarm." in text and "Blauwe plek op de rechterarm." in text
    assert "Verkeerde arm genoteerd." in text
    assert "Marieke de Vries: getekend" in text
    assert "landelijk model 2019" in text and "versie 2019.2" in text
    assert "Stap 1:" in text and "Stap 3:" in text
    for page_text in pages:
        assert f"Geëxporteerd door {ib.full_name} op" in flat(page_text)
        assert "Vertrouwelijk" in page_text
    assert 'pdfaid:part="3"' in pdf_metadata(data)  # archival PDF/A-3


def test_a_download_is_possible_once_and_then_the_file_is_gone(case, people, exporting_client):
    client = exporting_client(people[Role.IB])
    job = export(client, case, "dossier")
    stored_pk = job.result_id
    download(client, job)
    assert not StoredFile.objects.filter(pk=stored_pk).exists()
    assert client.post(reverse("documents:download", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ExportJob.Status.COLLECTED
    assert AuditEvent.objects.filter(action="export.download", case_id=case.pk).count() == 1


def test_each_export_is_audited_under_its_own_action(case, people, exporting_client):
    client = exporting_client(people[Role.IB])
    for document, action in (("dossier", "export.dossier_pdf"), ("veilig-thuis", "export.vt_summary"),
                             ("anoniem", "export.anonymised")):
        export(client, case, document)
        assert AuditEvent.objects.filter(action=action, case_id=case.pk, actor_id=people[Role.IB].pk).exists()


def test_the_veilig_thuis_summary_marks_what_comes_from_others(case, people, exporting_client):
    client = exporting_client(people[Role.IB])
    preview = client.get(reverse("documents:case_document", args=[case.reference, "veilig-thuis"]))
    assert preview.status_code == 200
    text = flat("\n".join(pdf_pages(download(client, export(client, case, "veilig-thuis")))))
    assert "Van anderen: Overblijfmoeder" in text
    assert "Van anderen: advies van Veilig Thuis" in text
    assert "Moeder zegt dat Sanne van de fiets viel." in text
    # The corrected version is the one to read out.
    assert "Blauwe plek op de rechterarm." in text and "linkerarm" not in text


def test_the_veilig_thuis_summary_holds_the_plan_and_who_does_what(case, people, exporting_client, add_entry):
    """Veilig Thuis asks what the school has arranged and who does what: the summary holds the handelingsplan of
    the help and of the plan entry, and the taakverdeling (tasks given to a party, the help's case manager, who
    keeps the plan, the open actions), under Dutch headings. A corrected task division shows only its new version."""
    from cases.models import Task

    ib = people[Role.IB]
    soon = timezone.localdate() + timedelta(days=30)
    add_entry(case, ib, kind="help", content={
        "help_description": "Opvoedondersteuning thuis.", "provider_other": "Wijkteam Noord",
        "case_manager": "Petra Jansen, wijkteam", "plan": "Wekelijks huisbezoek; moeder leert de driftbuien opvangen.",
        "monitoring": "Elke twee weken een gesprek met de ib'er."}, facts={"deadline": soon.isoformat()})
    add_entry(case, ib, kind="plan", content={
        "goals": "Sanne komt uitgerust en verzorgd op school.", "actions": "De leerkracht houdt een logboek bij.",
        "who": "intern begeleider"}, facts={"evaluate_on": [soon.isoformat()], "who": "ib"})
    first = add_entry(case, ib, kind="assignment", content={"task": "Het gesprek met de ouder", "party": "de leerkracht"},
                      facts={"task": "3", "party": "leerkracht"})
    add_entry(case, ib, kind="assignment", content={"task": "Het gesprek met de ouder", "party": "het wijkteam",
                                                    "agreement": "Besloten in het zorgteam.",
                                                    "correction_reason": "Het wijkteam neemt het over."},
              facts={"task": "3", "party": "wijkteam"}, corrects=first)
    Task.objects.create(case=case, kind=Task.Kind.MONITOR, due_on=soon, assignee=ib)
    Task.objects.create(case=case, kind=Task.Kind.HYPOTHESIS, due_on=soon, assignee=ib,
                        done_at=timezone.now())  # done: not in the task division
    client = exporting_client(ib)
    text = flat("\n".join(pdf_pages(download(client, export(client, case, "veilig-thuis")))))
    plan = text.index("5. Plan van aanpak")
    division = text.index("6. Taakverdeling: wie doet wat")
    assert plan < division
    plans, tasks = text[plan:division], text[division:]
    assert "Wekelijks huisbezoek; moeder leert de driftbuien opvangen." in plans
    assert "Sanne komt uitgerust en verzorgd op school." in plans and "De leerkracht houdt een logboek bij." in plans
    assert "Hulp: Opvoedondersteuning thuis. Wijkteam Noord" in tasks
    assert "Casusregisseur: Petra Jansen, wijkteam" in tasks
    assert "Het gesprek met de ouder het wijkteam" in tasks and "Besloten in het zorgteam." in tasks
    assert "de leerkracht" not in tasks  # the corrected task division
    assert "Regie op het handelingsplan intern begeleider" in tasks
    assert f"Evaluatie op {soon.strftime('%d-%m-%Y')}" in tasks
    assert f"Monitoringsmoment hulp {ib.full_name} {soon.strftime('%d-%m-%Y')}" in tasks
    assert "Open hypothese" not in tasks


def test_without_recent_reauthentication_an_export_asks_for_it_first(case, people, verified_client):
    client = verified_client(people[Role.IB])
    response = client.post(reverse("documents:case_document", args=[case.reference, "dossier"]))
    assert response.status_code == 302 and reverse("accounts:reauth") in response["Location"]
    preview = client.get(reverse("documents:case_document", args=[case.reference, "dossier"]))
    assert preview.status_code == 302 and reverse("accounts:reauth") in preview["Location"]
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("role", [Role.BESTUUR, Role.PRIVACY, Role.BEHEER])
def test_roles_without_the_export_right_get_404(case, people, exporting_client, role):
    client = exporting_client(people[role])
    for document in ("dossier", "veilig-thuis", "anoniem"):
        url = reverse("documents:case_document", args=[case.reference, document])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert client.get(reverse("documents:inspection", args=[case.reference])).status_code == 404
    assert not ExportJob.objects.exists()


def test_a_teacher_on_the_team_who_does_not_coordinate_cannot_export(case, people, exporting_client):
    client = exporting_client(people[Role.LEERKRACHT])
    assert client.post(reverse("documents:case_document", args=[case.reference, "dossier"])).status_code == 404


def test_someone_else_cannot_open_or_download_my_export(case, people, exporting_client):
    job = export(exporting_client(people[Role.IB]), case, "dossier")
    other = exporting_client(people[Role.DIRECTIE])  # may export this case, but did not ask for this file
    assert other.get(reverse("documents:job", args=[job.pk])).status_code == 404
    assert other.post(reverse("documents:download", args=[job.pk])).status_code == 404


def test_exports_are_rate_limited_with_a_dutch_message(case, people, exporting_client, settings):
    settings.DOCUMENTS_EXPORT_RATE = "2/h"
    client = exporting_client(people[Role.IB])
    url = reverse("documents:case_document", args=[case.reference, "dossier"])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    refused = client.post(url)
    assert refused.status_code == 429
    assert "Te veel exports" in refused.content.decode()
    assert ExportJob.objects.count() == 2


def test_a_pending_export_page_refreshes_itself(case, people, verified_client):
    job = ExportJob.objects.create(kind="dossier_pdf", case=case, school=case.school, requested_by=people[Role.IB])
    page = verified_client(people[Role.IB]).get(reverse("documents:job", args=[job.pk]))
    assert page.status_code == 200
    assert b'<meta http-equiv="refresh" content="2">' in page.content


def test_files_not_downloaded_within_a_day_are_deleted(case, people, exporting_client):
    from documents.exports import purge_expired

    job = export(exporting_client(people[Role.IB]), case, "dossier")
    stored_pk = job.result_id
    assert purge_expired() == 0
    assert purge_expired(timezone.now() + timedelta(hours=25)) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and job.result is None
    assert not StoredFile.objects.filter(pk=stored_pk).exists()


def test_destroying_a_dossier_also_removes_its_generated_files(case, people, exporting_client):
    from cases.models import Case
    from cases.retention import destroy

    job = export(exporting_client(people[Role.IB]), case, "dossier")
    stored_pk = job.result_id
    Case.objects.filter(pk=case.pk).update(status="closed")
    destroy(Case.objects.get(pk=case.pk))
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert not StoredFile.objects.filter(pk=stored_pk).exists()


def test_a_diagnosis_in_the_dossier_pdf_carries_the_qualification_mark(case, people, exporting_client, add_entry):
    ib = people[Role.IB]
    add_entry(case, ib, content={"place": "Klas", "observation": "Stil.", "diagnosis": "Hechtingsproblematiek."},
              facts={"is_hypothesis": False, "has_source": False, "diagnosis_qualified": True})
    add_entry(case, ib, content={"place": "Klas", "observation": "Druk.", "diagnosis": "ADHD."},
              facts={"is_hypothesis": False, "has_source": False, "diagnosis_qualified": False})
    client = exporting_client(ib)
    text = flat("\n".join(pdf_pages(download(client, export(client, case, "dossier")))))
    assert "Vastgesteld door een daartoe bevoegde professional" in text
    assert "Let op: vastgelegd door iemand die de directie niet als bevoegd voor diagnoses heeft" in text
