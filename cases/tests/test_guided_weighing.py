"""The afwegingskader as a guided walk (issue 14): one question per page, in the words of the school's meldcode,
only the questions that still apply, the outcome before anything is recorded, then the rest of the weighing with
the two decisions of step 5, the check-your-answers page and the save.

The afwegingskader for education (2019, "Afwegingskader meldcode huiselijk geweld en kindermishandeling voor het
onderwijs", mandatory since 1 January 2019 by the Besluit verplichte meldcode) has five questions: (1) is there,
after steps 1-4, a suspicion of (threat of) domestic violence or child abuse — no: close, the suspicion is
unfounded; (2) is there acute and/or structural unsafety — yes: report, and questions 3-5 are answered together
with Veilig Thuis; (3) can the school or a partner organise help that averts the threat — no: report; (4) do
those involved accept the help — no: report, yes: start help; (5) does the help reach the agreed results within
the deadline — no: report (again), yes: close the help. Step 5 is then two decisions: is reporting necessary,
and is help (also) possible.
"""

import pytest
from django.core import signing
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Case, CaseMember, Entry
from cases.weigh_walk import SALT
from core.testing import with_key
from protocol.models import MeldcodeVersion, ensure_shipped_versions

NOW = "2026-11-02T09:00"
REPORT = {"vermoeden": True, "onveiligheid": True}
HELP = {"vermoeden": True, "onveiligheid": False, "hulp_mogelijk": True, "hulp_aanvaard": True}


def walk_url(case):
    return reverse("cases:weigh_walk", args=[case.reference])


def answer(client, case, page, value, reason="", *, status=200):
    """Answer the question on `page` ("yes", "no" or "later") and return the next page."""
    question = page.context["question"]
    response = client.post(walk_url(case), with_key({
        "walk": page.context["walk_token"], "at": "question", "question": question.id, "action": "answer",
        "answer": value, "reason": reason}))
    assert response.status_code == status, response.content.decode()[:2000]
    return response


def walk_the_kader(client, case, answers):
    """Walk the kader as the coordinator does: each question the walk asks, answered from `answers` (the others
    left for later), up to the outcome page. Returns (outcome page, ids of the questions asked)."""
    page = client.get(walk_url(case))
    assert page.status_code == 200
    asked = []
    while page.context["step"] == "question":
        qid = page.context["question"].id
        asked.append(qid)
        if qid in answers:
            page = answer(client, case, page, "yes" if answers[qid] else "no", f"Onderbouwing bij {qid}.")
        else:
            page = answer(client, case, page, "later")
    assert page.context["step"] == "outcome"
    return page, asked


def to_final(client, case, outcome_page):
    page = client.post(walk_url(case), with_key({"walk": outcome_page.context["walk_token"], "at": "outcome",
                                                 "action": "next"}))
    assert page.status_code == 200 and page.context["step"] == "final"
    return page


def finish(client, case, final_page, action="save", **fields):
    """The last page sent with `action`; "save" goes through the check page and presses "Bevestigen" there."""
    data = {"walk": final_page.context["walk_token"], "at": "final", "occurred_at": NOW, "action": action, **fields}
    if action != "save":
        return client.post(walk_url(case), with_key(data))
    check = client.post(walk_url(case), with_key({**data, "action": "check"}))
    if check.status_code != 200 or "hidden" not in (check.context or {}):
        return check
    return client.post(walk_url(case), {**dict(check.context["hidden"]), "confirmed": "1", "action": "save"})


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT], people[Role.IB], people[Role.DIRECTIE]])
    add_entry(case, people[Role.IB])
    return case


@pytest.fixture
def sprong_case(pupil, people):
    """A case under De Sprong's own meldcode: three questions of its own (the 2010 model's), own explanations."""
    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="de-sprong", owner_school__isnull=True)
    case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=version, route="regular",
                               opened_by=people[Role.IB], coordinator=people[Role.IB])
    CaseMember.objects.create(case=case, user=people[Role.IB])
    return case


