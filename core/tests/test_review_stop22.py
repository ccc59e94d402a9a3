"""An adversarial review of the newest surfaces: the per-process caches of rendered entries and guidance, the
overview's rows in Python, the page for the day the parents were told, and the decision pages a leerkracht may
not reach.

The rules under test: one way in (cases.access) and a 404 that never hints a case or a request exists; a case
about a staff member is invisible to that staff member everywhere; what one process keeps for one reader is never
what another reader (other rights, another language, a later state of the case) is shown; every value in the
overview is escaped; bad input gets a Dutch 400 or a 404, never a 500.
"""

# ruff: noqa: F811 (the tests take the case fixtures imported below as arguments)

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Case
from cases.tests.conftest import add_entry, adopted, make_case  # noqa: F401
from core.testing import with_key
from inquiries.models import InformationRequest

pytestmark = pytest.mark.django_db

HUGE = "9" * 25  # past a 64-bit integer: neither SQLite nor PostgreSQL can take it as an id


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    add_entry(case, people[Role.IB], content={"observation": "Sanne had een blauwe plek."})
    return case


def told_afterwards(case, user, *, answered=True):
    """A request handled without telling the parents first (answered unless said otherwise)."""
    inquiry = InformationRequest.objects.create(
        case=case, recorded_by=user, requester_kind="raad", requester="Raad voor de Kinderbescherming, J. Bakker",
        legal_basis="bw_1_240", asked="Hoe gaat het met Sanne?", received_on=datetime.date(2026, 11, 2),
        parents_told="after", parents_told_on=None, not_told_reason="Vooraf vertellen bracht Sanne in gevaar.")
    if answered:
        InformationRequest.objects.filter(pk=inquiry.pk).update(
            answered_on=datetime.date(2026, 11, 10), answered_by=user, answered_at=timezone.now())
        inquiry.refresh_from_db()
    return inquiry


# --- the rendered entries kept per process --------------------------------------------------------------------

def test_a_rendering_kept_while_the_case_was_open_shows_no_correction_link_once_it_is_closed(case, people,
                                                                                           verified_client):
    client = verified_client(people[Role.IB])
    url = reverse("cases:detail", args=[case.reference])
    entry = case.entries.get()
    correct = reverse("cases:correct", args=[case.reference, entry.pk])
    assert correct in client.get(url).content.decode()  # kept now, with the link
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_at=timezone.now())
    page = client.get(url).content.decode()
    assert "Sanne had een blauwe plek." in page
    assert correct not in page and "Corrigeren" not in page


def test_a_correction_made_after_the_entry_was_kept_shows_on_the_next_page(case, people, add_entry,
                                                                          verified_client):
    note = add_entry(case, people[Role.IB], kind="note", content={"text": "Linkerarm"}, facts={})
    client = verified_client(people[Role.IB])
    url = reverse("cases:detail", args=[case.reference])
    assert "later gecorrigeerd" not in client.get(url).content.decode()
    response = verified_client(people[Role.LEERKRACHT]).post(
        reverse("cases:correct", args=[case.reference, note.pk]),
        with_key({"occurred_at": timezone.localtime(note.occurred_at).strftime("%Y-%m-%dT%H:%M"),
                  "text": "Rechterarm", "action": "save", "reason": "Verkeerde arm genoteerd."}))
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Deze regel is later gecorrigeerd:" in page
    assert "Verkeerde arm genoteerd." in page


def test_a_signature_made_after_the_report_was_kept_shows_on_the_next_page(case, people, add_entry, verified_client):
    report = add_entry(case, people[Role.IB], kind="conversation", content={"summary": "Gesprek met moeder."},
                       facts={"purpose": "parent"})
    client = verified_client(people[Role.IB])
    url = reverse("cases:detail", args=[case.reference])
    assert "Nog door niemand ondertekend." in client.get(url).content.decode()
    response = verified_client(people[Role.LEERKRACHT]).post(
        reverse("cases:sign", args=[case.reference, report.pk]), with_key({"participant": "Moeder", "signed": "1"}))
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Nog door niemand ondertekend." not in page
    assert "Moeder: getekend op" in page


