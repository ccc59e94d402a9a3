"""A form that creates something in a dossier is carried out once, however often it is sent (core.idempotency);
nobody new joins a closed dossier; break-glass is rate-limited per person."""

import io
import re
import threading

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases import journal
from cases.models import BreakGlass, Case, CaseMember, CaseSibling, Entry, Signature
from core import idempotency
from core.idempotency import FIELD
from core.models import SubmittedForm
from core.testing import reauthenticate, with_key

NOW = "2026-11-02T09:00"
NOTE = {"occurred_at": NOW, "text": "Sanne kwam huilend binnen.", "action": "save"}
REASON = {"reason": "De coördinator is ziek en de moeder belt over een nieuw incident."}


@pytest.fixture
def case(make_case, pupil, people):
    return make_case(pupil, team=[people[Role.LEERKRACHT]])


def post_note(client, case, data):
    return client.post(reverse("cases:new_entry", args=[case.reference, "note"]), data)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- every form that creates something -------------------------------------------------------------------------

def _brother(pupil):
    from schools.models import Pupil

    return Pupil.objects.create(school=pupil.school, first_name="Milan", last_name="de Vries",
                                date_of_birth=pupil.date_of_birth, group="2")


def _glass_case(make_case, pupil, make_user, school):
    school.ib_sees_all_cases = False
    school.save()
    coordinator = make_user(Role.IB, school)
    return make_case(pupil, coordinator=coordinator, team=[coordinator])


def _another_pupil(pupil, n):
    from schools.models import Pupil

    return Pupil.objects.create(school=pupil.school, first_name=f"Kind {n}", last_name="Jansen",
                                date_of_birth=pupil.date_of_birth, group="4")


# Each: (who posts, set-up returning (url, data), what to count).
def open_case(ctx):
    # Another pupil: this one has an open dossier already, and a pupil never gets a second one.
    return reverse("cases:open", args=[ctx.school.slug]), {"pupil": _another_pupil(ctx.pupil, 7).pk,
                                                           "route": "regular"}


def record_signal(ctx):
    return reverse("cases:signal", args=[ctx.school.slug]), {
        "action": "save", "leerling": _another_pupil(ctx.pupil, 8).pk, "observation": "Een blauwe plek.",
        "is_hypothesis": "0", "occurred_at": "2026-11-02T09:00"}


def new_entry(ctx):
    return reverse("cases:new_entry", args=[ctx.case.reference, "note"]), NOTE


def edit_draft(ctx):
    draft = ctx.add_entry(ctx.case, ctx.people[Role.IB], kind="note", content={"text": "Concept"}, facts={},
                          saved=False)
    return reverse("cases:edit_draft", args=[ctx.case.reference, draft.pk]), {**NOTE, "revision": str(draft.revision)}


def correction(ctx):
    original = ctx.add_entry(ctx.case, ctx.people[Role.IB], kind="note", content={"text": "Linkerarm"}, facts={})
    return (reverse("cases:correct", args=[ctx.case.reference, original.pk]),
            {**NOTE, "text": "Rechterarm", "reason": "Verkeerde arm genoteerd."})


def signature(ctx):
    conversation = ctx.add_entry(ctx.case, ctx.people[Role.IB], kind="conversation", facts={"purpose": "parent"})
    return reverse("cases:sign", args=[ctx.case.reference, conversation.pk]), {"participant": "Moeder", "signed": "1"}


def acute(ctx):
    return reverse("cases:acute", args=[ctx.case.reference]), {"occurred_at": NOW, "contacted": "Veilig Thuis"}


def team_member(ctx):
    return reverse("cases:team", args=[ctx.case.reference]), {"user": ctx.people[Role.DIRECTIE].pk}


def sibling(ctx):
    return (reverse("cases:team", args=[ctx.case.reference]),
            {"sibling": _brother(ctx.pupil).pk, "role": "Getuige van geweld thuis"})


def break_glass(ctx):
    ctx.case = _glass_case(ctx.make_case, ctx.pupil, ctx.make_user, ctx.school)
    reauthenticate(ctx.client)
    return reverse("cases:break_glass", args=[ctx.case.reference]), REASON


FORMS = {
    "open_case": (open_case, lambda: Case.objects.count()),
    "record_signal": (record_signal, lambda: Entry.objects.filter(kind="signal").count()),
    "new_entry": (new_entry, lambda: Entry.objects.filter(kind="note").count()),
    "edit_draft": (edit_draft, lambda: Entry.objects.filter(kind="note", status="saved").count()),
    "correction": (correction, lambda: Entry.objects.filter(corrects__isnull=False).count()),
    "signature": (signature, lambda: Signature.objects.count()),
    "acute": (acute, lambda: Entry.objects.filter(kind="emergency_contact").count()),
    "team_member": (team_member, lambda: CaseMember.objects.filter(added_by__isnull=False).count()),
    "sibling": (sibling, lambda: CaseSibling.objects.count()),
    "break_glass": (break_glass, lambda: BreakGlass.objects.count()),
}


