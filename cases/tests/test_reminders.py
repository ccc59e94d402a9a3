"""Daily reminders: due and overdue actions of open cases are reminded once, without content, and only to
people who may still read the case when the e-mail goes out."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.roles import Role
from cases.models import Case, CaseMember, Route, Task
from cases.notifications import send_due_reminders

TODAY = datetime.date(2026, 11, 10)
OBSERVATION = "Sanne had een blauwe plek op haar bovenarm."


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    add_entry(case, people[Role.LEERKRACHT], content={"observation": OBSERVATION})
    return case


def task(case, assignee, due, **extra):
    return Task.objects.create(case=case, kind=Task.Kind.HYPOTHESIS, due_on=due, assignee=assignee, **extra)


def test_due_and_overdue_actions_are_reminded_once(case, people):
    ib = people[Role.IB]
    due_today, overdue = task(case, ib, TODAY), task(case, ib, TODAY - datetime.timedelta(days=3))
    later = task(case, ib, TODAY + datetime.timedelta(days=1))

    assert send_due_reminders(TODAY) == 2
    assert send_due_reminders(TODAY) == 0
    assert send_due_reminders(TODAY + datetime.timedelta(days=1)) == 1

    assert len(mail.outbox) == 2  # one e-mail for the two actions of the first day, one for the next day
    assert mail.outbox[0].to == [ib.email]
    assert "2 acties" in mail.outbox[0].body
    for reminded in (due_today, overdue, later):
        reminded.refresh_from_db()
        assert reminded.reminded_at is not None


def test_the_reminder_says_that_not_what(case, people):
    task(case, people[Role.IB], TODAY)
    send_due_reminders(TODAY)
    message = mail.outbox[0]
    assert case.reference in message.body
    assert "/dossiers/d/" in message.body
    for secret in ("Sanne", "de Vries", "blauwe plek", "hypothese", "Hypothese"):
        assert secret not in message.body and secret not in message.subject


def test_done_actions_and_closed_cases_are_not_reminded(case, people):
    task(case, people[Role.IB], TODAY, done_at=timezone.now())
    closed = task(case, people[Role.IB], TODAY)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    assert send_due_reminders(TODAY) == 0
    assert mail.outbox == []
    closed.refresh_from_db()
    assert closed.reminded_at is None


def test_a_teacher_removed_from_the_team_gets_no_reminder(case, people):
    teacher = people[Role.LEERKRACHT]
    task(case, teacher, TODAY)
    CaseMember.objects.filter(case=case, user=teacher).delete()
    send_due_reminders(TODAY)
    assert mail.outbox == []


def test_the_access_check_happens_when_the_mail_is_sent_not_when_it_is_queued(case, people, settings):
    teacher = people[Role.LEERKRACHT]
    task(case, teacher, TODAY)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    send_due_reminders(TODAY)
    queued = list(default_task_backend.results)
    assert len(queued) == 1
    CaseMember.objects.filter(case=case, user=teacher).delete()  # removed while the mail waits in the queue
    from cases.notifications import send_notification

    assert send_notification.call(*queued[0].args) == 0
    assert mail.outbox == []


def test_the_staff_member_concerned_never_gets_a_reminder_about_their_own_case(make_case, pupil, people):
    subject = people[Role.LEERKRACHT]
    staff_case = make_case(pupil, route=Route.STAFF, subject_staff=subject, team=[subject])
    task(staff_case, subject, TODAY)
    task(staff_case, people[Role.DIRECTIE], TODAY)
    assert send_due_reminders(TODAY) == 2
    assert [message.to for message in mail.outbox] == [[people[Role.DIRECTIE].email]]


def test_an_inactive_account_gets_no_reminder(case, people):
    ib = people[Role.IB]
    task(case, ib, TODAY)
    ib.is_active = False
    ib.save()
    send_due_reminders(TODAY)
    assert mail.outbox == []


def test_send_reminders_and_run_daily_commands(case, people):
    task(case, people[Role.IB], TODAY)
    out = io.StringIO()
    call_command("send_reminders", "--today", TODAY.isoformat(), stdout=out)
    assert "1 acties" in out.getvalue()
    task(case, people[Role.IB], TODAY)
    out = io.StringIO()
    call_command("run_daily", "--today", TODAY.isoformat(), stdout=out)
    assert "Bewaartermijnen op 10-11-2026" in out.getvalue()
    assert "Herinneringen klaargezet voor 1 acties." in out.getvalue()
    assert len(mail.outbox) == 2


# --- whoever answers for the case when there is no coordinator to tell ------------------------------------


def test_a_staff_member_case_reminds_the_directie_and_bestuur_and_never_the_person_concerned(
        make_case, pupil, people, make_user, school):
    suspect = make_user(Role.LEERKRACHT, school)
    staff_case = make_case(pupil, route=Route.STAFF, subject_staff=suspect, coordinator=None)
    task(staff_case, None, TODAY)

    assert send_due_reminders(TODAY) == 1
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {people[Role.DIRECTIE].email, people[Role.BESTUUR].email}
    assert suspect.email not in recipients


def test_a_retention_warning_of_a_staff_member_case_reaches_the_directie(make_case, pupil, people, make_user, school):
    from cases import retention

    suspect = make_user(Role.LEERKRACHT, school)
    staff_case = make_case(pupil, route=Route.STAFF, subject_staff=suspect, coordinator=None)
    staff_case.status, staff_case.retain_until = Case.Status.CLOSED, TODAY + datetime.timedelta(days=30)
    staff_case.save()
    retention.warn(staff_case)
    assert {address for message in mail.outbox for address in message.to} == {
        people[Role.DIRECTIE].email, people[Role.BESTUUR].email}


def test_the_coordinator_cannot_be_taken_off_the_team(make_case, pupil, people, verified_client):
    ib = people[Role.IB]
    case = make_case(pupil, coordinator=ib, team=[ib])
    member = case.members.get(user=ib)
    response = verified_client(people[Role.DIRECTIE]).post(
        f"/dossiers/d/{case.reference}/team/", {"remove": str(member.pk)})
    assert response.status_code == 400
    assert "De coördinator blijft in het team" in response.content.decode()
    assert case.members.filter(user=ib).exists()


def test_break_glass_is_told_to_whoever_can_read_the_case_when_the_coordinator_no_longer_can(
        make_case, pupil, people, make_user, school, verified_client):
    from core.testing import reauthenticate, with_key

    school.ib_sees_all_cases = False
    school.save()
    coordinator = make_user(Role.IB, school)
    case = make_case(pupil, coordinator=coordinator, team=[coordinator])
    coordinator.memberships.all().delete()  # left the school; still named as coordinator
    client = verified_client(people[Role.IB])
    reauthenticate(client)
    client.post(f"/dossiers/d/{case.reference}/toegang/",
                with_key({"reason": "De coördinator is vertrokken en er is een nieuw incident gemeld."}))
    assert [message.to for message in mail.outbox] == [[people[Role.DIRECTIE].email]]
    assert "waarvoor u verantwoordelijk bent" in mail.outbox[0].body


def test_the_case_can_be_handed_to_another_coordinator_with_its_open_tasks(
        make_case, pupil, people, make_user, school, verified_client):
    old, new = people[Role.IB], make_user(Role.IB, school)
    teacher = people[Role.LEERKRACHT]
    case = make_case(pupil, coordinator=old, team=[old, new, teacher])
    open_task = task(case, old, TODAY)
    client = verified_client(people[Role.DIRECTIE])
    page = client.get(f"/dossiers/d/{case.reference}/team/").content.decode()
    assert page.count("Coördinator maken") == 1  # only the other intern begeleider, not the teacher

    refused = client.post(f"/dossiers/d/{case.reference}/team/",
                          {"coordinator": str(case.members.get(user=teacher).pk)})
    assert refused.status_code == 400
    client.post(f"/dossiers/d/{case.reference}/team/", {"coordinator": str(case.members.get(user=new).pk)})
    case.refresh_from_db()
    open_task.refresh_from_db()
    assert case.coordinator == new and open_task.assignee == new
    assert case.members.filter(user=old).exists()
    from audit.models import AuditEvent

    assert AuditEvent.objects.get(action="case.coordinator_change").details == {
        "from_user_id": old.pk, "to_user_id": new.pk}