def test_a_reader_in_english_is_not_shown_the_dutch_rendering_another_reader_left(case, people, verified_client):
    url = reverse("cases:detail", args=[case.reference])
    dutch = verified_client(people[Role.IB]).get(url).content.decode()
    assert "vastgelegd door" in dutch
    english = verified_client(people[Role.LEERKRACHT])
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get(url).content.decode()
    assert "Sanne had een blauwe plek." in page
    assert "vastgelegd door" not in page


def test_a_leerkracht_is_not_offered_the_correction_of_a_decision_the_coordinators_page_kept(case, people, add_entry,
                                                                                            verified_client):
    """The correction page of a decision is a 404 for a leerkracht (a8df4aa): their case page, even one drawn from
    the rendering kept for the coordinator, does not link to it; their own kinds keep the link."""
    decision = add_entry(case, people[Role.IB], kind="closure", content={"reason": "Zorgen weggenomen."}, facts={})
    signal = case.entries.get(kind="signal")
    url = reverse("cases:detail", args=[case.reference])
    correct_decision = reverse("cases:correct", args=[case.reference, decision.pk])
    correct_signal = reverse("cases:correct", args=[case.reference, signal.pk])
    assert correct_decision in verified_client(people[Role.IB]).get(url).content.decode()
    page = verified_client(people[Role.LEERKRACHT]).get(url).content.decode()
    assert "Zorgen weggenomen." in page
    assert correct_decision not in page
    assert correct_signal in page


# --- the overview's rows -----------------------------------------------------------------------------------------

def test_a_pupil_name_with_markup_is_escaped_in_the_overview(make_case, school, people, verified_client):
    from schools.models import Pupil

    pupil = Pupil.objects.create(school=school, first_name='<img src=x onerror="alert(1)">', last_name="<b>Vries",
                                 date_of_birth=datetime.date(2017, 3, 14), group="5")
    make_case(pupil)
    page = verified_client(people[Role.IB]).get(reverse("cases:overview", args=[school.slug])).content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<img src=x" not in page and "<b>Vries" not in page


def test_a_pupil_name_with_markup_is_escaped_in_the_attention_rows(make_case, school, people, verified_client):
    """'Aandacht nodig' names the pupil of each task and idle case: escaped, and only for a case one may read."""
    from cases.models import Task
    from schools.models import Pupil

    pupil = Pupil.objects.create(school=school, first_name='<img src=x onerror="alert(1)">', last_name="<b>Vries",
                                 date_of_birth=datetime.date(2017, 3, 14), group="5")
    marked = make_case(pupil)
    Task.objects.create(case=marked, kind=Task.Kind.OTHER,
                        due_on=timezone.localdate(), assignee=people[Role.IB])
    Case.objects.filter(pk=marked.pk).update(last_activity_at=timezone.now() - datetime.timedelta(days=90))
    page = verified_client(people[Role.IB]).get(reverse("cases:overview", args=[school.slug])).content.decode()
    assert page.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") >= 3  # the case, its task, idle
    assert "<img src=x" not in page and "<b>Vries" not in page
    shielded = verified_client(people[Role.PRIVACY]).get(reverse("cases:overview", args=[school.slug]))
    assert "alert(1)" not in shielded.content.decode() and "Vries" not in shielded.content.decode()


# --- information requests: another school's, the staff member's, forged and absurd requests -----------------------

def test_a_request_of_another_schools_case_is_a_404_under_ones_own_case(case, make_case, other_school, people,
                                                                       make_user, verified_client):
    from schools.models import Pupil

    theirs = make_case(Pupil.objects.create(school=other_school, first_name="Ali", last_name="B",
                                            date_of_birth=datetime.date(2016, 1, 1), group="6"),
                       coordinator=make_user(Role.IB, other_school))
    inquiry = told_afterwards(theirs, theirs.coordinator)
    client = verified_client(people[Role.IB])
    for name in ("inquiries:detail", "inquiries:parents_told", "inquiries:answer"):
        assert client.get(reverse(name, args=[case.reference, inquiry.pk])).status_code == 404
        assert client.get(reverse(name, args=[theirs.reference, inquiry.pk])).status_code == 404
    assert client.post(reverse("inquiries:parents_told", args=[case.reference, inquiry.pk]),
                       {"told_on": "2026-11-20"}).status_code == 404
    inquiry.refresh_from_db()
    assert inquiry.parents_told_on is None


