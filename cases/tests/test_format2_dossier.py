"""The dossier under a format-2 meldcode (the example De Wilgenhoek, docs/meldcode-format.md): who does what,
the handelingsplan, parties on the forms, and deadlines that remind the coordinator and then the directie."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import Case, Entry, EntryKind, Task
from cases.notifications import send_due_reminders
from core.testing import confirmed, with_key
from protocol.definition import DEFINITIONS_DIR

TEXT = (DEFINITIONS_DIR / "examples" / "de-wilgenhoek.yaml").read_text(encoding="utf-8")


@pytest.fixture
def wilgenhoek(school, people):
    from protocol.models import adopt, store_version

    version = store_version(TEXT, filename="de-wilgenhoek.yaml", school=school, uploaded_by=people[Role.DIRECTIE])
    adopt(school, version, people[Role.DIRECTIE])
    return version


@pytest.fixture
def case(wilgenhoek, pupil, people, add_entry):
    case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=wilgenhoek,
                               opened_by=people[Role.IB], coordinator=people[Role.IB])
    add_entry(case, people[Role.LEERKRACHT], when=timezone.now() - datetime.timedelta(days=1))
    return case


def post(client, case, kind, data):
    moment = (timezone.localtime() - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    # A decision goes through its confirmation page, as in the browser.
    return confirmed(client, reverse("cases:new_entry", args=[case.reference, kind]),
                     with_key({"action": "save", "occurred_at": moment, **data}))


def test_the_taakverdeling_names_the_party_that_took_the_task_on_the_case_page(case, people, verified_client):
    """Issue 13 / the school's file: per case the dossier records which party took which task, and the guidance
    names that party."""
    client = verified_client(people[Role.IB])
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Dit doet: intern begeleider." in page  # the file's `by`
    response = post(client, case, EntryKind.ASSIGNMENT, {"task": "consult_coordinator", "party": "zorgcoordinator",
                                                         "agreement": "Besloten in het expertiseteam."})
    assert response.status_code == 302
    entry = Entry.objects.get(case=case, kind=EntryKind.ASSIGNMENT)
    assert entry.facts == {"task": "consult_coordinator", "party": "zorgcoordinator"}
    assert entry.content["agreement"] == "Besloten in het expertiseteam."
    assert entry.content["party"] == "zorgcoördinator van het bestuur"
    assert entry.content["task"] == "Bespreek de signalen met de zorgcoördinator van het bestuur."
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Dit doet: zorgcoördinator van het bestuur." in page
    assert "Wie doet het?" in page  # the journal shows the taakverdeling in words


def test_a_taakverdeling_with_a_party_the_meldcode_does_not_name_changes_nothing(case, people, verified_client):
    client = verified_client(people[Role.IB])
    response = post(client, case, EntryKind.ASSIGNMENT, {"task": "consult_coordinator", "party": "ggd"})
    assert response.status_code == 400
    assert "Selecteer een geldige keuze" in response.content.decode()
    assert not Entry.objects.filter(case=case, kind=EntryKind.ASSIGNMENT).exists()


def test_a_consultation_records_the_party_and_satisfies_the_step(case, people, verified_client):
    """The school's file: step 2 is the consultation with the zorgcoördinator of the board."""
    client = verified_client(people[Role.IB])
    response = post(client, case, EntryKind.CONSULTATION, {
        "with_": "organisation", "party": "zorgcoordinator", "anonymous": "1", "question": "Zorgen over Sanne.",
        "advice": "Gesprek met de ouder plannen."})
    assert response.status_code == 302
    consultation = Entry.objects.get(case=case, kind=EntryKind.CONSULTATION)
    assert consultation.facts["party"] == "zorgcoordinator"
    assert consultation.content["party"] == "zorgcoördinator van het bestuur"
    case.refresh_from_db()
    assert case.current_step == "3"


def test_a_plan_s_evaluation_dates_become_tasks_for_the_coordinator(case, people, verified_client):
    """The school's file: a handelingsplan in 5a, evaluated on its dates."""
    client = verified_client(people[Role.IB])
    first = timezone.localdate() + datetime.timedelta(days=14)
    second = timezone.localdate() + datetime.timedelta(days=42)
    response = post(client, case, EntryKind.PLAN, {
        "goals": "Sanne komt uitgerust op school.", "actions": "Wijkteam begeleidt thuis.", "who": "wijkteam",
        "evaluation_1": first.isoformat(), "evaluation_2": second.isoformat()})
    assert response.status_code == 302
    entry = Entry.objects.get(case=case, kind=EntryKind.PLAN)
    assert entry.facts == {"evaluate_on": [first.isoformat(), second.isoformat()], "who": "wijkteam"}
    assert entry.content["who"] == "wijkteam" and entry.content["goals"] == "Sanne komt uitgerust op school."
    tasks = Task.objects.filter(case=case, need_id="plan_evaluation").order_by("due_on")
    assert [t.due_on for t in tasks] == [first, second] and tasks[0].assignee == people[Role.IB]
    guidance = case.guidance()
    assert [n.due for n in guidance.requirements if n.id == "plan_evaluation"] == [first]


def test_an_evaluation_date_before_the_plan_is_refused(case, people, verified_client):
    client = verified_client(people[Role.IB])
    response = post(client, case, EntryKind.PLAN, {
        "goals": "Doel.", "actions": "Actie.", "who": "ib",
        "evaluation_1": (timezone.localdate() - datetime.timedelta(days=3)).isoformat()})
    assert response.status_code == 400
    assert not Entry.objects.filter(case=case, kind=EntryKind.PLAN).exists()