def test_it_walks_the_national_kader_one_question_at_a_time_and_skips_what_no_longer_applies(
        case, people, verified_client):
    client = verified_client(people[Role.IB])
    first = client.get(walk_url(case))
    html = first.content.decode()
    questions = case.definition().afwegingskader
    assert questions[0].text in html and questions[1].text not in html
    assert first.context["form"].fields["answer"].choices == [("yes", "Ja"), ("no", "Nee")]
    second = answer(client, case, first, "yes", "Signalen en het oudergesprek.")
    assert second.context["question"].id == "onveiligheid"
    # The school's explanation with the question (primary schools: yes also when in doubt).
    assert questions[1].hint in second.content.decode()
    # Acute or structural unsafety: report. Questions 3 to 5 are answered later, with Veilig Thuis.
    third = answer(client, case, second, "yes", "Structureel; bij twijfel ja.")
    assert third.context["question"].id == "hulp_mogelijk"
    assert ("later", "Nog niet: deze vraag beantwoord ik later") in third.context["form"].fields["answer"].choices
    outcome = answer(client, case, third, "later")
    assert outcome.context["step"] == "outcome"
    html = outcome.content.decode()
    assert 'data-outcome="report"' in html and "Meld bij Veilig Thuis." in html
    assert "Ja: melden bij Veilig Thuis is nodig." in html
    assert not Entry.objects.filter(case=case, kind="weighing", status="saved").exists(), "nothing recorded before the save"


def test_a_no_to_the_first_question_ends_the_walk_at_once(case, people, verified_client):
    client = verified_client(people[Role.IB])
    outcome, asked = walk_the_kader(client, case, {"vermoeden": False})
    assert asked == ["vermoeden"]
    assert outcome.context["outcome"].kind == "close_unfounded"
    assert "Sluit het dossier en leg vast dat het vermoeden ongegrond is." in outcome.content.decode()


def test_the_help_route_asks_only_the_questions_on_its_path_and_shows_both_decisions(case, people, verified_client):
    client = verified_client(people[Role.IB])
    outcome, asked = walk_the_kader(client, case, HELP)
    assert asked == ["vermoeden", "onveiligheid", "hulp_mogelijk", "hulp_aanvaard", "hulp_resultaat"]
    assert outcome.context["outcome"].kind == "start_help"
    decisions = outcome.context["decisions"]
    assert [yes for _label, _text, yes in decisions] == [False, True]
    final = to_final(client, case, outcome)
    assert 'data-decision="ja"' in final.content.decode()
    # The answers are asked on their own pages: the last page asks only what remains of the weighing.
    assert not any(name.startswith(("q_", "r_")) for name in final.context["form"].fields)
    assert {"occurred_at", "consulted", "instrument"} <= set(final.context["form"].fields)


def test_going_back_shows_the_earlier_answer_and_a_changed_answer_changes_the_path(case, people, verified_client):
    client = verified_client(people[Role.IB])
    first = client.get(walk_url(case))
    second = answer(client, case, first, "yes", "Signalen.")
    third = answer(client, case, second, "no", "Geen acute onveiligheid.")
    assert third.context["question"].id == "hulp_mogelijk"
    back = client.post(walk_url(case), with_key({"walk": third.context["walk_token"], "at": "question",
                                                 "action": "back"}))
    assert back.context["question"].id == "onveiligheid"
    assert back.context["form"].initial == {"answer": "no", "reason": "Geen acute onveiligheid."}
    again = answer(client, case, back, "yes", "Toch structureel.")
    assert again.context["question"].id == "hulp_mogelijk"  # 2019: asked again, now with Veilig Thuis
    assert "later" in dict(again.context["form"].fields["answer"].choices)  # the kader says report: it may wait
    assert "later" not in dict(third.context["form"].fields["answer"].choices)


def test_the_saved_weighing_holds_what_the_one_page_form_would_record(case, people, verified_client, make_case,
                                                                      pupil, add_entry):
    client = verified_client(people[Role.IB])
    outcome, _asked = walk_the_kader(client, case, REPORT)
    final = to_final(client, case, outcome)
    fields = {"consulted": "Directie", "approved_by": str(people[Role.DIRECTIE].pk)}
    check = finish(client, case, final, "check", **fields)
    assert check.status_code == 200
    assert 'data-outcome="report"' in check.content.decode() and "Onderbouwing bij onveiligheid." in check.content.decode()
    assert not Entry.objects.filter(case=case, kind="weighing", status="saved").exists()
    # Back to change it: the last page again, filled in.
    edit = client.post(walk_url(case), {**dict(check.context["hidden"]), "action": "edit"})
    assert edit.status_code == 200 and edit.context["step"] == "final"
    assert edit.context["form"].data["consulted"] == "Directie"
    # Confirmed on the check page: it sends back what it carries.
    saved = client.post(walk_url(case), {**dict(check.context["hidden"]), "confirmed": "1", "action": "save"})
    assert saved.status_code == 302 and saved.url == reverse("cases:detail", args=[case.reference])
    guided = Entry.objects.get(case=case, kind="weighing")

    other = Case.objects.create(school=case.school, pupil=pupil, meldcode_version=case.meldcode_version,
                                route="regular", opened_by=people[Role.IB], coordinator=people[Role.IB])
    CaseMember.objects.create(case=other, user=people[Role.IB])
    one_page = {f"q_{qid}": "yes" if value else "no" for qid, value in REPORT.items()}
    one_page.update({f"r_{qid}": f"Onderbouwing bij {qid}." for qid in REPORT})
    response = client.post(reverse("cases:weigh", args=[other.reference]),
                           with_key({**one_page, **fields, "occurred_at": NOW, "action": "save", "confirmed": "1"}))
    assert response.status_code == 302
    plain = Entry.objects.get(case=other, kind="weighing")
    assert guided.facts == plain.facts and guided.facts["answers"] == REPORT
    assert guided.content == plain.content
    assert any(e.details.get("guided") for e in AuditEvent.objects.filter(action="entry.create", case_id=case.pk))
    # Sent twice (a double click on "Bevestigen"): recorded once.
    client.post(walk_url(case), {**dict(check.context["hidden"]), "confirmed": "1", "action": "save"})
    assert Entry.objects.filter(case=case, kind="weighing").count() == 1