def test_the_staff_member_a_case_is_about_cannot_reach_its_requests(make_case, pupil, people, verified_client):
    subject = people[Role.IB]  # even a coordinator, even on the team
    staff_case = make_case(pupil, route="staff", subject_staff=subject, team=[subject],
                           coordinator=people[Role.DIRECTIE])
    inquiry = told_afterwards(staff_case, people[Role.DIRECTIE])
    client = verified_client(subject)
    for name in ("inquiries:detail", "inquiries:parents_told", "inquiries:answer"):
        assert client.get(reverse(name, args=[staff_case.reference, inquiry.pk])).status_code == 404
    assert client.post(reverse("inquiries:parents_told", args=[staff_case.reference, inquiry.pk]),
                       {"told_on": "2026-11-20"}).status_code == 404
    inquiry.refresh_from_db()
    assert inquiry.parents_told_on is None
    assert verified_client(people[Role.DIRECTIE]).get(
        reverse("inquiries:parents_told", args=[staff_case.reference, inquiry.pk])).status_code == 200


def test_the_parents_day_cannot_be_recorded_from_another_site(case, people):
    inquiry = told_afterwards(case, people[Role.IB])
    browser = Client(enforce_csrf_checks=True)
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    browser.force_login(people[Role.IB])
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=people[Role.IB]).first().persistent_id
    session.save()
    response = browser.post(reverse("inquiries:parents_told", args=[case.reference, inquiry.pk]),
                            {"told_on": "2026-11-20"})
    assert response.status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.parents_told_on is None
    assert not AuditEvent.objects.filter(action="information_request.parents_told").exists()


@pytest.mark.parametrize("name", ["inquiries:detail", "inquiries:parents_told", "inquiries:answer"])
def test_an_absurd_request_number_is_a_404_not_a_500(case, people, verified_client, name):
    url = reverse(name, args=[case.reference, 1]).replace("/1/", f"/{HUGE}/")
    assert verified_client(people[Role.IB]).get(url).status_code == 404


@pytest.mark.parametrize("name", ["cases:edit_draft", "cases:correct", "cases:sign", "cases:attachment"])
def test_an_absurd_entry_number_is_a_404_not_a_500(case, people, verified_client, name):
    url = reverse(name, args=[case.reference, 1]).replace("/1/", f"/{HUGE}/")
    assert verified_client(people[Role.IB]).get(url).status_code == 404


def test_an_absurd_task_number_is_a_404_not_a_500(case, people, verified_client):
    url = reverse("cases:complete_task", args=[case.reference, 1]).replace("/1/", f"/{HUGE}/")
    assert verified_client(people[Role.IB]).post(url).status_code == 404


@pytest.mark.parametrize("day", ["99999-01-01", "2026-02-30", "0000-00-00", "9" * 5000])
def test_an_absurd_parents_day_is_refused_in_dutch(case, people, verified_client, day):
    inquiry = told_afterwards(case, people[Role.IB])
    response = verified_client(people[Role.IB]).post(
        reverse("inquiries:parents_told", args=[case.reference, inquiry.pk]), {"told_on": day})
    assert response.status_code == 400
    assert "Vul een geldige datum in." in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.parents_told_on is None


# --- the decision pages a leerkracht may not record ----------------------------------------------------------------

def test_a_leerkracht_on_the_team_gets_a_404_for_the_draft_and_correction_of_a_decision(case, people, add_entry,
                                                                                      verified_client):
    decision = add_entry(case, people[Role.IB], kind="closure", content={"reason": "x"}, facts={})
    teacher = verified_client(people[Role.LEERKRACHT])
    assert teacher.get(reverse("cases:correct", args=[case.reference, decision.pk])).status_code == 404
    assert verified_client(people[Role.IB]).get(
        reverse("cases:correct", args=[case.reference, decision.pk])).status_code == 200


