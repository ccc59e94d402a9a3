"""An adversarial review of the newer surfaces: information requests, inspection requests, the diagnosis mark,
the staff invitation and the installation page.

The rules under test: one way in (cases.access) and a 404 that never hints a case exists; every read and write
of dossier data leaves one audit event; bad input gets a Dutch message, the right status and changes nothing
(also what PostgreSQL would refuse and SQLite accepts); one school's people change nothing at another school.
"""

# ruff: noqa: F811 (the tests take the document fixtures imported below as arguments)
import datetime

import pytest
from django.urls import reverse

from accounts.models import Membership, User
from accounts.roles import Role
from audit.models import AuditEvent
from documents.models import AccessRequest
from documents.tests.conftest import add_entry, adopted, exporting_client, make_case  # noqa: F401
from inquiries.models import InformationRequest

pytestmark = pytest.mark.django_db

# A valid address of 259 characters: valid by RFC 5321 (and Django's form field, up to 320), but longer than the
# 254 characters the account's column holds; PostgreSQL refuses it with an error, SQLite stores it.
LONG_EMAIL = "a" * 64 + "@" + ("b" * 63 + ".") * 3 + "nl"

REQUEST = {"requester_kind": "raad", "requester": "Raad voor de Kinderbescherming Noord, J. Bakker",
           "legal_basis": "bw_1_240", "asked": "Hoe gaat het met Sanne op school?", "received_on": "2026-11-02",
           "parents_told": "before", "parents_told_on": "2026-11-03", "not_told_reason": ""}


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    add_entry(case, people[Role.IB], content={"observation": "Sanne had een blauwe plek."})
    return case


def make_inquiry(case, user):
    return InformationRequest.objects.create(
        case=case, recorded_by=user, **{**REQUEST, "received_on": datetime.date(2026, 11, 2),
                                        "parents_told_on": datetime.date(2026, 11, 3)})


def make_access_request(case, user):
    return AccessRequest.objects.create(case=case, requester="Marieke de Vries, moeder",
                                        received_on=datetime.date(2026, 1, 31), recorded_by=user)


# --- an e-mail address longer than the column (PostgreSQL refuses what SQLite stores) ----------------------------

def test_a_staff_member_with_an_address_longer_than_the_database_holds_is_refused_in_dutch(school, people,
                                                                                           verified_client):
    """Bad input gets a Dutch message and a 400, and changes nothing (on PostgreSQL this was a 500)."""
    assert len(LONG_EMAIL) > 254
    response = verified_client(people[Role.BEHEER]).post(
        reverse("schools:staff", args=[school.slug]),
        {"full_name": "Lange Naam", "email": LONG_EMAIL, "role": Role.LEERKRACHT, "job_title": ""})
    assert response.status_code == 400
    assert "niet meer dan 254 tekens" in response.content.decode()
    assert not User.objects.filter(full_name="Lange Naam").exists()


def test_the_installation_invitation_refuses_an_address_longer_than_the_database_holds(school, make_user,
                                                                                       verified_client):
    """Bad input gets a Dutch message and a 400, and changes nothing (on PostgreSQL this was a 500)."""
    admin = make_user(is_superuser=True, is_staff=True)
    response = verified_client(admin).post(reverse("accounts:setup"), {
        "action": "invite", "invite-school": school.pk, "invite-invite_email": LONG_EMAIL,
        "invite-invite_name": "Lange Naam", "invite-invite_role": Role.DIRECTIE})
    assert response.status_code == 400
    assert "niet meer dan 254 tekens" in response.content.decode()
    assert not User.objects.filter(full_name="Lange Naam").exists()
    assert not Membership.objects.filter(school=school, role=Role.DIRECTIE).exclude(user__full_name__endswith="Test")\
        .exists()


# --- reads of dossier data without an audit event ----------------------------------------------------------------