def test_a_school_with_its_own_questions_is_walked_in_its_own_words(sprong_case, people, verified_client):
    client = verified_client(people[Role.IB])
    questions = sprong_case.definition().afwegingskader
    assert [q.id for q in questions] == ["vermoeden", "bescherming", "effect"]
    first = client.get(walk_url(sprong_case))
    assert "Vraag 1 van 3" in first.content.decode() or "vraag 1 van 3" in first.content.decode()
    second = answer(client, sprong_case, first, "yes", "Het vermoeden blijft.")
    assert second.context["question"].id == "bescherming"
    assert "Twijfelt u of u voldoende bescherming kunt bieden, antwoord dan nee." in second.content.decode()
    outcome = answer(client, sprong_case, second, "no", "Wij kunnen niet genoeg beschermen.")
    # "No" reports at once: the question about the help's effect no longer applies.
    assert outcome.context["step"] == "outcome" and outcome.context["outcome"].kind == "report"
    assert "Meld uw vermoeden bij Veilig Thuis Drenthe (stap 5b)." in outcome.content.decode()
    final = to_final(client, sprong_case, outcome)
    assert finish(client, sprong_case, final).status_code == 302
    entry = Entry.objects.get(case=sprong_case, kind="weighing")
    assert entry.facts["answers"] == {"vermoeden": True, "bescherming": False}
    assert entry.content["r_bescherming"] == "Wij kunnen niet genoeg beschermen."


def test_an_unanswered_step_shows_the_error_summary(case, people, verified_client):
    client = verified_client(people[Role.IB])
    first = client.get(walk_url(case))
    response = answer(client, case, first, "", status=400)
    html = response.content.decode()
    assert "Er is een probleem" in html and "Kies een antwoord op deze vraag." in html
    assert response.context["question"].id == "vermoeden"
    # A yes without its reasoning: the same summary, for the reasoning.
    response = answer(client, case, first, "yes", "  ", status=400)
    assert "Onderbouw dit antwoord." in response.content.decode()
    # Before the kader reaches an outcome, a question cannot wait.
    response = answer(client, case, first, "later", status=400)
    assert "Kies een antwoord op deze vraag." in response.content.decode()
    assert AuditEvent.objects.filter(action="entry.rejected", case_id=case.pk).count() == 3


def test_the_last_step_shows_the_error_summary_too(case, people, verified_client):
    client = verified_client(people[Role.IB])
    outcome, _asked = walk_the_kader(client, case, REPORT)
    final = to_final(client, case, outcome)
    response = finish(client, case, final, "check", occurred_at="")
    assert response.status_code == 400 and "Er is een probleem" in response.content.decode()
    assert response.context["step"] == "final"
    assert not Entry.objects.filter(case=case, kind="weighing", status="saved").exists()


def test_a_tampered_carried_answer_is_refused(case, people, verified_client, make_case, pupil):
    client = verified_client(people[Role.IB])
    outcome, _asked = walk_the_kader(client, case, REPORT)
    final = to_final(client, case, outcome)
    token = final.context["walk_token"]
    # Changed on the way: the signature no longer fits.
    payload = signing.loads(token, salt=SALT)
    forged = signing.dumps({**payload, "a": {"vermoeden": False}, "r": {"vermoeden": "Toch niet."}}, salt="other")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, ""):
        response = client.post(walk_url(case), with_key({"walk": bad, "at": "final", "occurred_at": NOW,
                                                         "action": "save"}))
        assert response.status_code == 400
        assert "konden niet worden gecontroleerd" in response.content.decode()
    # Answers sent beside the signed walk count for nothing: the walk's answers are recorded.
    assert finish(client, case, final, q_vermoeden="no", r_vermoeden="Geen vermoeden.").status_code == 302
    assert Entry.objects.get(case=case, kind="weighing").facts["answers"] == REPORT


