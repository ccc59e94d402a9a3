"""A reminder of the meldcode is closed by recording what it asks for, not by a tap on "Klaar": an open
hypothesis must be confirmed or refuted (Landelijk model meldcode 2019, stap 1: feiten en hypothesen gescheiden,
hypothesen getoetst), a help deadline evaluated. The case page leads to the form; manual actions keep "Klaar"."""

from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import Task


def _hypothesis_task(case, hypothesis, assignee):
    """As cases.journal.plan_tasks plans it when a hypothesis is saved through the form."""
    return Task.objects.create(case=case, kind=Task.Kind.HYPOTHESIS, due_on=timezone.localdate(), assignee=assignee,
                               source_entry=hypothesis)


def _page(client, case):
    return client.get(reverse("cases:detail", args=[case.reference])).content.decode()


def test_an_open_hypothesis_reminder_leads_to_the_follow_up_form_and_has_no_klaar(make_case, pupil, people,
                                                                                 verified_client, add_entry):
    ib = people[Role.IB]
    case = make_case(pupil)
    hypothesis = add_entry(case, ib, facts={"is_hypothesis": True, "has_source": False})
    task = _hypothesis_task(case, hypothesis, ib)
    page = _page(verified_client(ib), case)
    assert f'{reverse("cases:new_entry", args=[case.reference, "followup"])}?hypothesis={hypothesis.pk}' in page
    assert reverse("cases:complete_task", args=[case.reference, task.pk]) not in page


def test_a_reminder_that_closes_itself_cannot_be_ticked_off_by_a_crafted_post(make_case, pupil, people,
                                                                              verified_client, add_entry):
    ib = people[Role.IB]
    case = make_case(pupil)
    hypothesis = add_entry(case, ib, facts={"is_hypothesis": True, "has_source": False})
    task = _hypothesis_task(case, hypothesis, ib)
    client = verified_client(ib)
    response = client.post(reverse("cases:complete_task", args=[case.reference, task.pk]), follow=True)
    assert "sluit vanzelf zodra vastligt wat ze vraagt" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is None


def test_a_manual_action_is_ticked_off_with_klaar_and_says_so(make_case, pupil, people, verified_client):
    ib = people[Role.IB]
    case = make_case(pupil)
    task = Task.objects.create(case=case, kind=Task.Kind.OTHER, due_on=timezone.localdate(), assignee=ib)
    client = verified_client(ib)
    url = reverse("cases:complete_task", args=[case.reference, task.pk])
    assert url in _page(client, case)
    response = client.post(url, follow=True)
    assert "De actie is afgevinkt." in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is not None


def test_consent_and_a_hypothesis_outcome_are_never_chosen_in_advance(make_case, pupil, people, verified_client):
    """Consent recorded as "given" by default would be consent nobody gave (AVG art. 7: consent must be shown)."""
    from core.testing import with_key

    ib = people[Role.IB]
    case = make_case(pupil)
    client = verified_client(ib)
    for kind, field, message in (("consent", "status", "Kies of de ouder toestemming gaf, weigerde of introk."),
                                 ("followup", "outcome", "Kies de uitkomst.")):
        url = reverse("cases:new_entry", args=[case.reference, kind])
        page = client.get(url).content.decode()
        select = page[page.index(f'name="{field}"'):page.index("</select>", page.index(f'name="{field}"'))]
        assert '<option value="" selected>' in select
        response = client.post(url, with_key({"occurred_at": "2026-11-02T10:00", "action": "save"}))
        assert response.status_code == 400 and message in response.content.decode()
    assert not case.entries.exists()