class Context:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


@pytest.fixture
def form_post(make_case, make_user, add_entry, pupil, people, school, verified_client):
    def make(name):
        setup, count = FORMS[name]
        case = make_case(pupil)  # the IB is coordinator, so not on the team: CaseMember counts only additions
        ctx = Context(case=case, make_case=make_case, make_user=make_user, add_entry=add_entry, pupil=pupil,
                      people=people, school=school, client=verified_client(people[Role.IB]))
        url, data = setup(ctx)
        return ctx.client, url, data, count, count()

    return make


@pytest.mark.parametrize("name", list(FORMS))
def test_every_form_that_creates_something_in_a_dossier_is_carried_out_once(name, form_post):
    client, url, data, count, before = form_post(name)
    data = with_key(data)
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    again = client.post(url, data)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert "Dit was al vastgelegd." in messages_of(again)
    assert count() == before + 1


@pytest.mark.parametrize("name", list(FORMS))
@pytest.mark.parametrize("key", [None, "", "not-a-key", "A" * 32])
def test_a_post_without_a_valid_key_is_refused_with_a_dutch_message_and_stores_nothing(name, key, form_post):
    client, url, data, count, before = form_post(name)
    response = client.post(url, data if key is None else {**data, FIELD: key})
    assert response.status_code == 400
    assert "Er is niets vastgelegd." in response.content.decode()
    assert count() == before
    assert not SubmittedForm.objects.exists()


def test_each_form_page_carries_a_fresh_key(case, people, verified_client):
    client = verified_client(people[Role.IB])
    url = reverse("cases:new_entry", args=[case.reference, "note"])
    keys = [re.search(rf'name="{FIELD}" value="([0-9a-f]{{32}})"', client.get(url).content.decode()).group(1)
            for _ in range(2)]
    assert keys[0] != keys[1]
    assert post_note(client, case, {**NOTE, FIELD: keys[0]}).status_code == 302
    assert post_note(client, case, {**NOTE, FIELD: keys[1]}).status_code == 302
    assert case.entries.count() == 2


def test_a_form_sent_again_writes_no_second_audit_event(case, people, verified_client):
    client = verified_client(people[Role.LEERKRACHT])
    data = with_key(NOTE)
    post_note(client, case, data)
    post_note(client, case, data)
    assert case.entries.count() == 1
    assert AuditEvent.objects.filter(action="entry.create", case_id=case.pk).count() == 1


def test_someone_elses_key_is_not_found(case, people, verified_client):
    data = with_key(NOTE)
    assert post_note(verified_client(people[Role.IB]), case, data).status_code == 302
    # A colleague sending the same key learns nothing about it: their own note is simply recorded.
    second = post_note(verified_client(people[Role.LEERKRACHT]), case, data)
    assert second.status_code == 302
    assert "Dit was al vastgelegd." not in messages_of(second)
    assert case.entries.count() == 2


def test_the_key_is_kept_only_together_with_the_write(case, people, verified_client, monkeypatch):
    from cases import views

    recorded = views.audit

    def fails_on_create(action, **kwargs):
        if action == "entry.create":
            raise ConnectionError("the connection dropped")
        return recorded(action, **kwargs)

    client = verified_client(people[Role.LEERKRACHT])
    client.raise_request_exception = False
    data = with_key(NOTE)
    monkeypatch.setattr(views, "audit", fails_on_create)
    assert post_note(client, case, data).status_code == 500
    assert not case.entries.exists() and not SubmittedForm.objects.exists()
    # The person tries again with the same form: now it is recorded, once.
    monkeypatch.setattr(views, "audit", recorded)
    again = post_note(client, case, data)
    assert again.status_code == 302 and "Dit was al vastgelegd." not in messages_of(again)
    assert case.entries.count() == 1


def test_a_refused_correction_does_not_use_up_its_key(case, people, add_entry, verified_client):
    original = add_entry(case, people[Role.IB], kind="note", content={"text": "Linkerarm"}, facts={})
    url = reverse("cases:correct", args=[case.reference, original.pk])
    data = {**NOTE, "text": "Rechterarm", "reason": "Verkeerde arm."}
    assert verified_client(people[Role.IB]).post(url, with_key(data)).status_code == 302
    teacher = verified_client(people[Role.LEERKRACHT])
    mine = with_key({**data, "text": "Beide armen"})
    assert teacher.post(url, mine).status_code == 409
    assert not SubmittedForm.objects.filter(user=people[Role.LEERKRACHT]).exists()
    assert teacher.post(url, mine).status_code == 409  # still the conflict, not "already recorded"