def test_the_conversation_form_offers_the_moments_and_the_parties_of_a_format_2_meldcode(case, people,
                                                                                       verified_client):
    page = verified_client(people[Role.IB]).get(
        reverse("cases:new_entry", args=[case.reference, EntryKind.CONVERSATION])).content.decode()
    assert 'value="early"' in page and 'value="post_decision"' in page
    assert "Expertiseteam Rivierenland" in page


def test_an_overdue_deadline_reminds_the_coordinator_and_later_the_directie(case, people):
    """The school's file: step 2 within five school days. Due, the coordinator is reminded; still overdue three
    school days later, the directie is told as well (once)."""
    guidance = case.guidance()
    due = next(n.due for n in guidance.requirements if n.id == "consult_coordinator")
    send_due_reminders(due)
    task = Task.objects.get(case=case, kind=Task.Kind.DUE, need_id="consult_coordinator")
    assert task.due_on == due and task.reminded_at is not None
    assert [m.to for m in mail.outbox] == [[people[Role.IB].email]]
    later = due + datetime.timedelta(days=10)
    send_due_reminders(later)
    send_due_reminders(later)
    task.refresh_from_db()
    assert task.escalated_at is not None
    assert [m.to for m in mail.outbox][1:] == [[people[Role.DIRECTIE].email]]
    assert "Sanne" not in mail.outbox[1].body


def test_a_meldcode_with_its_own_escalation_wait_tells_the_directie_only_after_that_wait(school, pupil, people,
                                                                                          add_entry):
    """The school's file sets `escalate_after: {school_days: 5}`: three school days after the due date the directie
    has not been told yet (the default would have); six school days after, it has, once."""
    from protocol.models import adopt, store_version

    text = TEXT.replace("key: de-wilgenhoek", "key: de-wilgenhoek-wacht").replace(
        "recontact_after: {weeks: 6}\n", "recontact_after: {weeks: 6}\nescalate_after: {school_days: 5}\n")
    version = store_version(text, filename="de-wilgenhoek-wacht.yaml", school=school,
                            uploaded_by=people[Role.DIRECTIE])
    adopt(school, version, people[Role.DIRECTIE])
    assert version.definition().escalate_after_school_days == 5
    case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=version,
                               opened_by=people[Role.IB], coordinator=people[Role.IB])
    add_entry(case, people[Role.LEERKRACHT], when=timezone.now() - datetime.timedelta(days=1))
    due = next(n.due for n in case.guidance().requirements if n.id == "consult_coordinator")
    send_due_reminders(due)
    task = Task.objects.get(case=case, kind=Task.Kind.DUE, need_id="consult_coordinator")
    assert task.reminded_at is not None

    def school_days_after(count):
        from protocol.engine import add_school_days
        return add_school_days(due, count)

    send_due_reminders(school_days_after(4))
    task.refresh_from_db()
    assert task.escalated_at is None
    assert [people[Role.DIRECTIE].email] not in [m.to for m in mail.outbox]
    send_due_reminders(school_days_after(6))
    task.refresh_from_db()
    assert task.escalated_at is not None
    assert [m.to for m in mail.outbox].count([people[Role.DIRECTIE].email]) == 1
    assert "5 schooldagen" in next(m.body for m in mail.outbox if m.to == [people[Role.DIRECTIE].email])


def test_a_deadline_that_was_met_is_no_longer_a_task(case, people, add_entry):
    due = next(n.due for n in case.guidance().requirements if n.id == "consult_coordinator")
    send_due_reminders(due - datetime.timedelta(days=1))
    assert Task.objects.filter(case=case, need_id="consult_coordinator", done_at__isnull=True).exists()
    add_entry(case, people[Role.IB], kind="consultation", facts={"with": "organisation", "anonymous": True,
                                                                 "party": "zorgcoordinator"})
    send_due_reminders(due)
    assert not Task.objects.filter(case=case, need_id="consult_coordinator", done_at__isnull=True).exists()
    assert not mail.outbox


def test_a_weighing_records_the_parties_it_was_taken_with(case, people, verified_client):
    """The school's file: discussed in the expertise team, the decision is taken together with that team."""
    client = verified_client(people[Role.DIRECTIE])
    form_page = client.get(reverse("cases:new_entry", args=[case.reference, EntryKind.WEIGHING])).content.decode()
    assert "Samen besloten met" in form_page
    response = post(client, case, EntryKind.WEIGHING, {"q_vermoeden": "no", "r_vermoeden": "Geen vermoeden.",
                                                       "parties": ["expertiseteam"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    weighing = Entry.objects.get(case=case, kind=EntryKind.WEIGHING)
    assert weighing.facts["parties"] == ["expertiseteam"]
    assert weighing.content["parties"] == ["Expertiseteam Rivierenland"]


def test_a_format_1_dossier_has_no_party_fields(make_case, pupil, people, verified_client):
    case = make_case(pupil)
    client = verified_client(people[Role.IB])
    page = client.get(reverse("cases:new_entry", args=[case.reference, EntryKind.CONSULTATION])).content.decode()
    assert "Partij uit de meldcode" not in page
    page = client.get(reverse("cases:new_entry", args=[case.reference, EntryKind.CONVERSATION])).content.decode()
    assert 'value="early"' not in page


def test_a_report_under_a_format_2_meldcode_plans_recontact_after_the_period_in_its_file(case, people, add_entry):
    """The school's file: after a report, contact Veilig Thuis again after six weeks when nothing improves."""
    from cases.journal import plan_tasks

    report = add_entry(case, people[Role.IB], kind="report", facts={})
    plan_tasks(report)
    task = Task.objects.get(case=case, kind=Task.Kind.RECONTACT_VT)
    assert task.due_on == timezone.localdate() + datetime.timedelta(weeks=6)
