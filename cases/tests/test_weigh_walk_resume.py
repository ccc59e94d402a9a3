"""The guided weighing keeps the answers given so far (usability trial: an intern begeleider on a phone left the walk
halfway for a phone call and had to start again), and its check page says when the decision still needs the
approval of whoever carries final responsibility under the school's meldcode.

The answers are kept in the person's draft of the weighing (encrypted like every entry's content), so that any app
server resumes the walk, and only its author sees them; the save turns the draft into the weighing.
"""

import pytest
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Entry
from cases.tests.test_guided_weighing import NOW, REPORT, answer, finish, to_final, walk_the_kader, walk_url
from core.testing import with_key


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT], people[Role.IB], people[Role.DIRECTIE]])
    add_entry(case, people[Role.IB])
    return case


def drafts(case):
    return Entry.objects.filter(case=case, kind="weighing", status=Entry.Status.DRAFT)


def stored_column(entry, column):
    """A column as the database holds it, without the model's decryption."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {Entry._meta.db_table} WHERE id = %s", [entry.pk])
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else str(value)


def test_leaving_the_weighing_halfway_keeps_the_answers_given(case, people, verified_client):
    phone = verified_client(people[Role.IB])
    first = phone.get(walk_url(case))
    second = answer(phone, case, first, "yes", "Signalen en het oudergesprek.")
    third = answer(phone, case, second, "no", "Geen acute onveiligheid.")
    assert third.context["question"].id == "hulp_mogelijk"
    # A phone call: she leaves, and comes back later in another session (served by another app server).
    later = verified_client(people[Role.IB]).get(walk_url(case))
    assert later.status_code == 200
    assert later.context["step"] == "question" and later.context["question"].id == "hulp_mogelijk"
    assert [(q.id, yes, reason) for q, yes, reason in later.context["answered"]] == [
        ("vermoeden", True, "Signalen en het oudergesprek."), ("onveiligheid", False, "Geen acute onveiligheid.")]
    html = later.content.decode()
    assert 'data-notice="resumed"' in html and "2 vragen zijn al beantwoord" in html
    # An earlier answer is there to change: one step back shows it filled in, and a changed answer changes the path.
    client = verified_client(people[Role.IB])
    back = client.post(walk_url(case), with_key({"walk": later.context["walk_token"], "at": "question",
                                                 "action": "back"}))
    assert back.context["question"].id == "onveiligheid"
    assert back.context["form"].initial == {"answer": "no", "reason": "Geen acute onveiligheid."}
    changed = answer(client, case, back, "yes", "Toch structureel.")
    assert changed.context["question"].id == "hulp_mogelijk"
    again = verified_client(people[Role.IB]).get(walk_url(case))
    assert dict((q.id, yes) for q, yes, _reason in again.context["answered"]) == {"vermoeden": True,
                                                                                  "onveiligheid": True}
    # Kept in one draft of the weighing, encrypted at rest: no reasoning and no answers in plain text.
    draft = drafts(case).get()
    assert draft.author == people[Role.IB] and draft.seq is None and draft.facts == {}
    assert draft.content["answers"] == {"vermoeden": True, "onveiligheid": True}
    assert draft.content["r_onveiligheid"] == "Toch structureel."
    raw = stored_column(draft, "content")
    assert "Toch structureel" not in raw and "onveiligheid" not in raw and "vermoeden" not in raw
    assert "onveiligheid" not in stored_column(draft, "facts")
    assert AuditEvent.objects.filter(action="entry.draft", case_id=case.pk).count() == 3


def test_another_user_does_not_see_half_way_answers(case, people, verified_client):
    ib = verified_client(people[Role.IB])
    first = ib.get(walk_url(case))
    answer(ib, case, first, "yes", "Een geheime onderbouwing.")
    # The directie may weigh in this case too, and starts afresh: the IB's answers are not theirs to see.
    directie = verified_client(people[Role.DIRECTIE])
    theirs = directie.get(walk_url(case))
    assert theirs.status_code == 200 and theirs.context["question"].id == "vermoeden"
    assert not theirs.context["answered"] and theirs.context["notice"] is None
    assert "Een geheime onderbouwing." not in theirs.content.decode()
    # Nor on the case page, where the IB sees her own draft with the answers so far.
    page = directie.get(reverse("cases:detail", args=[case.reference]))
    assert page.status_code == 200 and "Een geheime onderbouwing." not in page.content.decode()
    own = ib.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Een geheime onderbouwing." in own and case.definition().afwegingskader[0].text in own
    # The IB's page sent by someone else: refused, her draft unchanged.
    token = answer(ib, case, ib.get(walk_url(case)), "yes", "Onderbouwing 2.").context["walk_token"]
    stolen = directie.post(walk_url(case), with_key({"walk": token, "at": "question", "question": "hulp_mogelijk",
                                                     "action": "answer", "answer": "no", "reason": "Anders."}))
    assert stolen.status_code == 400
    # A leerkracht does not learn the page exists; the directie's own answers go into a draft of their own.
    assert verified_client(people[Role.LEERKRACHT]).get(walk_url(case)).status_code == 404
    answer(directie, case, theirs, "no", "Geen vermoeden.")
    assert {d.author_id: d.content["answers"] for d in drafts(case)} == {
        people[Role.IB].pk: {"vermoeden": True, "onveiligheid": True}, people[Role.DIRECTIE].pk: {"vermoeden": False}}


def test_saving_the_weighing_takes_the_half_way_answers_with_it(case, people, verified_client):
    client = verified_client(people[Role.IB])
    outcome, _asked = walk_the_kader(client, case, REPORT)
    draft = drafts(case).get()
    final = to_final(client, case, outcome)
    assert finish(client, case, final, consulted="Directie").status_code == 302
    saved = Entry.objects.get(case=case, kind="weighing")
    # The draft became the weighing: one entry, saved, with what the one-page form records.
    assert saved.pk == draft.pk and saved.is_saved and saved.seq is not None
    assert saved.facts["answers"] == REPORT and "answers" not in saved.content
    assert not drafts(case).exists()
    fresh = client.get(walk_url(case))
    assert fresh.context["question"].id == "vermoeden" and not fresh.context["answered"]


def test_a_page_older_than_the_answers_kept_changes_nothing(case, people, verified_client):
    client = verified_client(people[Role.IB])
    first = client.get(walk_url(case))
    second = answer(client, case, first, "yes", "Signalen.")
    answer(client, case, second, "no", "Geen acute onveiligheid.")
    kept = drafts(case).get()
    # The browser's back button shows the second question again, with the page's older walk; answered anew there.
    stale = client.post(walk_url(case), with_key({
        "walk": second.context["walk_token"], "at": "question", "question": "onveiligheid", "action": "answer",
        "answer": "yes", "reason": "Toch wel."}))
    assert stale.status_code == 409
    assert 'data-notice="moved_on"' in stale.content.decode()
    assert stale.context["question"].id == "hulp_mogelijk"  # where the walk stands now
    after = drafts(case).get()
    assert (after.revision, after.content) == (kept.revision, kept.content)
    # A walk started in a second window before the first answer was kept: refused as well, no second draft.
    fresh_token = first.context["walk_token"]
    other = client.post(walk_url(case), with_key({"walk": fresh_token, "at": "question", "question": "vermoeden",
                                                  "action": "answer", "answer": "no", "reason": "Toch niet."}))
    assert other.status_code == 409 and drafts(case).count() == 1
    assert AuditEvent.objects.filter(action="entry.conflict", case_id=case.pk).count() == 2


def test_a_save_from_a_page_older_than_the_answers_kept_records_nothing(case, people, verified_client):
    client = verified_client(people[Role.IB])
    outcome, _asked = walk_the_kader(client, case, REPORT)
    final = to_final(client, case, outcome)
    check = finish(client, case, final, "check")
    assert check.status_code == 200
    # Meanwhile, in another window, she went back and answered the second question otherwise.
    other = verified_client(people[Role.IB])
    resumed = other.get(walk_url(case))
    assert resumed.context["question"].id == "hulp_mogelijk"  # left for later: asked again, 'later' still offered
    back = other.post(walk_url(case), with_key({"walk": resumed.context["walk_token"], "at": "question",
                                                "action": "back"}))
    assert back.context["question"].id == "onveiligheid"
    answer(other, case, back, "no", "Toch geen acute onveiligheid.")
    saved = client.post(walk_url(case), {**dict(check.context["hidden"]), "confirmed": "1", "action": "save"})
    assert saved.status_code == 409 and 'data-notice="moved_on"' in saved.content.decode()
    assert not Entry.objects.filter(case=case, kind="weighing", status=Entry.Status.SAVED).exists()
    assert drafts(case).get().content["answers"] == {"vermoeden": True, "onveiligheid": False}


def test_a_draft_from_the_one_page_form_is_resumed_in_the_walk(case, people, verified_client):
    client = verified_client(people[Role.IB])
    response = client.post(reverse("cases:weigh", args=[case.reference]), with_key({
        "q_vermoeden": "yes", "r_vermoeden": "Signalen.", "occurred_at": NOW, "action": "draft"}))
    assert response.status_code == 302 and drafts(case).count() == 1
    resumed = client.get(walk_url(case))
    assert resumed.context["question"].id == "onveiligheid"
    assert [(q.id, yes) for q, yes, _reason in resumed.context["answered"]] == [("vermoeden", True)]


def check_page(client, case, **fields):
    outcome, _asked = walk_the_kader(client, case, REPORT)
    final = to_final(client, case, outcome)
    check = finish(client, case, final, "check", **fields)
    assert check.status_code == 200 and "hidden" in check.context
    return check


def test_the_check_page_says_the_directie_must_approve_when_the_meldcode_asks(case, people, verified_client):
    assert tuple(case.definition().final_responsibility.roles) == ("directie",)
    check = check_page(verified_client(people[Role.IB]), case)
    html = check.content.decode()
    assert 'data-testid="approval"' in html
    assert "Volgens uw meldcode is de directie eindverantwoordelijk voor dit besluit." in html
    assert "nog de goedkeuring van de directie nodig" in html
    # Confirmed anyway: recorded, and the approval stays open in the dossier.
    saved = verified_client(people[Role.IB]).post(walk_url(case), {**dict(check.context["hidden"]), "confirmed": "1",
                                                                   "action": "save"})
    assert saved.status_code == 302
    assert Entry.objects.get(case=case, kind="weighing").facts["approved_by_role"] == ""


def test_the_check_page_says_nothing_of_approval_when_it_does_not_apply(case, people, verified_client):
    # The directie weighs: they carry final responsibility themselves.
    assert 'data-testid="approval"' not in check_page(verified_client(people[Role.DIRECTIE]), case).content.decode()
    # The IB names the directie member who approved it.
    approved = check_page(verified_client(people[Role.IB]), case, approved_by=str(people[Role.DIRECTIE].pk))
    assert 'data-testid="approval"' not in approved.content.decode()


def test_the_check_page_names_every_role_with_final_responsibility(case, people, verified_client, monkeypatch):
    from protocol import engine

    monkeypatch.setattr(engine, "final_roles", lambda definition: ("directie", "bestuur"))
    html = check_page(verified_client(people[Role.IB]), case).content.decode()
    assert "Volgens uw meldcode is de directie of het bestuur eindverantwoordelijk voor dit besluit." in html


def test_the_one_page_weighing_check_page_says_it_too(case, people, verified_client):
    one_page = {f"q_{qid}": "yes" if value else "no" for qid, value in REPORT.items()}
    one_page.update({f"r_{qid}": f"Onderbouwing bij {qid}." for qid in REPORT})
    check = verified_client(people[Role.IB]).post(reverse("cases:weigh", args=[case.reference]), with_key(
        {**one_page, "occurred_at": NOW, "action": "check"}))
    assert check.status_code == 200
    assert "nog de goedkeuring van de directie nodig" in check.content.decode()