def test_a_walk_belongs_to_its_case_and_its_person(case, people, verified_client, make_case, pupil):
    ib = verified_client(people[Role.IB])
    outcome, _asked = walk_the_kader(ib, case, REPORT)
    token = outcome.context["walk_token"]
    other = make_case(pupil, team=[people[Role.IB]])
    elsewhere = ib.post(walk_url(other), with_key({"walk": token, "at": "outcome", "action": "next"}))
    assert elsewhere.status_code == 400
    directie = verified_client(people[Role.DIRECTIE])
    assert directie.post(walk_url(case), with_key({"walk": token, "at": "outcome", "action": "next"})).status_code == 400
    assert not Entry.objects.filter(kind="weighing", status="saved").exists()


def test_an_answer_to_a_question_the_kader_no_longer_asks_is_refused(case, people, verified_client):
    client = verified_client(people[Role.IB])
    first = client.get(walk_url(case))
    second = answer(client, case, first, "yes", "Signalen.")
    # The first page sent again, after the walk moved on from it, with the newer walk: refused, not recorded.
    response = client.post(walk_url(case), with_key({"walk": second.context["walk_token"], "at": "question",
                                                     "question": "vermoeden", "action": "answer", "answer": "no",
                                                     "reason": "Toch niet."}))
    assert response.status_code == 400
    # A signed walk whose answers leave the kader's path (as a changed meldcode could make it): refused.
    forged = signing.dumps({"c": case.pk, "u": people[Role.IB].pk, "a": {"vermoeden": False, "onveiligheid": True},
                            "r": {"vermoeden": "a", "onveiligheid": "b"}, "s": False}, salt=SALT, compress=True)
    assert client.post(walk_url(case), with_key({"walk": forged, "at": "outcome", "action": "next"})).status_code == 400


def test_a_leerkracht_gets_404_on_every_step(case, people, verified_client):
    """Landelijk model 2019, stap 4 en 5: weighing is the coordinator's; the teacher does not learn the page exists."""
    ib = verified_client(people[Role.IB])
    outcome, _asked = walk_the_kader(ib, case, REPORT)
    final = to_final(ib, case, outcome)
    teacher = verified_client(people[Role.LEERKRACHT])
    assert teacher.get(walk_url(case)).status_code == 404
    token = final.context["walk_token"]
    for data in ({"at": "question", "question": "vermoeden", "action": "answer", "answer": "yes", "reason": "x"},
                 {"at": "question", "action": "back"}, {"at": "outcome", "action": "next"},
                 {"at": "final", "action": "check", "occurred_at": NOW},
                 {"at": "final", "action": "save", "occurred_at": NOW}):
        assert teacher.post(walk_url(case), with_key({"walk": token, **data})).status_code == 404
    assert not Entry.objects.filter(case=case, kind="weighing", status="saved").exists()


def test_the_case_page_leads_to_the_guided_walk(make_case, pupil, people, verified_client, add_entry):
    case = make_case(pupil, team=[people[Role.IB]])
    ib = people[Role.IB]
    add_entry(case, ib)
    add_entry(case, ib, kind="consultation", facts={"with": "colleague", "anonymous": True})
    add_entry(case, ib, kind="conversation", facts={"purpose": "parent", "roles_present": ["ib"]})
    response = verified_client(ib).get(reverse("cases:detail", args=[case.reference]))
    decision = [a for a in response.context["actions"] if a.need.id == "decision"]
    assert decision and decision[0].url == walk_url(case)
    # The one-page form stays in the menu.
    urls = {kind: url for kind, _label, url in response.context["menu"]}
    assert urls["weighing"] == reverse("cases:weigh", args=[case.reference])


def test_the_walk_saves_the_weighing_only_from_its_confirmation_page(case, people, verified_client):
    """A decision is recorded only after the check-your-answers page (issue 14), also at the end of the walk."""
    client = verified_client(people[Role.IB])
    outcome, _asked = walk_the_kader(client, case, REPORT)
    final = to_final(client, case, outcome)
    data = {"walk": final.context["walk_token"], "at": "final", "occurred_at": NOW, "action": "save"}
    page = client.post(walk_url(case), with_key(data))
    assert page.status_code == 200 and "hidden" in page.context
    assert not Entry.objects.filter(case=case, kind="weighing", status="saved").exists()