# --- the annual evaluation (counted on the replica when there is one) ----------------------------------------------

def test_the_board_evaluation_counts_no_staff_cases_of_a_school_where_the_viewer_is_not_directie_or_bestuur(
        school, board, make_case, pupil, people, make_user, verified_client):
    """Directie at one school and privacy officer at another of the same board: the access rule keeps the other
    school's staff cases from them (even their existence), so the board's figures must not count them."""
    from accounts.models import Membership
    from documents.evaluation import staff_route_visible
    from schools.models import School

    sister = School.objects.create(board=board, name="De Vlinder", slug="de-vlinder", brin="9999ZZ")
    viewer = make_user(Role.DIRECTIE, sister)
    Membership.objects.create(user=viewer, school=school, role=Role.PRIVACY)
    make_case(pupil, route="staff", subject_staff=people[Role.LEERKRACHT], coordinator=people[Role.DIRECTIE])
    assert not staff_route_visible(viewer, [school, sister])
    assert staff_route_visible(viewer, [sister])
    page = verified_client(viewer).get(reverse("documents:evaluation", args=["bestuur", board.slug])).content.decode()
    assert "tellen hier niet mee" in page
    # Bestuur of every school of the board counts them, as before.
    head = make_user(Role.BESTUUR, school)
    Membership.objects.create(user=head, school=sister, role=Role.BESTUUR)
    assert staff_route_visible(head, [school, sister])


# --- the home page's figures ----------------------------------------------------------------------------------------

def test_the_privacy_officers_home_figures_do_not_count_a_staff_case(case, make_case, pupil, people, add_entry,
                                                                    verified_client):
    """The privacy officer never learns that a staff-perpetrator case exists (cases.access, the evaluation): the
    year at a glance on their home page counted it, one more than the overview they may open."""
    staff_case = make_case(pupil, route="staff", subject_staff=people[Role.LEERKRACHT],
                           coordinator=people[Role.DIRECTIE])
    add_entry(staff_case, people[Role.DIRECTIE], kind="report", content={"text": "Melding."}, facts={})
    page = verified_client(people[Role.PRIVACY]).get(reverse("core:home")).content.decode()
    assert "<dt>Lopende dossiers</dt><dd>1</dd>" in page
    assert "<dt>Geopend</dt><dd>1</dd>" in page
    assert "<dt>Meldingen bij Veilig Thuis</dt><dd>0</dd>" in page
    # Directie counts it (the staff route is theirs), whoever the case is about.
    page = verified_client(people[Role.DIRECTIE]).get(reverse("core:home")).content.decode()
    assert "<dt>Lopende dossiers</dt><dd>2</dd>" in page
    assert "<dt>Meldingen bij Veilig Thuis</dt><dd>1</dd>" in page


def test_a_directie_member_a_staff_case_is_about_does_not_count_it_on_the_home_page(case, make_case, pupil, people,
                                                                                   add_entry, verified_client, school):
    """Another member of the directie handles a case about one of them (the staff route hides it from the person
    concerned everywhere, counts included): their year at a glance must not count it."""
    from accounts.models import Membership

    subject, other_head = people[Role.DIRECTIE], people[Role.BESTUUR]
    Membership.objects.get_or_create(user=other_head, school=school, role=Role.DIRECTIE)
    staff_case = make_case(pupil, route="staff", subject_staff=subject, coordinator=other_head)
    add_entry(staff_case, other_head, kind="report", content={"text": "Melding."}, facts={})
    page = verified_client(subject).get(reverse("core:home")).content.decode()
    assert "<dt>Lopende dossiers</dt><dd>1</dd>" in page
    assert "<dt>Meldingen bij Veilig Thuis</dt><dd>0</dd>" in page
    page = verified_client(other_head).get(reverse("core:home")).content.decode()
    assert "<dt>Lopende dossiers</dt><dd>2</dd>" in page