def test_the_extension_page_that_names_the_requester_is_a_read_in_the_audit_trail(case, people, verified_client):
    """Every read of dossier data writes one audit event: the page shows who asked to inspect the dossier."""
    access_request = make_access_request(case, people[Role.IB])
    response = verified_client(people[Role.IB]).get(
        reverse("documents:access_request_extend", args=[case.reference, access_request.pk]))
    assert response.status_code == 200 and "Marieke de Vries, moeder" in response.content.decode()
    assert AuditEvent.objects.filter(action="entry.form", case_id=case.pk).count() == 1


def test_the_forms_for_an_inspection_request_and_an_information_request_are_audited_like_other_dossier_forms(
        case, people, verified_client):
    """Every page of a dossier leaves an audit event (cases.views: entry.form), also these two forms."""
    client = verified_client(people[Role.IB])
    assert client.get(reverse("documents:access_request", args=[case.reference])).status_code == 200
    assert client.get(reverse("inquiries:new", args=[case.reference])).status_code == 200
    assert AuditEvent.objects.filter(action="entry.form", case_id=case.pk).count() == 2


# --- the diagnosis mark is a property of the person, at every school --------------------------------------------

def test_a_directie_cannot_mark_someone_who_also_works_at_a_school_where_they_are_not_directie(
        school, other_school, people, make_user, verified_client):
    """One school's people change nothing at another school: the mark lets its holder record diagnoses in the
    dossiers of every school they work at, so the directie of one of them alone may not set or clear it."""
    shared = make_user(Role.LEERKRACHT, school)
    Membership.objects.create(user=shared, school=other_school, role=Role.LEERKRACHT)
    client = verified_client(people[Role.DIRECTIE])
    url = reverse("qualifications:diagnosis", args=[school.slug])
    response = client.post(url, {"user": shared.pk, "qualified": "1"})
    assert response.status_code == 403
    assert "andere school" in response.content.decode()
    shared.refresh_from_db()
    assert not shared.qualified_for_diagnosis
    assert not AuditEvent.objects.filter(action="staff.qualification_changed").exists()


def test_a_directie_of_both_schools_may_mark_someone_who_works_at_both(school, other_school, people, make_user,
                                                                      verified_client):
    directie = people[Role.DIRECTIE]
    Membership.objects.create(user=directie, school=other_school, role=Role.DIRECTIE)
    shared = make_user(Role.LEERKRACHT, school)
    Membership.objects.create(user=shared, school=other_school, role=Role.LEERKRACHT)
    response = verified_client(directie).post(reverse("qualifications:diagnosis", args=[school.slug]),
                                              {"user": shared.pk, "qualified": "1"})
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.qualified_for_diagnosis


# --- a copy made again shows what was reviewed, not what was written since -------------------------------------

def test_the_answer_to_an_information_request_made_again_leaves_out_entries_written_after_the_answer(
        case, people, exporting_client, add_entry):
    """Data minimisation (AVG art. 5(1)(c)): the coordinator chose per entry what the asker gets; a copy made again
    later ("the answer once more as a PDF") may not add entries nobody reviewed for it."""
    from documents.models import ExportJob
    from documents.tests.conftest import flat, pdf_pages

    inquiry = make_inquiry(case, people[Role.IB])
    client = exporting_client(people[Role.IB])
    given = {f"give_{pk}": "on" for pk in case.saved_entries().values_list("pk", flat=True)}  # all, when answered
    assert client.post(reverse("inquiries:answer", args=[case.reference, inquiry.pk]),
                       {"given": "Gebeld.", "answered_on": "2026-11-10", **given}).status_code == 302
    add_entry(case, people[Role.IB], content={"observation": "De tante vertelde later over de stiefvader."})
    assert client.post(reverse("inquiries:export", args=[case.reference, inquiry.pk])).status_code == 302
    job = ExportJob.objects.filter(case=case).latest("pk")
    text = flat(" ".join(pdf_pages(client.post(reverse("documents:download", args=[job.pk])).content)))
    assert "blauwe plek" in text
    assert "stiefvader" not in text


