"""The school's words everywhere (issue 13): the names a meldcode file gives (report point, care team, attention
officer, acute route) appear in forms, buttons, choices, documents and e-mails; the national numbers stay beside
them. De Vlinder's file (protocol/definitions/examples/de-vlinder.yaml) names its report point "Veilig Thuis
Utrecht" and its care team "RET (regionaal expertiseteam)"; De Sprong's file names its acute route "Noodsituatie"."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.case_forms import OpenCaseForm
from cases.forms import ConsultationForm, ReportForm
from cases.models import Case, CaseMember, EntryKind, Route, Task
from cases.notifications import send_due_reminders
from protocol.definition import shipped_path
from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions, store_version
from protocol.wording import words_for_definition

VLINDER = shipped_path("landelijk-2019").parent / "examples" / "de-vlinder.yaml"


@pytest.fixture
def vlinder(school, people):
    version = store_version(VLINDER.read_text(encoding="utf-8"), filename="de-vlinder.yaml", school=school,
                            uploaded_by=people[Role.DIRECTIE])
    adopt(school, version, people[Role.DIRECTIE])
    return version


def shipped(key):
    ensure_shipped_versions()
    return MeldcodeVersion.objects.get(key=key, owner_school__isnull=True, owner_board__isnull=True)


def open_case(version, pupil, people, **extra):
    case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=version, opened_by=people[Role.IB],
                               coordinator=people[Role.IB], **extra)
    for role in (Role.IB, Role.LEERKRACHT):
        CaseMember.objects.create(case=case, user=people[role])
    return case


def test_the_report_form_names_the_schools_report_point(vlinder, pupil, people, verified_client):
    case = open_case(vlinder, pupil, people)
    response = verified_client(people[Role.IB]).get(reverse("cases:new_entry", args=[case.reference, "report"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Contactpersoon bij Veilig Thuis Utrecht" in page
    assert "Kenmerk van Veilig Thuis Utrecht" in page
    assert "Besluit 5b: melding bij Veilig Thuis Utrecht" in page  # the page title and heading
    form = ReportForm(case=case, definition=case.definition())
    labels = [str(field.label) for field in form.fields.values()]
    assert "Contactpersoon bij Veilig Thuis Utrecht" in labels
    assert not any(re.search(r"Veilig Thuis(?! Utrecht)", label) for label in labels)


def test_the_consultation_choices_name_the_schools_care_team_and_report_point(vlinder, pupil, people):
    case = open_case(vlinder, pupil, people)
    form = ConsultationForm(case=case, definition=case.definition())
    choices = dict(form.fields["with_"].choices)
    assert choices["care_team"] == "Het RET (regionaal expertiseteam)"
    assert choices["veilig_thuis"] == "Veilig Thuis Utrecht"


def test_a_validation_message_uses_the_schools_care_team(vlinder, pupil, people):
    case = open_case(vlinder, pupil, people)
    form = ConsultationForm({"occurred_at": timezone.now().strftime("%Y-%m-%dT%H:%M"), "with_": "care_team",
                             "anonymous": "0", "question": "Vraag", "advice": "Advies"},
                            case=case, definition=case.definition())
    assert not form.is_valid()
    assert "in het RET (regionaal expertiseteam)" in " ".join(form.errors["anonymous"])


def test_a_school_on_the_national_model_keeps_the_national_names(adopted, pupil, people):
    case = open_case(adopted, pupil, people)
    form = ReportForm(case=case, definition=case.definition())
    assert form.fields["contact_person"].label == "Contactpersoon bij Veilig Thuis"


def test_the_vt_summary_pdf_names_the_schools_report_point(vlinder, pupil, people, verified_client, add_entry):
    from documents.exports import vt_summary_context

    case = open_case(vlinder, pupil, people)
    add_entry(case, people[Role.IB], kind="consultation", content={"question": "Wat nu?", "advice": "Gesprek."},
              facts={"with": "veilig_thuis", "anonymous": True})
    add_entry(case, people[Role.IB], kind="consultation", content={"question": "Wat nu?", "advice": "Bespreken."},
              facts={"with": "care_team", "anonymous": True})
    context = vt_summary_context(case)
    assert context["title"] == f"Samenvatting voor Veilig Thuis Utrecht, dossier {case.reference}"
    sources = [item.from_others for item in context["consultations"]]
    assert "advies van Veilig Thuis Utrecht" in sources
    assert "advies van het RET (regionaal expertiseteam)" in sources


def test_the_vt_summary_pdf_text_carries_the_name(vlinder, pupil, people, verified_client, add_entry):
    import time

    from accounts.reauth import SESSION_KEY
    from documents.models import ExportJob

    case = open_case(vlinder, pupil, people)
    add_entry(case, people[Role.IB], kind="consultation", content={"question": "Wat nu?", "advice": "Gesprek."},
              facts={"with": "veilig_thuis", "anonymous": True})
    client = verified_client(people[Role.IB])
    session = client.session
    session[SESSION_KEY] = time.time()
    session.save()
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Samenvatting voor Veilig Thuis Utrecht" in page
    response = client.post(reverse("documents:case_document", args=[case.reference, "veilig-thuis"]))
    assert response.status_code == 302
    job = ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))
    assert job.get_kind_display() == "Samenvatting voor Veilig Thuis Utrecht (pdf)"
    data = client.post(reverse("documents:download", args=[job.pk])).content
    from documents.tests.conftest import flat, pdf_pages

    text = flat("\n".join(pdf_pages(data)))
    assert "Samenvatting voor Veilig Thuis Utrecht" in text
    assert "advies van Veilig Thuis Utrecht" in text


def test_the_reminder_e_mail_names_the_schools_report_point_beside_the_national_number(vlinder, pupil, people):
    case = open_case(vlinder, pupil, people)
    today = timezone.localdate()
    Task.objects.create(case=case, kind=Task.Kind.RECONTACT_VT, due_on=today, assignee=people[Role.IB])
    assert send_due_reminders(today) == 1
    body = mail.outbox[0].body
    assert "Veilig Thuis Utrecht" in body and "0800-2000" in body and "112" in body
    assert not re.search(r"Veilig Thuis(?! Utrecht)", body)
    # Still says that, never what: the task's own title does not travel in the e-mail.
    assert "Opnieuw contact" not in body


def test_a_task_and_an_entry_kind_show_in_the_schools_names(vlinder, pupil, people):
    case = open_case(vlinder, pupil, people)
    task = Task.objects.create(case=case, kind=Task.Kind.RECONTACT_VT, due_on=datetime.date.today())
    assert task.get_kind_display() == "Opnieuw contact met Veilig Thuis Utrecht als het niet verbetert"
    assert case.words().label(EntryKind, EntryKind.FEEDBACK) == "Terugkoppeling van Veilig Thuis Utrecht"


def test_the_case_opening_form_names_the_schools_acute_route(school, pupil, people, verified_client):
    sprong = shipped("de-sprong")
    adopt(school, sprong, people[Role.DIRECTIE])
    form = OpenCaseForm(school=school)
    routes = dict(form.fields["route"].choices)
    assert routes[Route.ACUTE] == "Noodsituatie"
    assert form.fields["coordinator"].label == "Coördinator (intern begeleider (aandachtsfunctionaris))"
    page = verified_client(people[Role.LEERKRACHT]).get(reverse("cases:open", args=[school.slug])).content.decode()
    assert "Noodsituatie" in page and "Acute onveiligheid" not in page


def test_the_acute_page_shows_the_schools_own_text_and_the_national_numbers(vlinder, pupil, people, verified_client):
    case = open_case(vlinder, pupil, people, route=Route.ACUTE)
    response = verified_client(people[Role.IB]).get(reverse("cases:acute", args=[case.reference]))
    page = " ".join(response.content.decode().split())
    guidance = " ".join(case.definition().routes.acute.guidance.split())
    assert guidance in page  # De Vlinder: "... contact op met Veilig Thuis Utrecht (0800-2000, ..."
    assert "<h1>Acuut gevaar</h1>" in page
    assert 'href="tel:112"' in page and 'href="tel:08002000"' in page
    # The form to record the emergency contact suggests the school's report point.
    assert 'value="Veilig Thuis Utrecht"' in page
    assert case.get_route_display() == "Acuut gevaar"


def test_a_body_that_no_longer_exists_is_shown_as_veilig_thuis_with_a_note(pupil, people, verified_client):
    # The JSO meldcode of 2010 names the AMK, which became Veilig Thuis in 2015 (Wmo 2015).
    case = open_case(shipped("jso-2010"), pupil, people, route=Route.ACUTE)
    words = words_for_definition(case.definition())
    assert words.report_point == "Veilig Thuis"
    assert "AMK" in words.report_point_note
    page = verified_client(people[Role.IB]).get(reverse("cases:acute", args=[case.reference])).content.decode()
    assert "sinds 2015 is dat Veilig Thuis" in page


def test_the_case_page_shows_the_current_steps_own_guidance_role_rules_and_checklist(vlinder, pupil, people,
                                                                                   verified_client):
    case = open_case(vlinder, pupil, people)
    case.refresh_step()
    step = case.definition().step(case.current_step)
    page = verified_client(people[Role.IB]).get(reverse("cases:detail", args=[case.reference])).content.decode()
    flat_page = " ".join(page.split())
    assert 'data-testid="step-guidance"' in page
    assert " ".join(step.guidance.split()) in flat_page
    for rule in step.role_rules:
        assert rule in flat_page
    for action in step.actions:
        assert action in flat_page


def test_the_emergency_sheet_names_the_schools_report_point_beside_the_national_number(vlinder, school, people,
                                                                                      verified_client):
    response = verified_client(people[Role.LEERKRACHT]).get(reverse("socialmap:emergency", args=[school.slug]))
    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    assert "Bel meteen Veilig Thuis Utrecht, ook als u stap 2" in page
    assert 'href="tel:08002000"' in page and 'href="tel:112"' in page


def test_the_anonymised_summary_names_the_schools_care_team(vlinder, pupil, people):
    from django.template.loader import render_to_string

    from documents.exports import anonymised_context

    case = open_case(vlinder, pupil, people)
    html = render_to_string("documents/anonymised.html", {**anonymised_context(case), "layout": "documents/screen.html"})
    assert "bespreking in het RET (regionaal expertiseteam)" in html


def test_the_journal_buttons_name_the_schools_report_point(vlinder, pupil, people, verified_client):
    case = open_case(vlinder, pupil, people)
    page = verified_client(people[Role.IB]).get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Besluit 5b: melding bij Veilig Thuis Utrecht</a>" in page
    assert "Terugkoppeling van Veilig Thuis Utrecht</a>" in page