# --- recording a request: absurd input ------------------------------------------------------------------------------

REQUEST = {"requester_kind": "raad", "requester": "Raad voor de Kinderbescherming Noord, J. Bakker",
           "legal_basis": "bw_1_240", "asked": "Hoe gaat het met Sanne op school?", "received_on": "2026-11-02",
           "parents_told": "after", "parents_told_on": "", "not_told_reason": "Gevaar."}


@pytest.mark.parametrize("change", [{"received_on": "99999-01-01"}, {"received_on": "2026-13-45"},
                                    {"requester_kind": "x" * 5000}, {"legal_basis": "<script>"},
                                    {"parents_told": "after", "parents_told_on": "9" * 5000}])
def test_an_absurd_request_is_refused_with_a_400_and_nothing_stored(case, people, verified_client, change):
    response = verified_client(people[Role.IB]).post(reverse("inquiries:new", args=[case.reference]),
                                                     with_key({**REQUEST, **change}))
    assert response.status_code == 400
    assert not InformationRequest.objects.exists()


def test_a_request_for_a_pupil_number_past_any_integer_is_refused_in_dutch(school, case, people, verified_client):
    response = verified_client(people[Role.IB]).post(reverse("inquiries:new_for_school", args=[school.slug]),
                                                     with_key({**REQUEST, "pupil": HUGE}))
    assert response.status_code == 400
    assert "Kies een leerling van deze school." in response.content.decode()
    assert not InformationRequest.objects.exists()


# --- a leerkracht on the team and the coordinator's pages -----------------------------------------------------------

def test_a_leerkracht_on_the_team_cannot_reach_the_coordinators_pages_of_the_case(case, school, people,
                                                                                  verified_client):
    inquiry = told_afterwards(case, people[Role.IB], answered=False)
    teacher = verified_client(people[Role.LEERKRACHT])
    refused = [
        reverse("cases:team", args=[case.reference]),
        reverse("cases:break_glass", args=[case.reference]),
        reverse("cases:settings", args=[school.slug]),
        reverse("inquiries:answer", args=[case.reference, inquiry.pk]),
        reverse("inquiries:new_for_school", args=[school.slug]),
        reverse("documents:inspection", args=[case.reference]),
        reverse("documents:evaluation", args=["school", school.slug]),
    ]
    for url in refused:
        assert teacher.get(url).status_code == 404, url
    assert teacher.post(reverse("inquiries:export", args=[case.reference, inquiry.pk])).status_code == 404
    assert teacher.get(reverse("cases:detail", args=[case.reference])).status_code == 200


@pytest.mark.parametrize("value", ["²", "9" * 5000, HUGE, "１２"])
def test_removing_an_absurd_team_member_is_refused_not_a_500(case, people, verified_client, value):
    members = case.members.count()
    response = verified_client(people[Role.IB]).post(reverse("cases:team", args=[case.reference]), {"remove": value})
    assert response.status_code in (400, 404)
    assert case.members.count() == members


@pytest.mark.parametrize("value", ["²", "9" * 5000, "١٢"])
def test_choosing_an_absurd_pupil_on_the_quick_signal_page_is_not_a_500(case, school, people, verified_client, value):
    response = verified_client(people[Role.LEERKRACHT]).post(reverse("cases:signal", args=[school.slug]),
                                                             with_key({"leerling": value, "q": "Sanne"}))
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("value", ["²", "9" * 5000])
def test_deciding_an_absurd_role_request_is_a_404_not_a_500(school, people, verified_client, value):
    response = verified_client(people[Role.DIRECTIE]).post(reverse("schools:role_requests", args=[school.slug]),
                                                           {"request": value, "decision": "confirm"})
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["²", "9" * 5000, HUGE, "<script>"])
def test_an_absurd_pupil_in_the_open_case_link_is_not_a_500(case, school, people, verified_client, value):
    response = verified_client(people[Role.IB]).get(reverse("cases:open", args=[school.slug]), {"leerling": value})
    assert response.status_code == 200
