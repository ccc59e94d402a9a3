"""Information requests from Veilig Thuis, the Raad voor de Kinderbescherming or a gecertificeerde instelling.

The school may give information without the parents' consent within the asker's law (Wmo 2015 art. 5.2.6,
BW art. 1:240, Jeugdwet art. 7.3.11 lid 4), normally after telling the parents unless that endangers the child
(/work/shared/domain.md: 'Around the five steps'), and no more than the question needs (AVG art. 5(1)(c))."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases import retention
from cases.models import Case
from core.testing import with_key
from documents.models import ExportJob, ExportKind
from documents.tests.conftest import flat, pdf_pages
from inquiries.models import InformationRequest, WithheldFromAnswer
from schools.models import Pupil

pytestmark = pytest.mark.django_db

OBSERVATION = "Sanne had een blauwe plek op haar bovenarm."
THIRD_PARTY = "De buurvrouw vertelde over geschreeuw."
VALID = {"requester_kind": "raad", "requester": "Raad voor de Kinderbescherming Noord, J. Bakker",
         "legal_basis": "bw_1_240", "asked": "Hoe gaat het met Sanne op school?", "received_on": "2026-11-02",
         "parents_told": "before", "parents_told_on": "2026-11-03", "not_told_reason": ""}


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    add_entry(case, people[Role.IB], content={"observation": OBSERVATION})
    add_entry(case, people[Role.IB], content={"observation": THIRD_PARTY})
    return case


def record(client, case, **data):
    return client.post(reverse("inquiries:new", args=[case.reference]), with_key({**VALID, **data}))


def make_request(case, user, **extra):
    values = {**VALID, "received_on": datetime.date(2026, 11, 2), "parents_told_on": datetime.date(2026, 11, 3),
              **extra}
    return InformationRequest.objects.create(case=case, recorded_by=user, **values)


def test_a_teacher_on_the_team_records_a_request_from_the_raad_in_the_dossier(case, people, verified_client):
    client = verified_client(people[Role.LEERKRACHT])
    response = record(client, case)
    assert response.status_code == 302
    inquiry = InformationRequest.objects.get(case=case)
    assert (inquiry.requester_kind, inquiry.legal_basis, inquiry.parents_told) == ("raad", "bw_1_240", "before")
    assert inquiry.requester == VALID["requester"] and inquiry.recorded_by == people[Role.LEERKRACHT]
    event = AuditEvent.objects.get(action="information_request.create")
    assert event.case_id == case.pk
    assert event.details == {"information_request": inquiry.pk, "requester_kind": "raad",
                             "legal_basis": "bw_1_240", "parents_told": "before", "opened_case": False}
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert reverse("inquiries:detail", args=[case.reference, inquiry.pk]) in page


def test_the_request_page_shows_the_request_and_is_audited(case, people, verified_client):
    inquiry = make_request(case, people[Role.IB])
    for role in (Role.IB, Role.DIRECTIE, Role.LEERKRACHT):
        response = verified_client(people[role]).get(reverse("inquiries:detail", args=[case.reference, inquiry.pk]))
        assert response.status_code == 200
        assert "Burgerlijk Wetboek, art. 1:240" in response.content.decode()
    assert AuditEvent.objects.filter(action="information_request.view", case_id=case.pk).count() == 3


@pytest.mark.parametrize("who", ["outsider", "other_school", "privacy", "beheer"])
def test_it_hides_the_request_from_anyone_who_may_not_read_the_dossier(who, case, people, make_user, other_school,
                                                                       verified_client, exporting_client):
    inquiry = make_request(case, people[Role.IB])
    user = {"outsider": lambda: make_user(), "other_school": lambda: make_user(Role.IB, other_school),
            "privacy": lambda: people[Role.PRIVACY], "beheer": lambda: people[Role.BEHEER]}[who]()
    client = exporting_client(user)
    args = [case.reference, inquiry.pk]
    assert client.get(reverse("inquiries:detail", args=args)).status_code == 404
    assert client.get(reverse("inquiries:answer", args=args)).status_code == 404
    assert client.post(reverse("inquiries:export", args=args)).status_code == 404
    assert record(client, case).status_code == 404
    assert InformationRequest.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="information_request.", actor_id=user.pk).exists()


def test_a_teacher_who_is_not_the_coordinator_cannot_answer(case, people, exporting_client):
    inquiry = make_request(case, people[Role.IB])
    client = exporting_client(people[Role.LEERKRACHT])
    assert client.get(reverse("inquiries:answer", args=[case.reference, inquiry.pk])).status_code == 404


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"requester_kind": ""}, "requester_kind", "Kies wie om informatie vraagt."),
    ({"asked": ""}, "asked", "Leg vast wat er wordt gevraagd."),
    ({"legal_basis": "wmo_5_2_6"}, "legal_basis", "Deze grondslag hoort niet bij wie het vraagt."),
    ({"parents_told": "not", "parents_told_on": ""}, "not_told_reason",
     "Leg vast waarom de ouders niet vooraf zijn geïnformeerd."),
    ({"parents_told_on": ""}, "parents_told_on", "Vul in wanneer de ouders zijn geïnformeerd."),
    ({"received_on": (datetime.date.today() + datetime.timedelta(days=30)).isoformat()}, "received_on", "Deze datum ligt in de toekomst."),
])
def test_an_incomplete_request_is_refused_in_dutch_and_nothing_is_stored(data, field, message, case, people,
                                                                        verified_client):
    response = record(verified_client(people[Role.IB]), case, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.content.decode().count('class="error-summary"') == 1
    assert not InformationRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="information_request.create").exists()


def test_consent_of_the_parents_fits_every_asker(case, people, verified_client):
    response = record(verified_client(people[Role.IB]), case, requester_kind="gi", legal_basis="consent")
    assert response.status_code == 302


def test_a_request_about_a_pupil_without_a_dossier_opens_one(school, people, adopted, verified_client):
    pupil = Pupil.objects.create(school=school, first_name="Daan", last_name="Smit",
                                 date_of_birth=datetime.date(2016, 5, 1), group="6")
    client = verified_client(people[Role.IB])
    response = client.post(reverse("inquiries:new_for_school", args=[school.slug]),
                           with_key({**VALID, "pupil": pupil.pk, "requester_kind": "veilig_thuis",
                                     "legal_basis": "wmo_5_2_6"}))
    assert response.status_code == 302
    case = Case.objects.get(pupil=pupil)
    inquiry = InformationRequest.objects.get(case=case)
    assert inquiry.legal_basis == "wmo_5_2_6"
    assert case.members.filter(user=people[Role.IB]).exists()
    assert AuditEvent.objects.get(action="case.create", case_id=case.pk).details["information_request"] is True
    assert AuditEvent.objects.get(action="information_request.create").details["opened_case"] is True
    assert response["Location"] == reverse("inquiries:detail", args=[case.reference, inquiry.pk])


def test_a_request_for_a_pupil_with_an_open_dossier_joins_it(case, pupil, people, verified_client):
    response = verified_client(people[Role.IB]).post(reverse("inquiries:new_for_school", args=[case.school.slug]),
                                                     with_key({**VALID, "pupil": pupil.pk}))
    assert response.status_code == 302
    assert Case.objects.filter(pupil=pupil).count() == 1
    assert InformationRequest.objects.get().case == case


@pytest.mark.parametrize("who", ["leerkracht", "outsider", "other_school"])
def test_only_the_coordinating_roles_take_in_a_request_for_the_school(who, school, pupil, people, adopted, make_user,
                                                                      other_school, verified_client):
    user = {"leerkracht": people[Role.LEERKRACHT], "outsider": make_user(),
            "other_school": make_user(Role.IB, other_school)}[who]
    response = verified_client(user).post(reverse("inquiries:new_for_school", args=[school.slug]),
                                          with_key({**VALID, "pupil": pupil.pk}))
    assert response.status_code == 404
    assert not Case.objects.exists() and not InformationRequest.objects.exists()


def test_a_pupil_of_another_school_is_refused_in_dutch(school, other_school, people, adopted, verified_client):
    stranger = Pupil.objects.create(school=other_school, first_name="Piet", last_name="Elders",
                                    date_of_birth=datetime.date(2016, 5, 1), group="6")
    response = verified_client(people[Role.IB]).post(reverse("inquiries:new_for_school", args=[school.slug]),
                                                     with_key({**VALID, "pupil": stranger.pk}))
    assert response.status_code == 400
    assert "Kies een leerling van deze school." in response.content.decode()
    assert not Case.objects.exists() and not InformationRequest.objects.exists()


def test_answering_needs_a_fresh_sign_in(case, people, verified_client):
    inquiry = make_request(case, people[Role.IB])
    response = verified_client(people[Role.IB]).get(reverse("inquiries:answer", args=[case.reference, inquiry.pk]))
    assert response.status_code == 302 and "inquiries" not in response["Location"]


def test_the_answer_withholds_what_the_question_does_not_need_and_is_audited_like_every_export(
        case, people, exporting_client):
    inquiry = make_request(case, people[Role.IB])
    client = exporting_client(people[Role.IB])
    entries = list(case.saved_entries().order_by("pk"))
    withheld = entries[1]
    response = client.post(reverse("inquiries:answer", args=[case.reference, inquiry.pk]), {
        "given": "Telefonisch toegelicht en de samenvatting gestuurd.", "answered_on": "2026-11-10",
        **{f"give_{e.pk}": "on" for e in entries if e != withheld},
        f"ground_{withheld.pk}": "third_party", f"reason_{withheld.pk}": "Komt van de buurvrouw."})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.answered_on == datetime.date(2026, 11, 10) and inquiry.answered_by == people[Role.IB]
    assert list(WithheldFromAnswer.objects.values_list("entry_id", "ground")) == [(withheld.pk, "third_party")]
    answer_event = AuditEvent.objects.get(action="information_request.answer")
    assert answer_event.details == {"information_request": inquiry.pk, "withheld": 1, "grounds": ["third_party"]}
    assert AuditEvent.objects.filter(action="export.information", case_id=case.pk).count() == 1
    job = ExportJob.objects.get(kind=ExportKind.INFORMATION)
    assert job.status == ExportJob.Status.DONE
    text = flat(" ".join(pdf_pages(client.post(reverse("documents:download", args=[job.pk])).content)))
    assert "blauwe plek" in text
    assert "buurvrouw" not in text
    assert "Burgerlijk Wetboek, art. 1:240" in text
    assert "Informatie over of van anderen (derden): 1" in text


def test_an_answer_without_a_reason_for_withholding_is_refused_and_nothing_is_stored(case, people, exporting_client):
    inquiry = make_request(case, people[Role.IB])
    entry = case.saved_entries().first()
    response = exporting_client(people[Role.IB]).post(reverse("inquiries:answer", args=[case.reference, inquiry.pk]), {
        "given": "", "answered_on": "2026-10-01", f"ground_{entry.pk}": "endangers"})
    assert response.status_code == 400
    page = response.content.decode()
    for message in ("Leg vast wat de school heeft gegeven en hoe.", "Het antwoord kan niet vóór het verzoek liggen.",
                    "Leg vast waarom u dit achterhoudt."):
        assert message in page
    inquiry.refresh_from_db()
    assert inquiry.answered_on is None
    assert not WithheldFromAnswer.objects.exists() and not ExportJob.objects.exists()


def test_the_answer_can_be_made_again_as_a_pdf_but_not_answered_twice(case, people, exporting_client):
    inquiry = make_request(case, people[Role.IB], answered_on=datetime.date(2026, 11, 10),
                           answered_by=people[Role.IB], given="Gebeld.")
    client = exporting_client(people[Role.IB])
    again = client.get(reverse("inquiries:answer", args=[case.reference, inquiry.pk]))
    assert again.status_code == 302
    response = client.post(reverse("inquiries:export", args=[case.reference, inquiry.pk]))
    assert response.status_code == 302
    assert ExportJob.objects.filter(kind=ExportKind.INFORMATION, case_id=case.pk).count() == 1
    assert AuditEvent.objects.filter(action="export.information").count() == 1


def test_retention_destroys_the_requests_with_the_dossier(case, people, django_capture_on_commit_callbacks):
    inquiry = make_request(case, people[Role.IB])
    WithheldFromAnswer.objects.create(request=inquiry, entry=case.saved_entries().first(), ground="not_needed",
                                      reason="Niet gevraagd.")
    with django_capture_on_commit_callbacks(execute=True):
        retention.destroy(case)
    assert not InformationRequest.objects.exists()
    assert not WithheldFromAnswer.objects.exists()


# --- Parents told afterwards: recorded when it happens (AVG art. 14: the parents hear what was shared) ----------

def _answered(inquiry, by):
    """As answering does it (inquiries.views.answer), without making the PDF."""
    InformationRequest.objects.filter(pk=inquiry.pk).update(answered_on=datetime.date(2026, 11, 9), answered_by=by,
                                                            answered_at=timezone.now())
    inquiry.refresh_from_db()
    return inquiry


AFTER = {"parents_told": "after", "parents_told_on": "", "not_told_reason": "Vooraf vertellen bracht Sanne in gevaar."}


def test_a_request_answered_before_the_parents_are_told_is_recorded_without_a_date(case, people, verified_client):
    client = verified_client(people[Role.IB])
    assert record(client, case, **AFTER).status_code == 302
    inquiry = InformationRequest.objects.get(case=case)
    assert inquiry.parents_told == "after" and inquiry.parents_told_on is None and inquiry.parents_still_to_be_told
    detail = client.get(reverse("inquiries:detail", args=[case.reference, inquiry.pk])).content.decode()
    assert "nog niet gebeurd" in detail
    assert "ouders nog informeren" in client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    # "Afterwards" means after the answer: until the request is answered there is nothing to record yet.
    url = reverse("inquiries:parents_told", args=[case.reference, inquiry.pk])
    assert url not in detail
    response = client.post(url, {"told_on": "2026-11-20"}, follow=True)
    assert "Beantwoord eerst het verzoek" in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.parents_told_on is None
    _answered(inquiry, people[Role.IB])
    detail = client.get(reverse("inquiries:detail", args=[case.reference, inquiry.pk])).content.decode()
    assert url in detail


def test_the_day_the_parents_were_told_is_recorded_once_and_audited(case, people, verified_client):
    inquiry = _answered(make_request(case, people[Role.IB], parents_told="after", parents_told_on=None,
                                     not_told_reason="Gevaar."), people[Role.IB])
    client = verified_client(people[Role.LEERKRACHT])  # on the team: writes in the dossier
    url = reverse("inquiries:parents_told", args=[case.reference, inquiry.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"told_on": "2026-11-20"})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.parents_told_on == datetime.date(2026, 11, 20) and not inquiry.parents_still_to_be_told
    event = AuditEvent.objects.get(action="information_request.parents_told")
    assert event.case_id == case.pk
    assert event.details == {"information_request": inquiry.pk, "parents_told_on": "2026-11-20"}
    # Set once: a second person's later date does not overwrite it.
    again = client.post(url, {"told_on": "2026-11-25"})
    assert again.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.parents_told_on == datetime.date(2026, 11, 20)
    assert AuditEvent.objects.filter(action="information_request.parents_told").count() == 1


@pytest.mark.parametrize("day, message", [
    ("", "Vul in wanneer de ouders zijn geïnformeerd."),
    ("2026-10-30", "De ouders kunnen niet zijn geïnformeerd vóór het verzoek kwam."),
    ("next month", "Deze datum ligt in de toekomst."),
    ("gisteren", "Vul een geldige datum in."),
    ("2026-11-05", "Achteraf is na het antwoord van 09-11-2026. Vul een latere datum in."),
])
def test_a_wrong_day_is_refused_in_dutch_and_nothing_is_stored(case, people, verified_client, day, message):
    if day == "next month":
        day = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    inquiry = _answered(make_request(case, people[Role.IB], parents_told="after", parents_told_on=None,
                                     not_told_reason="Gevaar."), people[Role.IB])
    response = verified_client(people[Role.IB]).post(
        reverse("inquiries:parents_told", args=[case.reference, inquiry.pk]), {"told_on": day})
    assert response.status_code == 400
    assert message in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.parents_told_on is None


def test_only_a_request_handled_without_telling_the_parents_first_has_the_page(case, people, verified_client):
    before = make_request(case, people[Role.IB])  # told before: nothing to record afterwards
    client = verified_client(people[Role.IB])
    assert client.get(reverse("inquiries:parents_told", args=[case.reference, before.pk])).status_code == 404


def test_someone_without_write_access_gets_the_same_404_as_for_an_unknown_request(
        case, people, verified_client, make_user, other_school):
    inquiry = _answered(make_request(case, people[Role.IB], parents_told="after", parents_told_on=None,
                                     not_told_reason="Gevaar."), people[Role.IB])
    url = reverse("inquiries:parents_told", args=[case.reference, inquiry.pk])
    unknown = reverse("inquiries:parents_told", args=[case.reference, inquiry.pk + 999])
    for person in (people[Role.PRIVACY], make_user(Role.IB, other_school)):
        client = verified_client(person)
        assert client.post(url, {"told_on": "2026-11-20"}).status_code == 404
        assert client.get(unknown).status_code == 404
    inquiry.refresh_from_db()
    assert inquiry.parents_told_on is None


def test_telling_the_parents_afterwards_is_a_task_until_the_day_is_recorded(case, people, verified_client):
    from cases.models import Task

    client = verified_client(people[Role.IB])
    record(client, case, **AFTER)
    inquiry = InformationRequest.objects.get(case=case)
    task = Task.objects.get(case=case, kind=Task.Kind.PARENTS_INFORMED)
    assert inquiry.task == task and task.done_at is None
    assert task.due_on == datetime.date(2026, 11, 16)  # two weeks after the request came in (2 November)
    assert task.assignee == (case.coordinator or people[Role.IB])
    case_page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Ouders informeren over een informatieverzoek" in case_page
    # Its button on the case page leads to the request (not a bare "Klaar"): first to answer it, then to record the day.
    assert f'href="{reverse("inquiries:detail", args=[case.reference, inquiry.pk])}"' in case_page
    assert reverse("cases:complete_task", args=[case.reference, task.pk]) not in case_page
    _answered(inquiry, people[Role.IB])
    case_page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert reverse("inquiries:parents_told", args=[case.reference, inquiry.pk]) in case_page
    client.post(reverse("inquiries:parents_told", args=[case.reference, inquiry.pk]), {"told_on": "2026-11-10"})
    task.refresh_from_db()
    assert task.done_at is not None


def test_parents_told_before_make_no_task(case, people, verified_client):
    from cases.models import Task

    record(verified_client(people[Role.IB]), case)
    assert not Task.objects.filter(case=case, kind=Task.Kind.PARENTS_INFORMED).exists()
    assert InformationRequest.objects.get(case=case).task is None


def test_the_parents_told_day_can_be_recorded_after_the_dossier_was_closed(case, people, verified_client):
    inquiry = _answered(make_request(case, people[Role.IB], parents_told="after", parents_told_on=None,
                                     not_told_reason="Gevaar."), people[Role.IB])
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closure_reason="unfounded")
    client = verified_client(people[Role.IB])
    detail = client.get(reverse("inquiries:detail", args=[case.reference, inquiry.pk])).content.decode()
    url = reverse("inquiries:parents_told", args=[case.reference, inquiry.pk])
    assert url in detail
    assert client.post(url, {"told_on": "2026-11-20"}).status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.parents_told_on == datetime.date(2026, 11, 20)


def test_the_reason_and_the_day_are_not_marked_optional_as_some_answers_need_them(case, people, verified_client):
    page = verified_client(people[Role.IB]).get(reverse("inquiries:new", args=[case.reference])).content.decode()
    label = page[page.index('for="id_not_told_reason"'):page.index("</label>", page.index('for="id_not_told_reason"'))]
    assert "niet verplicht" not in label
    assert "Verplicht als de ouders niet vooraf zijn geïnformeerd." in page


def test_an_answer_gives_nothing_from_the_journal_unless_it_is_chosen(case, people, exporting_client):
    # AVG art. 5(1)(c): no more than the question needs. Whatever the coordinator does not choose stays behind, as
    # not needed for the question, and that ground needs no reason of its own.
    inquiry = make_request(case, people[Role.IB])
    client = exporting_client(people[Role.IB])
    entries = list(case.saved_entries().order_by("pk"))
    response = client.post(reverse("inquiries:answer", args=[case.reference, inquiry.pk]), {
        "given": "Telefonisch toegelicht.", "answered_on": "2026-11-10"})
    assert response.status_code == 302
    assert sorted(WithheldFromAnswer.objects.values_list("entry_id", "ground")) == [
        (e.pk, "not_needed") for e in entries]
    assert all(w.reason == "" for w in WithheldFromAnswer.objects.all())
    job = ExportJob.objects.get(kind=ExportKind.INFORMATION)
    text = flat(" ".join(pdf_pages(client.post(reverse("documents:download", args=[job.pk])).content)))
    assert "blauwe plek" not in text
    assert f"Niet nodig voor de vraag (niet meer dan noodzakelijk): {len(entries)}" in text


def test_the_answer_page_offers_each_entry_unticked_with_not_needed_as_its_ground(case, people, exporting_client):
    inquiry = make_request(case, people[Role.IB])
    entry = case.saved_entries().first()
    page = exporting_client(people[Role.IB]).get(
        reverse("inquiries:answer", args=[case.reference, inquiry.pk])).content.decode()
    assert f'name="give_{entry.pk}"' in page and "checked" not in page.split(f'name="give_{entry.pk}"')[1][:40]
    assert '<option value="not_needed" selected>' in page
    assert "Meegeven in het antwoord" in page


def test_an_unknown_ground_is_refused_in_dutch_and_nothing_is_stored(case, people, exporting_client):
    inquiry = make_request(case, people[Role.IB])
    entry = case.saved_entries().first()
    response = exporting_client(people[Role.IB]).post(reverse("inquiries:answer", args=[case.reference, inquiry.pk]), {
        "given": "Gebeld.", "answered_on": "2026-11-10", f"ground_{entry.pk}": "because"})
    assert response.status_code == 400
    assert "Selecteer een geldige keuze" in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.answered_on is None and not WithheldFromAnswer.objects.exists()
