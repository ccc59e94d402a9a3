"""Irreversible actions (close, record a decision, sign, waive a step) first show what will happen and what is
still open (issue 14); only the roles that may take them reach those pages, anyone else gets a 404."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from cases.models import Case, Entry, Signature
from core.testing import confirmed, with_key

NOW = "2026-11-02T09:00"


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT], people[Role.IB], people[Role.DIRECTIE]])
    add_entry(case, people[Role.IB])
    return case


@pytest.mark.parametrize(("name", "kwargs"), [("cases:close", {}), ("cases:weigh", {}),
                                              ("cases:decide", {"kind": "help"}),
                                              ("cases:decide", {"kind": "report"}),
                                              ("cases:decide", {"kind": "exemption"})])
def test_a_leerkracht_gets_404_on_the_decision_pages(case, people, verified_client, name, kwargs):
    """Landelijk model 2019, stap 4 en 5: weighing, deciding, waiving and closing are the coordinator's."""
    url = reverse(name, kwargs={"reference": case.reference, **kwargs})
    teacher = verified_client(people[Role.LEERKRACHT])
    assert teacher.get(url).status_code == 404
    for data in ({"occurred_at": NOW, "action": "save", "reason": "pupil_left", "explanation": "Weg."},
                 {"occurred_at": NOW, "action": "save", "confirmed": "1", "reason": "pupil_left",
                  "explanation": "Weg."}):
        assert teacher.post(url, with_key(data)).status_code == 404
    assert Case.objects.get(pk=case.pk).is_open
    assert verified_client(people[Role.IB]).get(url).status_code == 200


def test_a_decision_page_for_an_unknown_kind_is_404(case, people, verified_client):
    url = reverse("cases:decide", args=[case.reference, "signal"])
    assert verified_client(people[Role.IB]).get(url).status_code == 404