def test_the_inspection_copy_seen_again_leaves_out_entries_written_after_it_was_prepared(
        case, people, exporting_client, add_entry):
    """The parent's copy is what the coordinator went through: its screen version later shows no entry nobody
    reviewed (a withheld-or-given choice was never made for it)."""
    from documents.models import InspectionExport

    client = exporting_client(people[Role.IB])
    assert client.post(reverse("documents:inspection", args=[case.reference]),
                       {"for_whom": "Marieke de Vries, moeder"}).status_code == 302
    inspection = InspectionExport.objects.get(case=case)
    add_entry(case, people[Role.IB], content={"observation": "De tante vertelde later over de stiefvader."})
    page = client.get(reverse("documents:inspection_preview", args=[case.reference, inspection.pk])).content.decode()
    assert "blauwe plek" in page
    assert "stiefvader" not in page


# --- checked and sound: these hold on the code as it was ------------------------------------------------------

def _case_urls(case, inquiry, access_request, inspection):
    ref = case.reference
    return [
        ("get", reverse("inquiries:new", args=[ref])),
        ("get", reverse("inquiries:detail", args=[ref, inquiry.pk])),
        ("get", reverse("inquiries:answer", args=[ref, inquiry.pk])),
        ("post", reverse("inquiries:export", args=[ref, inquiry.pk])),
        ("get", reverse("documents:access_request", args=[ref])),
        ("get", reverse("documents:access_request_extend", args=[ref, access_request.pk])),
        ("get", reverse("documents:inspection", args=[ref])),
        ("get", reverse("documents:inspection_preview", args=[ref, inspection.pk])),
        ("get", reverse("documents:case_document", args=[ref, "dossier"])),
        ("post", reverse("documents:case_document", args=[ref, "veilig-thuis"])),
    ]


@pytest.fixture
def papers(case, people):
    from documents.models import InspectionExport

    return (make_inquiry(case, people[Role.IB]), make_access_request(case, people[Role.IB]),
            InspectionExport.objects.create(case=case, created_by=people[Role.IB], for_whom="Marieke de Vries"))


def _page(response, reference):
    """The page without what differs per response anyway (the masked CSRF token) or echoes the typed address."""
    import re

    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return text.replace(reference, "REF")


@pytest.mark.parametrize("who", ["ib_of_another_school", "teacher_not_on_the_team", "bestuur", "privacy",
                                 "directie_when_the_school_keeps_cases_to_their_teams"])
def test_an_unknown_reference_and_a_forbidden_one_answer_alike_on_every_new_page(who, case, papers, people,
                                                                                 other_school, make_user,
                                                                                 exporting_client):
    """A user without access gets a 404, never a hint that the case exists: same status, same page, no audit."""
    if who == "directie_when_the_school_keeps_cases_to_their_teams":
        case.school.directie_sees_all_cases = False
        case.school.save(update_fields=["directie_sees_all_cases"])
    user = {"ib_of_another_school": lambda: make_user(Role.IB, other_school),
            "teacher_not_on_the_team": lambda: make_user(Role.LEERKRACHT, case.school),
            "bestuur": lambda: people[Role.BESTUUR], "privacy": lambda: people[Role.PRIVACY],
            "directie_when_the_school_keeps_cases_to_their_teams": lambda: people[Role.DIRECTIE]}[who]()
    client = exporting_client(user)
    before = AuditEvent.objects.filter(case_id=case.pk).count()
    for method, url in _case_urls(case, *papers):
        forbidden = getattr(client, method)(url)
        unknown = getattr(client, method)(url.replace(case.reference, "ZZZZ-ZZZZ"))
        assert forbidden.status_code == unknown.status_code == 404, url
        assert _page(forbidden, case.reference) == _page(unknown, "ZZZZ-ZZZZ"), url
    assert AuditEvent.objects.filter(case_id=case.pk).count() == before