def test_a_closure_sent_again_says_it_was_recorded_rather_than_that_the_dossier_is_closed(
        case, people, verified_client):
    client = verified_client(people[Role.IB])
    url = reverse("cases:new_entry", args=[case.reference, "closure"])
    data = with_key({"occurred_at": NOW, "reason": "pupil_left", "explanation": "De leerling is verhuisd.",
                     "action": "save", "approved_by": str(people[Role.DIRECTIE].pk)})
    data["confirmed"] = "1"  # "Bevestigen" on the confirmation page, pressed twice
    first = client.post(url, data)
    assert first.status_code == 302, first.context["form"].errors
    case.refresh_from_db()
    assert not case.is_open
    again = client.post(url, data)
    assert again["Location"] == reverse("cases:detail", args=[case.reference])
    assert "Dit was al vastgelegd." in messages_of(again)
    assert not any("gesloten" in message for message in messages_of(again))


def test_the_daily_job_forgets_keys_older_than_a_week(people, db):
    user = people[Role.IB]
    old = SubmittedForm.objects.create(user=user, key="a" * 32, created_at=timezone.now() - timezone.timedelta(days=8))
    recent = SubmittedForm.objects.create(user=user, key="b" * 32,
                                          created_at=timezone.now() - timezone.timedelta(days=6))
    call_command("run_daily", stdout=io.StringIO())
    assert not SubmittedForm.objects.filter(pk=old.pk).exists()
    assert SubmittedForm.objects.filter(pk=recent.pk).exists()


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="two requests at the same moment need PostgreSQL's own connections")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_the_same_moment_records_one_entry(case, people, verified_client,
                                                                      monkeypatch):
    clients = [verified_client(people[Role.LEERKRACHT]) for _ in range(2)]
    data = with_key(NOTE)
    # Both requests get past the "was this key used?" check before either writes: the race the key must win.
    both_checked = threading.Barrier(2, timeout=10)
    check = idempotency.check

    def check_together(request):
        answer = check(request)
        both_checked.wait()
        return answer

    monkeypatch.setattr(idempotency, "check", check_together)
    responses, errors = [], []

    def send(client):
        try:
            responses.append(post_note(client, case, data))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [r.status_code for r in responses] == [302, 302]
    assert Entry.objects.filter(case=case).count() == 1
    assert SubmittedForm.objects.count() == 1
    assert sorted(m for r in responses for m in messages_of(r)) == ["Dit was al vastgelegd.",
                                                                    "Vastgelegd in het journaal."]


# --- a closed dossier ----------------------------------------------------------------------------------------

def test_nobody_new_is_added_to_a_closed_dossier(case, people, pupil, add_entry, verified_client):
    closure = add_entry(case, people[Role.IB], kind="closure", facts={"reason": "unfounded"},
                        content={"explanation": "Ongegrond."})
    journal.close_case(case, closure)
    client = verified_client(people[Role.IB])
    url = reverse("cases:team", args=[case.reference])
    members = set(case.members.values_list("user_id", flat=True))
    for data in ({"user": people[Role.DIRECTIE].pk},
                 {"sibling": _brother(pupil).pk, "role": "Getuige van geweld thuis"}):
        response = client.post(url, with_key(data))
        assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.reference])
        assert any("Dit dossier is gesloten." in message for message in messages_of(response))
    assert set(case.members.values_list("user_id", flat=True)) == members
    assert not CaseSibling.objects.exists()
    page = client.get(url).content.decode()
    assert "Iemand toevoegen" not in page and "Koppelen" not in page
    # Taking access away still works.
    member = case.members.get(user=people[Role.LEERKRACHT])
    assert client.post(url, {"remove": str(member.pk)}).status_code == 302
    assert not case.members.filter(user=people[Role.LEERKRACHT]).exists()


# --- break-glass ---------------------------------------------------------------------------------------------

def test_break_glass_is_limited_per_person_with_a_dutch_page_and_an_audit_event(
        make_case, make_user, pupil, people, school, verified_client, settings):
    settings.BREAK_GLASS_RATE = "2/h"
    cases = [_glass_case(make_case, child, make_user, school)
             for child in (pupil, _another_pupil(pupil, 1), _another_pupil(pupil, 2))]
    urls = [reverse("cases:break_glass", args=[case.reference]) for case in cases]
    client = verified_client(people[Role.IB])
    reauthenticate(client)
    assert client.post(urls[0], with_key(REASON)).status_code == 302
    assert client.post(urls[1], with_key(REASON)).status_code == 302
    refused = client.post(urls[2], with_key(REASON))
    assert refused.status_code == 429
    assert "Te vaak noodtoegang gevraagd" in refused.content.decode()
    assert BreakGlass.objects.count() == 2
    event = AuditEvent.objects.get(action="access.break_glass_rate_limited")
    assert event.case_id == cases[2].pk and event.actor_id == people[Role.IB].pk
    # Someone else is not held back by it.
    school.directie_sees_all_cases = False
    school.save()
    colleague = verified_client(people[Role.DIRECTIE])
    reauthenticate(colleague)
    assert colleague.post(urls[2], with_key(REASON)).status_code == 302
    assert BreakGlass.objects.count() == 3