def test_closing_shows_what_happens_and_what_is_open_before_anything_is_recorded(case, people, verified_client):
    client = verified_client(people[Role.DIRECTIE])
    url = reverse("cases:close", args=[case.reference])
    data = with_key({"occurred_at": NOW, "reason": "pupil_left", "explanation": "Verhuisd naar Zweden."})
    response = client.post(url, {**data, "action": "check"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "kan niet ongedaan worden gemaakt" in html
    assert "Verhuisd naar Zweden." in html
    assert response.context["still_open"], "the collegial consultation is still open"
    assert Case.objects.get(pk=case.pk).is_open
    assert not case.entries.filter(kind="closure").exists()
    # Back to change it: the form again, filled in, nothing recorded.
    back = client.post(url, {**data, "action": "edit"})
    assert back.status_code == 200 and back.context["form"].data["explanation"] == "Verhuisd naar Zweden."
    assert Case.objects.get(pk=case.pk).is_open
    confirmed = client.post(url, {**data, "action": "save", "confirmed": "1"})
    assert confirmed.status_code == 302
    assert not Case.objects.get(pk=case.pk).is_open
    # Sent twice (a double click on "Bevestigen"): recorded once.
    again = client.post(url, {**data, "action": "save", "confirmed": "1"})
    assert again.status_code == 302
    assert case.entries.filter(kind="closure").count() == 1


def test_an_invalid_decision_goes_back_to_the_form_not_to_the_confirmation(case, people, verified_client):
    client = verified_client(people[Role.DIRECTIE])
    response = client.post(reverse("cases:close", args=[case.reference]),
                           with_key({"occurred_at": NOW, "action": "check", "reason": "pupil_left"}))
    assert response.status_code == 400
    assert "explanation" in response.context["form"].errors


def test_the_weighing_shows_its_outcome_before_it_is_recorded(case, people, verified_client):
    client = verified_client(people[Role.DIRECTIE])
    response = client.post(reverse("cases:weigh", args=[case.reference]), with_key({
        "occurred_at": NOW, "action": "check", "q_vermoeden": "no", "r_vermoeden": "Niets gevonden."}))
    assert response.status_code == 200
    assert response.context["outcome"].kind == "close_unfounded"
    assert not case.entries.filter(kind="weighing").exists()


def test_signing_is_confirmed_first(case, people, verified_client, add_entry):
    conversation = add_entry(case, people[Role.IB], kind="conversation", facts={"purpose": "parent"})
    client = verified_client(people[Role.IB])
    url = reverse("cases:sign", args=[case.reference, conversation.pk])
    data = with_key({"participant": "Anna Bos", "signed": "1"})
    response = client.post(url, {**data, "action": "check"})
    assert response.status_code == 200 and "kan daarna niet worden gewijzigd" in response.content.decode()
    assert not Signature.objects.exists()
    assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert Signature.objects.filter(entry=conversation).count() == 1


def test_the_case_page_links_decisions_to_their_own_pages(case, people, verified_client):
    response = verified_client(people[Role.IB]).get(reverse("cases:detail", args=[case.reference]))
    urls = {kind: url for kind, _label, url in response.context["menu"]}
    assert urls["closure"] == reverse("cases:close", args=[case.reference])
    assert urls["weighing"] == reverse("cases:weigh", args=[case.reference])
    assert urls["report"] == reverse("cases:decide", args=[case.reference, "report"])
    assert Entry.objects.filter(case=case).count() == 1


DECISION_DATA = {
    "closure": {"reason": "pupil_left", "explanation": "Verhuisd naar Zweden."},
    "weighing": {"q_vermoeden": "no", "r_vermoeden": "Niets gevonden."},
}


@pytest.mark.parametrize("kind", ["weighing", "help", "report", "exemption", "closure"])
def test_the_old_entry_route_gives_a_leerkracht_the_same_404_for_a_decision(case, people, verified_client, kind):
    """The generic /nieuw/<kind>/ page existed before the decision pages: it too answers 404, never 403."""
    url = reverse("cases:new_entry", args=[case.reference, kind])
    teacher = verified_client(people[Role.LEERKRACHT])
    unknown = reverse("cases:new_entry", args=["XXXX-XXXX", kind])
    assert teacher.get(url).status_code == teacher.get(unknown).status_code == 404
    for action in ("check", "save", "draft"):
        response = teacher.post(url, with_key({"occurred_at": NOW, "action": action, "confirmed": "1",
                                               "reason": "pupil_left", "explanation": "Weg."}))
        assert response.status_code == 404
    assert case.entries.count() == 1 and Case.objects.get(pk=case.pk).is_open
    assert teacher.get(reverse("cases:new_entry", args=[case.reference, "signal"])).status_code == 200


@pytest.mark.parametrize("name", ["cases:close", "cases:new_entry"])
def test_a_decision_saved_without_the_confirmation_page_shows_that_page_and_records_nothing(
        case, people, verified_client, name):
    """Check your answers is a step the server enforces: a form posted straight to save (an old page, a script)
    gets the confirmation page; only its "Bevestigen" records the decision."""
    client = verified_client(people[Role.DIRECTIE])
    url = (reverse(name, args=[case.reference]) if name == "cases:close"
           else reverse(name, args=[case.reference, "closure"]))
    response = client.post(url, with_key({"occurred_at": NOW, "action": "save", **DECISION_DATA["closure"]}))
    assert response.status_code == 200
    assert "cases/confirm.html" in [t.name for t in response.templates]
    assert 'name="confirmed" value="1"' in response.content.decode()
    assert not case.entries.filter(kind="closure").exists() and Case.objects.get(pk=case.pk).is_open
    saved = confirmed(client, url, {}, response=response)
    assert saved.status_code == 302
    assert case.entries.filter(kind="closure").count() == 1 and not Case.objects.get(pk=case.pk).is_open


def test_a_weighing_posted_straight_to_save_is_not_recorded_before_it_is_confirmed(case, people, verified_client):
    client = verified_client(people[Role.IB])
    url = reverse("cases:weigh", args=[case.reference])
    response = client.post(url, with_key({"occurred_at": NOW, **DECISION_DATA["weighing"]}))  # no action at all
    assert response.status_code == 200 and response.context["outcome"].kind == "close_unfounded"
    assert not case.entries.filter(kind="weighing").exists()
    assert confirmed(client, url, {}, response=response).status_code == 302
    assert case.entries.filter(kind="weighing").count() == 1


def test_a_decision_draft_is_kept_without_confirmation_but_saved_only_after_it(case, people, verified_client):
    client = verified_client(people[Role.DIRECTIE])
    data = {"occurred_at": NOW, **DECISION_DATA["closure"]}
    response = client.post(reverse("cases:close", args=[case.reference]), with_key({**data, "action": "draft"}))
    assert response.status_code == 302
    draft = case.entries.get(kind="closure", status=Entry.Status.DRAFT)
    url = reverse("cases:edit_draft", args=[case.reference, draft.pk])
    response = client.post(url, with_key({**data, "revision": str(draft.revision), "action": "save"}))
    assert response.status_code == 200 and "cases/confirm.html" in [t.name for t in response.templates]
    assert case.entries.get(pk=draft.pk).status == Entry.Status.DRAFT and Case.objects.get(pk=case.pk).is_open
    assert confirmed(client, url, {}, response=response).status_code == 302
    assert case.entries.get(pk=draft.pk).status == Entry.Status.SAVED and not Case.objects.get(pk=case.pk).is_open