def test_a_request_or_copy_of_another_case_under_this_cases_reference_is_not_found(case, papers, people, pupil,
                                                                                  make_case, exporting_client):
    """Tampered ids: the coordinator of both cases still reaches another case's papers only under its own reference."""
    inquiry, access_request, inspection = papers
    other = make_case(pupil)
    client = exporting_client(people[Role.IB])
    for method, url in _case_urls(case, inquiry, access_request, inspection)[1:]:
        if str(other.reference) in url or case.reference not in url:
            continue
        tampered = url.replace(case.reference, other.reference)
        if tampered.endswith(("/nieuw/", "/inzageverzoek/", "/inzage/", "/dossier/", "/veilig-thuis/")):
            continue
        assert getattr(client, method)(tampered).status_code == 404, tampered


def test_a_session_with_only_a_password_reaches_none_of_the_new_pages(case, papers, people):
    """An unverified session (password, no second factor) is sent to the code page before any dossier page."""
    from django.test import Client

    client = Client()
    client.force_login(people[Role.IB])
    for method, url in _case_urls(case, *papers) + [
            ("get", reverse("qualifications:diagnosis", args=[case.school.slug])),
            ("get", reverse("inquiries:new_for_school", args=[case.school.slug]))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/"), url
    assert not AuditEvent.objects.filter(case_id=case.pk).exists()


def test_making_the_answer_again_or_collecting_any_copy_needs_a_fresh_sign_in(case, people, verified_client):
    """Exports without re-authentication: the second PDF of an answer and the download both ask for it first."""
    from documents.models import ExportJob

    inquiry = make_inquiry(case, people[Role.IB])
    InformationRequest.objects.filter(pk=inquiry.pk).update(answered_on=datetime.date(2026, 11, 10),
                                                           answered_by=people[Role.IB])
    client = verified_client(people[Role.IB])
    response = client.post(reverse("inquiries:export", args=[case.reference, inquiry.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:reauth"))
    assert not ExportJob.objects.exists()
    assert client.get(reverse("inquiries:export", args=[case.reference, inquiry.pk])).status_code == 405


def test_fields_the_form_does_not_offer_are_ignored_when_recording_a_request(case, pupil, people, make_case,
                                                                            verified_client):
    """Mass assignment: a posted case, author or answer does not reach the stored request."""
    from core.testing import with_key

    other = make_case(pupil)
    response = verified_client(people[Role.LEERKRACHT]).post(reverse("inquiries:new", args=[case.reference]), with_key({
        **REQUEST, "case": other.pk, "recorded_by": people[Role.DIRECTIE].pk, "answered_on": "2026-11-04",
        "answered_by": people[Role.DIRECTIE].pk, "given": "Alles."}))
    assert response.status_code == 302
    inquiry = InformationRequest.objects.get()
    assert (inquiry.case, inquiry.recorded_by) == (case, people[Role.LEERKRACHT])
    assert inquiry.answered_on is None and inquiry.answered_by is None and inquiry.given == ""


def test_an_answer_dated_in_the_future_is_refused_in_dutch_and_nothing_is_stored(case, people, exporting_client):
    inquiry = make_inquiry(case, people[Role.IB])
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = exporting_client(people[Role.IB]).post(reverse("inquiries:answer", args=[case.reference, inquiry.pk]),
                                                      {"given": "Gebeld.", "answered_on": tomorrow})
    assert response.status_code == 400 and "Deze datum ligt in de toekomst." in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.answered_on is None


def test_the_inspection_copy_cannot_answer_another_cases_inspection_request(case, people, pupil, make_case,
                                                                            exporting_client):
    """A tampered id in the 'answers' choice: refused in Dutch, and the other case's request stays open."""
    from documents.models import InspectionExport

    other = make_case(pupil)
    foreign = make_access_request(other, people[Role.IB])
    make_access_request(case, people[Role.IB])
    response = exporting_client(people[Role.IB]).post(reverse("documents:inspection", args=[case.reference]),
                                                      {"for_whom": "Marieke de Vries", "answers": foreign.pk})
    assert response.status_code == 400 and "geldige keuze" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.answered_on is None and not InspectionExport.objects.exists()


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/",
                                    "javascript:alert(1)"])
def test_the_confirmation_page_never_sends_anyone_to_another_site(target, people, verified_client):
    """Open redirects via next=: a successful re-authentication goes to a path on this site only."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from conftest import PASSWORD

    user = people[Role.IB]
    device = TOTPDevice.objects.get(user=user)
    token = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    response = verified_client(user).post(f"{reverse('accounts:reauth')}?next={target}",
                                          {"password": PASSWORD, "token": token})
    assert response.status_code == 302 and response["Location"] == "/"


def test_signing_out_is_a_post_with_a_csrf_token(people, verified_client):
    from django.test import Client

    client = verified_client(people[Role.IB])
    assert client.get(reverse("accounts:logout")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(reverse("accounts:logout")).status_code == 403


# --- an entry saved while the coordinator reviews -------------------------------------------------------------

def _seen(page) -> dict:
    import re

    return {"seen_up_to": re.search(r'name="seen_up_to" value="(\d+)"', page.content.decode()).group(1)}


def test_an_entry_saved_while_the_answer_is_being_prepared_is_not_given_unseen(case, people, exporting_client,
                                                                              add_entry):
    """Data minimisation (AVG art. 5(1)(c)): every entry the asker gets was on the page the coordinator went
    through; one saved meanwhile makes the page come back (400, nothing stored) with it to choose for."""
    from documents.models import ExportJob

    inquiry = make_inquiry(case, people[Role.IB])
    client = exporting_client(people[Role.IB])
    url = reverse("inquiries:answer", args=[case.reference, inquiry.pk])
    seen = _seen(client.get(url))
    add_entry(case, people[Role.LEERKRACHT], content={"observation": "De tante vertelde over de stiefvader."})
    refused = client.post(url, {"given": "Gebeld.", "answered_on": "2026-11-10", **seen})
    assert refused.status_code == 400
    assert "Er is intussen iets aan het dossier toegevoegd." in refused.content.decode()
    assert "stiefvader" in refused.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.answered_on is None and not ExportJob.objects.exists()
    assert client.post(url, {"given": "Gebeld.", "answered_on": "2026-11-10", **_seen(refused)}).status_code == 302


def test_an_entry_saved_while_the_inspection_copy_is_being_prepared_is_not_given_unseen(case, people,
                                                                                       exporting_client, add_entry):
    from documents.models import InspectionExport

    client = exporting_client(people[Role.IB])
    url = reverse("documents:inspection", args=[case.reference])
    seen = _seen(client.get(url))
    add_entry(case, people[Role.LEERKRACHT], content={"observation": "De tante vertelde over de stiefvader."})
    refused = client.post(url, {"for_whom": "Marieke de Vries, moeder", **seen})
    assert refused.status_code == 400
    assert "Er is intussen iets aan het dossier toegevoegd." in refused.content.decode()
    assert not InspectionExport.objects.exists()
    assert client.post(url, {"for_whom": "Marieke de Vries, moeder", **_seen(refused)}).status_code == 302


# --- imports: what the columns hold (PostgreSQL refuses longer values, SQLite stores them) ----------------------

def test_a_staff_file_with_values_longer_than_the_database_holds_is_refused_per_row_in_dutch():
    """Bad input gets a Dutch message and changes nothing: the row is refused before anything is saved."""
    from schools.imports import parse_staff_csv

    parsed = parse_staff_csv(f"naam;email;rol;functie\n{'N' * 201};{LONG_EMAIL};leerkracht;{'F' * 201}\n"
                             "Jan Smit;jan@example.org;leerkracht;\n".encode())
    assert [row["email"] for row in parsed.rows] == ["jan@example.org"]
    errors = " ".join(parsed.row_errors[2])
    assert "naam is te lang" in errors and "email is te lang" in errors and "functie is te lang" in errors


def test_a_pupil_file_with_values_longer_than_the_database_holds_is_refused_per_row_in_dutch():
    from schools.imports import parse_pupils_csv

    header = ("leerlingnummer;voornaam;achternaam;geboortedatum;groep;ouder1_naam;ouder1_relatie;ouder1_gezag;"
              "ouder1_telefoon;ouder1_email")
    parsed = parse_pupils_csv(
        f"{header}\n{'1' * 41};{'V' * 101};{'A' * 151};14-03-2017;{'5' * 21};{'O' * 201};{'R' * 61};ja;"
        f"{'0' * 41};{LONG_EMAIL}\n".encode(), today=datetime.date(2026, 12, 1))
    assert parsed.rows == []
    errors = " ".join(parsed.row_errors[2])
    for column in ("leerlingnummer", "voornaam", "achternaam", "groep", "ouder1_naam", "ouder1_relatie",
                   "ouder1_telefoon", "ouder1_email"):
        assert f"{column} is te lang" in errors, column


@pytest.mark.parametrize("role", [Role.BESTUUR, Role.PRIVACY])
def test_the_board_and_the_privacy_officer_do_not_reach_the_diagnosis_mark(role, school, people, verified_client):
    client = verified_client(people[role])
    url = reverse("qualifications:diagnosis", args=[school.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"user": people[Role.IB].pk, "qualified": "1"}).status_code == 404
    people[Role.IB].refresh_from_db()
    assert not people[Role.IB].qualified_for_diagnosis


def test_someone_signed_out_is_sent_to_sign_in_alike_for_an_unknown_and_an_existing_case(case, papers, client):
    for method, url in _case_urls(case, *papers):
        known = getattr(client, method)(url)
        unknown = getattr(client, method)(url.replace(case.reference, "ZZZZ-ZZZZ"))
        assert known.status_code == unknown.status_code == 302, url
        assert known["Location"].replace(case.reference, "REF") == unknown["Location"].replace("ZZZZ-ZZZZ", "REF")
    assert not AuditEvent.objects.filter(case_id=case.pk).exists()


def test_an_inspection_request_takes_only_who_asked_and_when_from_the_form(case, people, verified_client):
    """Mass assignment: a posted term, answer or case does not reach the stored request."""
    from core.testing import with_key

    response = verified_client(people[Role.IB]).post(reverse("documents:access_request", args=[case.reference]),
                                                     with_key({"requester": "Marieke de Vries, moeder",
                                                               "received_on": "2026-11-02",
                                                               "extended_until": "2027-03-01",
                                                               "answered_on": "2026-11-03", "case": 999}))
    assert response.status_code == 302
    access_request = AccessRequest.objects.get()
    assert access_request.case == case and access_request.extended_until is None
    assert access_request.answered_on is None


def test_a_download_is_a_post(people, verified_client):
    assert verified_client(people[Role.IB]).get(reverse("documents:download", args=[1])).status_code == 405


def test_a_mark_that_is_neither_yes_nor_no_is_refused_in_dutch_and_changes_nothing(school, people, verified_client):
    """Bad input gets a Dutch message and a 400 and leaves data unchanged (it used to clear the mark)."""
    from accounts.models import User

    ib = people[Role.IB]
    User.objects.filter(pk=ib.pk).update(qualified_for_diagnosis=True)
    response = verified_client(people[Role.DIRECTIE]).post(reverse("qualifications:diagnosis", args=[school.slug]),
                                                           {"user": ib.pk, "qualified": "ja"})
    assert response.status_code == 400
    assert "Kies of deze medewerker bevoegd is of niet." in response.content.decode()
    ib.refresh_from_db()
    assert ib.qualified_for_diagnosis
    assert not AuditEvent.objects.filter(action="staff.qualification_changed").exists()
