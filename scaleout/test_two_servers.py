"""Stateless app servers: one signed-in person's requests alternate between two gunicorn instances (A, B, A, B ...)
that share one PostgreSQL and one Redis, with no sticky sessions, and every flow still holds."""

import threading
import time

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import BreakGlass, Entry
from documents.models import ExportJob
from scaleout.conftest import (
    EXPORT_RATE,
    FAILURE_LIMIT,
    OBSERVATION,
    PASSWORD,
    authenticator_code,
    reauthenticate,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)

SIGNAL = {"place": "Klaslokaal", "situation": "Bij binnenkomst", "others_present": "", "is_hypothesis": "0",
          "source": "", "direction": "unclear"}


def a_moment_ago() -> str:
    return timezone.localtime(timezone.now() - timezone.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def test_a_person_signs_in_with_password_and_code_on_alternating_servers_and_every_page_works_on_both(
        browser, people, case):
    ib = people[Role.IB]
    client = browser()

    page = client.get("/account/inloggen/?next=/")
    password_step = client.submit(page, "/account/inloggen/", {"email": ib.email, "password": PASSWORD, "next": "/"})
    assert password_step.status == 302 and password_step.location.startswith("/account/code/")
    code_page = client.follow(password_step)
    assert code_page.status == 200 and "Tweestapsverificatie" in code_page.text
    code = authenticator_code(ib)
    done = client.submit(code_page, "/account/code/", {"token": code, "next": "/"})
    assert done.status == 302 and done.location == "/"
    assert client.served == ["A", "B", "A", "B"]

    # Every page on both servers, with the session the other one made.
    for path in ["/", "/", f"/dossiers/{case.school.slug}/", f"/dossiers/{case.school.slug}/",
                 f"/dossiers/d/{case.reference}/", f"/dossiers/d/{case.reference}/"]:
        answer = client.get(path)
        assert answer.status == 200, (answer, answer.text[:2000])
        if "/d/" in path:
            assert OBSERVATION in answer.text and case.pupil.last_name in answer.text
    assert client.served[4:] == ["A", "B", "A", "B", "A", "B"]

    # The code just used on B is spent on A too: someone who saw it over a shoulder gets nowhere.
    intruder = browser(first="B")
    page = intruder.get("/account/inloggen/?next=/")
    step = intruder.submit(page, "/account/inloggen/", {"email": ib.email, "password": PASSWORD, "next": "/"})
    code_page = intruder.follow(step)
    replay = intruder.submit(code_page, "/account/code/", {"token": code, "next": "/"})
    assert replay.server != done.server
    assert replay.status == 400 and "Deze code klopt niet" in replay.text
    assert intruder.get(f"/dossiers/d/{case.reference}/").status == 302


def test_wrong_passwords_on_alternating_servers_lock_the_account_once_the_shared_count_reaches_the_limit(
        browser, people):
    leerkracht = people[Role.LEERKRACHT]
    client = browser()
    page = client.get("/account/inloggen/")  # A; its CSRF token serves every attempt below

    wrong = []
    for attempt in range(FAILURE_LIMIT - 1):
        answer = client.submit(page, "/account/inloggen/", {"email": leerkracht.email, "password": f"raden-{attempt}"})
        assert answer.status == 400 and "kennen we niet" in answer.text
        wrong.append(answer.server)
    assert set(wrong) == {"A", "B"}

    locking = client.submit(page, "/account/inloggen/", {"email": leerkracht.email, "password": "nog-een-gok"})
    assert locking.status == 429 and "Tijdelijk geblokkeerd" in locking.text

    # The right password on the other server: still locked, because the count lives in the database.
    right = client.submit(page, "/account/inloggen/", {"email": leerkracht.email, "password": PASSWORD})
    assert right.server != locking.server
    assert right.status == 429 and "Tijdelijk geblokkeerd" in right.text
    assert sum(AccessAttempt.objects.filter(username=leerkracht.email).values_list(
        "failures_since_start", flat=True)) >= FAILURE_LIMIT


def test_the_export_rate_limit_is_one_count_for_both_servers(browser, people, case):
    ib = people[Role.IB]
    client = browser()
    sign_in(client, ib)
    preview_path = f"/documenten/d/{case.reference}/veilig-thuis/"
    reauthenticate(client, ib, preview_path)
    preview = client.get(preview_path)
    assert preview.status == 200, preview

    allowed = [client.submit(preview, preview_path, {}) for _ in range(EXPORT_RATE)]
    assert [answer.status for answer in allowed] == [302] * EXPORT_RATE
    assert {answer.server for answer in allowed} == {"A", "B"}
    refused = client.submit(preview, preview_path, {})
    assert refused.status == 429 and "Te veel exports" in refused.text
    assert ExportJob.objects.filter(requested_by=ib).count() == EXPORT_RATE
    assert AuditEvent.objects.filter(action="export.rate_limited", actor_id=ib.pk).count() == 1


def test_the_password_link_limit_per_address_is_one_count_for_both_servers(browser, people):
    from accounts.views import RESET_RATE_PER_ADDRESS

    limit = int(RESET_RATE_PER_ADDRESS.split("/")[0])
    leerkracht = people[Role.LEERKRACHT]
    client = browser()
    page = client.get("/account/wachtwoord-vergeten/")

    answers = [client.submit(page, "/account/wachtwoord-vergeten/", {"email": leerkracht.email})
               for _ in range(limit + 1)]

    assert {answer.status for answer in answers} == {200}
    assert {answer.server for answer in answers[:limit]} == {"A", "B"}
    # The answer looks the same either way (nobody learns whether an address is known); the trail says what happened.
    sent = [event.details["sent"] for event in
            AuditEvent.objects.filter(action="auth.password_reset_requested").order_by("pk")]
    assert sent == [True] * limit + [False]


def test_a_re_authentication_on_one_server_counts_on_the_other(browser, people, case):
    ib = people[Role.IB]
    client = browser()
    sign_in(client, ib)
    preview_path = f"/documenten/d/{case.reference}/veilig-thuis/"

    asked = client.get(preview_path)
    assert asked.status == 302 and asked.location.startswith("/account/bevestigen/")
    form = client.follow(asked)
    assert form.status == 200 and "Bevestig dat u het bent" in form.text
    confirmed = client.submit(form, "/account/bevestigen/", {
        "password": PASSWORD, "token": authenticator_code(ib), "next": preview_path})
    assert confirmed.status == 302 and confirmed.location == preview_path

    on_the_other = client.follow(confirmed)
    again = client.get(preview_path)
    assert on_the_other.server != confirmed.server and again.server == confirmed.server
    assert on_the_other.status == 200 and again.status == 200
    assert "Maak de pdf" in on_the_other.text


def test_break_glass_granted_through_one_server_opens_the_case_on_the_other(
        browser, people, make_user, make_case, school):
    school.ib_sees_all_cases = False
    school.save()
    coordinator = make_user(Role.IB, school, name="Coördinator Ziek")
    case = make_case(coordinator=coordinator)
    other_ib = people[Role.IB]
    client = browser()
    sign_in(client, other_ib)
    detail = f"/dossiers/d/{case.reference}/"
    glass = f"/dossiers/d/{case.reference}/toegang/"

    asked = client.get(detail)
    assert asked.status == 302 and asked.location == glass
    needs_reauth = client.follow(asked)
    assert needs_reauth.status == 302 and needs_reauth.location.startswith("/account/bevestigen/")
    reauthenticate(client, other_ib, glass)
    form = client.get(glass)
    assert form.status == 200, form
    granted = client.submit(form, glass, {"reason": "De coördinator is ziek en de moeder belt over een nieuw incident."})
    assert granted.status == 302 and granted.location == detail

    on_one, on_other = client.get(detail), client.get(detail)
    assert {on_one.server, on_other.server} == {"A", "B"}
    for answer in (on_one, on_other):
        assert answer.status == 200 and OBSERVATION in answer.text
    assert BreakGlass.objects.filter(case=case, user=other_ib).count() == 1


def test_a_draft_saved_through_one_server_refuses_a_stale_revision_through_the_other(browser, people, case):
    leerkracht = people[Role.LEERKRACHT]
    client = browser()
    sign_in(client, leerkracht)
    new_signal = f"/dossiers/d/{case.reference}/nieuw/signal/"
    form = client.get(new_signal)
    saved = client.submit(form, new_signal, {**SIGNAL, "occurred_at": a_moment_ago(), "observation": "Begin",
                                             "action": "draft"})
    assert saved.status == 302, (saved, saved.text[:2000])
    draft = Entry.objects.get(case=case, status=Entry.Status.DRAFT, author=leerkracht)

    # Two tabs open the draft at the same revision; the first saves through one server, the second, later,
    # through the other.
    edit = f"/dossiers/d/{case.reference}/concept/{draft.pk}/"
    first_tab, second_tab = client.get(edit), client.get(edit)
    revision = f'name="revision" value="{draft.revision}"'
    assert revision in first_tab.text and revision in second_tab.text
    fields = {**SIGNAL, "occurred_at": a_moment_ago(), "revision": str(draft.revision), "action": "draft"}
    first = client.submit(first_tab, edit, {**fields, "observation": "Eerste versie"})
    second = client.submit(second_tab, edit, {**fields, "observation": "Tweede versie"})

    assert first.server != second.server
    assert first.status == 302
    assert second.status == 409 and "Tweede versie" in second.text
    draft.refresh_from_db()
    assert draft.content["observation"] == "Eerste versie"
    assert draft.revision == int(fields["revision"]) + 1


def test_an_export_requested_on_one_server_is_made_by_the_worker_and_downloaded_from_the_other(
        browser, people, case, task_worker):
    ib = people[Role.IB]
    client = browser()
    sign_in(client, ib)
    preview_path = f"/documenten/d/{case.reference}/veilig-thuis/"
    reauthenticate(client, ib, preview_path)
    requested = client.submit(client.get(preview_path), preview_path, {})
    assert requested.status == 302 and requested.location.startswith("/documenten/export/")
    job_path = requested.location

    deadline = time.monotonic() + 120
    page = client.get(job_path)
    while "Het document is klaar." not in page.text:
        assert page.status == 200 and "mislukt" not in page.text, (page, page.text[:2000])
        assert time.monotonic() < deadline, "the worker did not make the export within 120 s"
        time.sleep(0.5)
        page = client.get(job_path)
    if client.next_server == requested.server:
        page = client.get(job_path)
    download = client.submit(page, f"{job_path}download/", {})

    assert download.server != requested.server
    assert download.status == 200 and download.headers["Content-Type"] == "application/pdf"
    assert download.body.startswith(b"%PDF-")
    assert "al gedownload" in client.get(job_path).text
    assert ExportJob.objects.get(requested_by=ib).status == ExportJob.Status.COLLECTED


def test_the_rendered_entry_cache_of_each_server_never_serves_a_stale_or_another_persons_entry(
        browser, people, make_user, case, school):
    ib, leerkracht = people[Role.IB], people[Role.LEERKRACHT]
    original = case.entries.get()
    Entry.objects.create(case=case, kind="signal", author=leerkracht, occurred_at=timezone.now(),
                         content={"place": "Gang", "situation": "Pauze", "observation": "Alleen voor mij, nog niet af."},
                         facts={"is_hypothesis": False, "has_source": False})
    detail = f"/dossiers/d/{case.reference}/"

    client = browser()
    sign_in(client, ib)
    warm = [client.get(detail), client.get(detail)]  # both servers now hold the entry's HTML
    assert {answer.server for answer in warm} == {"A", "B"}
    for answer in warm:
        assert answer.status == 200 and OBSERVATION in answer.text and "nog niet af" not in answer.text

    # A correction through one server shows at once through both, although both had the entry cached.
    correct = f"/dossiers/d/{case.reference}/corrigeren/{original.pk}/"
    form = client.get(correct)
    corrected = client.submit(form, correct, {
        **SIGNAL, "place": "Gymzaal", "situation": "Omkleden", "occurred_at": a_moment_ago(),
        "observation": "Een blauwe plek op de linkerarm.", "reason": "Het was één plek, niet op beide armen."})
    assert corrected.status == 302, (corrected, corrected.text[:2000])
    for answer in (client.get(detail), client.get(detail)):
        assert answer.status == 200
        assert "Deze regel is later gecorrigeerd" in answer.text
        assert "Een blauwe plek op de linkerarm." in answer.text
    assert set(client.served[-2:]) == {"A", "B"}

    # The author's draft: only for the author, on both servers.
    author = browser()
    sign_in(author, leerkracht)
    for answer in (author.get(detail), author.get(detail)):
        assert answer.status == 200 and "Alleen voor mij, nog niet af." in answer.text

    # Someone without access: not found on either server, and nothing of the cached entries.
    outsider = browser()
    sign_in(outsider, make_user(Role.LEERKRACHT, school, name="Bram Buiten"))
    for answer in (outsider.get(detail), outsider.get(detail)):
        assert answer.status == 404
        assert "blauwe plek" not in answer.text.lower() and case.pupil.last_name not in answer.text
    assert set(outsider.served[-2:]) == {"A", "B"}


def test_the_audit_trail_written_by_both_servers_at_once_is_one_intact_chain(browser, people, case):
    from audit.verify import verify_chain

    ib = people[Role.IB]
    client = browser()
    sign_in(client, ib)
    detail = f"/dossiers/d/{case.reference}/"
    views_before = AuditEvent.objects.filter(action="case.view").count()
    statuses, lock = [], threading.Lock()

    def read_the_case(start_on_b):
        # Same session cookie, its own connection; one tab starts on B so both servers write at the same time.
        tab = browser(first="B" if start_on_b else "A")
        for cookie in client.cookies:
            tab.cookies.set_cookie(cookie)
        for _ in range(8):
            answer = tab.get(detail)
            with lock:
                statuses.append(answer.status)

    tabs = [threading.Thread(target=read_the_case, args=(n % 2,)) for n in range(4)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(timeout=120)
    assert not any(tab.is_alive() for tab in tabs)

    assert statuses == [200] * 32
    assert AuditEvent.objects.filter(action="case.view").count() == views_before + 32
    result = verify_chain()
    assert result.ok, result.problem
    assert result.checked + result.unchained == AuditEvent.objects.count()

