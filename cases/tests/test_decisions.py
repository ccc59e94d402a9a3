"""Who decides, through the real views: the rules of protocol.engine (issue 13) enforced on the server."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from cases.models import Case, Entry, Route
from core.testing import confirmed, with_key

NOW = "2026-11-02T09:00"
DECISIONS = ["weighing", "help", "report", "exemption", "closure"]


def post(client, case, kind, data):
    # A decision goes through its confirmation page, as in the browser.
    return confirmed(client, reverse("cases:new_entry", args=[case.reference, kind]),
                     with_key({"occurred_at": NOW, "action": "save", **data}))


@pytest.fixture
def teacher_case(make_case, pupil, people):
    return make_case(pupil, team=[people[Role.LEERKRACHT]])


@pytest.mark.parametrize("kind", DECISIONS)
def test_a_leerkracht_cannot_close_decide_weigh_or_waive(teacher_case, people, verified_client, kind):
    """Landelijk model 2019, stap 4 en 5: weighing, the decisions of step 5, waiving a conversation and closing
    are the coordinator's; the server refuses them to a leerkracht, whatever the form posted, with the same 404 as
    for a dossier they do not know (no hint that the page exists)."""
    client = verified_client(people[Role.LEERKRACHT])
    url = reverse("cases:new_entry", args=[teacher_case.reference, kind])
    assert client.get(url).status_code == 404
    assert post(client, teacher_case, kind, {"reason": "pupil_left", "explanation": "Vertrokken."}).status_code == 404
    assert not teacher_case.entries.exists()
    menu = client.get(reverse("cases:detail", args=[teacher_case.reference])).context["entry_kinds"]
    assert kind not in {k for k, _label, _suggested in menu}
    assert "signal" in {k for k, _label, _suggested in menu}
    assert verified_client(people[Role.IB]).get(url).status_code == 200


def test_a_leerkracht_cannot_save_a_decision_draft_or_correct_a_decision(teacher_case, people, verified_client,
                                                                          add_entry):
    teacher = people[Role.LEERKRACHT]
    client = verified_client(teacher)
    draft = add_entry(teacher_case, teacher, kind="closure", facts={"reason": "pupil_left"}, saved=False)
    response = client.post(reverse("cases:edit_draft", args=[teacher_case.reference, draft.pk]),
                           with_key({"occurred_at": NOW, "action": "save", "reason": "pupil_left",
                                     "explanation": "Weg."}))
    # The same 404 as the decision's own page gives: no hint that the page exists for someone else.
    assert response.status_code == 404
    assert Case.objects.get(pk=teacher_case.pk).is_open
    weighing = add_entry(teacher_case, people[Role.IB], kind="weighing", facts={"answers": {"vermoeden": False}})
    assert client.get(reverse("cases:correct", args=[teacher_case.reference, weighing.pk])).status_code == 404
    signal = add_entry(teacher_case, teacher)
    assert client.get(reverse("cases:correct", args=[teacher_case.reference, signal.pk])).status_code == 200


def weigh_report(client, case, **extra):
    return post(client, case, "weighing", {"q_vermoeden": "yes", "r_vermoeden": "Signalen.",
                                           "q_onveiligheid": "yes", "r_onveiligheid": "Structureel.", **extra})


def test_a_case_whose_weighing_says_report_closes_only_with_a_report_or_a_signed_off_deviation(
        make_case, pupil, people, verified_client):
    """Afwegingskader 2019: 'melden'. Without a report the closure needs a reasoned deviation approved by final
    responsibility (landelijk model: the directie)."""
    case = make_case(pupil)
    ib, directie = verified_client(people[Role.IB]), people[Role.DIRECTIE]
    assert weigh_report(ib, case, approved_by=str(directie.pk)).status_code == 302
    refused = post(ib, case, "closure", {"reason": "pupil_left", "explanation": "Verhuisd.",
                                         "approved_by": str(directie.pk)})
    assert refused.status_code == 400 and "onderbouwde afwijking" in refused.content.decode()
    unapproved = post(ib, case, "closure", {"reason": "pupil_left", "explanation": "Verhuisd.",
                                            "deviation_reason": "Gezin verhuisd; VT en nieuwe school ingelicht."})
    assert unapproved.status_code == 400
    assert Case.objects.get(pk=case.pk).is_open
    closed = post(ib, case, "closure", {"reason": "pupil_left", "explanation": "Verhuisd.",
                                        "deviation_reason": "Gezin verhuisd; VT en nieuwe school ingelicht.",
                                        "approved_by": str(directie.pk)})
    assert closed.status_code == 302
    entry = case.entries.get(kind="closure")
    assert entry.facts["deviation"] is True and entry.facts["approved_by_role"] == "directie"
    assert entry.facts["decided_by_roles"] == ["ib"]
    assert entry.content["deviation_reason"].startswith("Gezin verhuisd")
    assert Case.objects.get(pk=case.pk).status == Case.Status.CLOSED


def test_the_directie_closes_a_case_on_its_own_authority(make_case, pupil, people, verified_client):
    case = make_case(pupil, team=[people[Role.DIRECTIE]])
    directie = verified_client(people[Role.DIRECTIE])
    form = directie.get(reverse("cases:new_entry", args=[case.reference, "closure"])).context["form"]
    assert "approved_by" not in form.fields and "deviation_reason" not in form.fields
    assert post(directie, case, "closure", {"reason": "pupil_left", "explanation": "Vertrokken."}).status_code == 302
    assert case.entries.get(kind="closure").facts["approved_by_role"] == "directie"


def test_a_missing_approval_stays_open_until_final_responsibility_approves_by_correcting(
        make_case, pupil, people, verified_client):
    """Besluit verplichte meldcode: who has final responsibility for the decision to report is in the meldcode; a
    decision by the IB waits for the directie's approval, listed as an open requirement."""
    case = make_case(pupil, team=[people[Role.DIRECTIE]])
    assert weigh_report(verified_client(people[Role.IB]), case).status_code == 302
    (need,) = Case.objects.get(pk=case.pk).guidance().approvals
    assert "nog niet goedgekeurd door directie" in need.message
    weighing = case.entries.get(kind="weighing")
    directie = verified_client(people[Role.DIRECTIE])
    url = reverse("cases:correct", args=[case.reference, weighing.pk])
    form = directie.get(url).context["form"]
    assert form.initial["q_onveiligheid"] == "yes"  # the stored answers, ready to approve
    response = directie.post(url, with_key({"occurred_at": NOW, "reason": "Goedgekeurd door de directeur.",
                                            "q_vermoeden": "yes", "r_vermoeden": "Signalen.",
                                            "q_onveiligheid": "yes", "r_onveiligheid": "Structureel."}))
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).guidance().approvals == ()


def test_informing_the_board_asks_whether_it_may_be_a_sexual_offence(make_case, pupil, people, verified_client):
    """WPO art. 4a lid 1 en 2: the consultation of the vertrouwensinspecteur is required for a possible sexual
    offence; for other violence it is advised. The duty form asks, the engine follows."""
    case = make_case(pupil, route=Route.STAFF, subject_staff=people[Role.LEERKRACHT])
    client = verified_client(people[Role.DIRECTIE])
    missing = post(client, case, "duty", {"duty": "inform_board", "account": "Bestuur gebeld."})
    assert missing.status_code == 400
    assert post(client, case, "duty", {"duty": "inform_board", "account": "Bestuur gebeld.",
                                       "sexual_offence": "0"}).status_code == 302
    guidance = Case.objects.get(pk=case.pk).guidance()
    assert [n.id for n in guidance.requirements] == ["closure"]
    assert [a.id for a in guidance.advice] == ["consult_inspector"]
    entry = Entry.objects.get(case=case)
    assert entry.facts == {"duty": "inform_board", "sexual_offence": False, "reasonable_grounds": None}
