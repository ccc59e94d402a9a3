"""Retention: closed dossiers are kept for the configured period, the coordinator is warned once, then the
content is destroyed and only a metadata record remains."""

import datetime
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases import retention
from cases.models import (
    BreakGlass,
    Case,
    CaseSibling,
    ClosureReason,
    DeletionRecord,
    Entry,
    PurgePermit,
    RetentionRule,
    Signature,
    Task,
)
from schools.models import Pupil
from vault.files import save_encrypted_file
from vault.models import StoredFile

OBSERVATION = "Sanne had een blauwe plek op haar bovenarm."
REFUSAL = "Vader wilde niet tekenen omdat hij het niet eens was."
GLASS_REASON = "Coördinator ziek, moeder belt over een nieuw incident."


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def close(case, *, on, until, reason=ClosureReason.UNFOUNDED):
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.CLOSED, closed_at=timezone.make_aware(datetime.datetime.combine(on, datetime.time(12))),
        closure_reason=reason, retain_until=until)
    case.refresh_from_db()
    return case


@pytest.fixture
def full_case(make_case, pupil, people, add_entry, school):
    """A case with every kind of content the retention job must remove."""
    teacher, ib = people[Role.LEERKRACHT], people[Role.IB]
    case = make_case(pupil, team=[teacher])
    hypothesis = add_entry(case, teacher, content={"observation": OBSERVATION},
                           facts={"is_hypothesis": True, "has_source": False})
    # A chain: a correction of a correction of the hypothesis, and a follow-up that resolves it.
    correction = Entry.objects.create(case=case, kind="signal", author=teacher, occurred_at=timezone.now(),
                                      content={"observation": OBSERVATION + " (rechts)"}, corrects=hypothesis)
    fix = Entry.objects.create(case=case, kind="signal", author=teacher, occurred_at=timezone.now(),
                               content={"observation": "Correctie van de correctie"}, corrects=correction)
    followup = Entry.objects.create(case=case, kind="followup", author=ib, occurred_at=timezone.now(),
                                    content={"text": "Bevestigd door moeder."}, refers_to=hypothesis,
                                    facts={"resolves_hypothesis": True})
    attachment = save_encrypted_file(SimpleUploadedFile("toestemming.txt", b"Ik geef toestemming. M. de Vries"),
                                     purpose=f"case-{case.reference}")
    consent = Entry.objects.create(case=case, kind="consent", author=ib, occurred_at=timezone.now(),
                                   content={"given_by": "Marieke de Vries"}, facts={"status": "given"},
                                   attachment=attachment)
    conversation = add_entry(case, ib, kind="conversation", content={"reaction": "Moeder schrok."},
                             facts={"purpose": "parent"})
    from cases.models import record_entry

    for entry in (correction, fix, followup, consent):
        record_entry(entry)
    Signature.objects.create(entry=conversation, participant="Johan de Vries", recorded_by=ib,
                             refusal_reason=REFUSAL)
    BreakGlass.objects.create(case=case, user=people[Role.DIRECTIE], reason=GLASS_REASON,
                              until=timezone.now() + BreakGlass.DURATION)
    Task.objects.create(case=case, kind=Task.Kind.MONITOR, due_on=timezone.localdate(), assignee=ib)
    brother = Pupil.objects.create(school=school, first_name="Milan", last_name="de Vries",
                                   date_of_birth=datetime.date(2020, 2, 3))
    CaseSibling.objects.create(case=case, pupil=brother, role="broertje")
    return case


def run(today, **kwargs):
    return retention.run(today, **kwargs)


def test_a_case_is_warned_once_then_destroyed_leaving_only_a_deletion_record(
        full_case, people, django_capture_on_commit_callbacks):
    today = datetime.date(2031, 5, 1)
    case = close(full_case, on=datetime.date(2027, 1, 10), until=today + datetime.timedelta(days=20))
    case_id, reference = case.pk, case.reference
    blob = StoredFile.objects.get(purpose=f"case-{reference}").path
    assert blob.exists()

    run(today)
    run(today + datetime.timedelta(days=1))  # the next day: no second warning
    assert len(mail.outbox) == 1
    warning = mail.outbox[0]
    assert warning.to == [people[Role.IB].email]
    assert reference in warning.body
    for secret in ("Sanne", "de Vries", "blauwe plek", REFUSAL):
        assert secret not in warning.body and secret not in warning.subject

    with django_capture_on_commit_callbacks(execute=True):
        result = run(case.retain_until)
    assert [c.reference for c in result.destroyed] == [reference]

    assert not Case.objects.filter(pk=case_id).exists()
    assert not Entry.objects.filter(case_id=case_id).exists()
    assert not Signature.objects.exists()
    assert not BreakGlass.objects.filter(case_id=case_id).exists()
    assert not Task.objects.filter(case_id=case_id).exists()
    assert not CaseSibling.objects.filter(case_id=case_id).exists()
    assert not StoredFile.objects.exists()
    assert not blob.exists()
    assert not PurgePermit.objects.exists()
    record = DeletionRecord.objects.get(case_reference=reference)
    assert (record.route, record.closure_reason, record.entry_count) == ("regular", "unfounded", 6)
    assert record.school_id == case.school_id and record.closed_at is not None
    event = AuditEvent.objects.get(action="retention.destroy")
    assert event.object_repr == reference
    assert event.details["deletion_record"] == record.pk
    assert len(mail.outbox) == 1  # destruction itself sends nothing more


def test_nothing_of_the_destroyed_case_remains_readable_in_the_database(
        full_case, django_capture_on_commit_callbacks):
    case = close(full_case, on=datetime.date(2027, 1, 10), until=datetime.date(2031, 5, 1))
    retention.warn(case)
    with django_capture_on_commit_callbacks(execute=True):
        run(case.retain_until)
    with connection.cursor() as cursor:
        for table in ("cases_entry", "cases_signature", "cases_breakglass", "vault_storedfile", "cases_case"):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (fixed table names)
            assert cursor.fetchone()[0] == 0, table


def test_the_purge_permit_is_per_case_and_gone_afterwards(
        full_case, make_case, people, add_entry, other_school, django_capture_on_commit_callbacks):
    other_pupil = Pupil.objects.create(school=full_case.school, first_name="Noah", last_name="Bos",
                                       date_of_birth=datetime.date(2016, 5, 20))
    kept = add_entry(make_case(other_pupil), people[Role.IB])
    case = close(full_case, on=datetime.date(2027, 1, 10), until=datetime.date(2031, 5, 1))
    retention.warn(case)
    with django_capture_on_commit_callbacks(execute=True):
        run(case.retain_until)
    assert not PurgePermit.objects.exists()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_entry WHERE id = %s", [kept.pk])
    assert Entry.objects.filter(pk=kept.pk).exists()


def test_a_dry_run_changes_nothing_and_sends_nothing(full_case, people):
    today = datetime.date(2031, 5, 1)
    due = close(full_case, on=datetime.date(2027, 1, 10), until=today - datetime.timedelta(days=1))
    retention.warn(due)
    mail.outbox.clear()
    events = AuditEvent.objects.count()
    counts = {model: model.objects.count() for model in (Case, Entry, Signature, StoredFile, Task, DeletionRecord)}

    result = run(today, dry_run=True)

    assert [c.reference for c in result.destroyed] == [due.reference]
    assert {model: model.objects.count() for model in counts} == counts
    assert AuditEvent.objects.count() == events
    assert mail.outbox == []
    assert Case.objects.get(pk=due.pk).retain_until == due.retain_until


def test_a_case_past_its_date_without_a_warning_is_warned_and_kept_for_the_warning_period(full_case):
    today = datetime.date(2031, 5, 1)
    case = close(full_case, on=datetime.date(2027, 1, 10), until=today - datetime.timedelta(days=3))
    result = run(today)
    assert result.destroyed == []
    assert [c.reference for c in result.warned] == [case.reference]
    assert Case.objects.get(pk=case.pk).retain_until == today + retention.WARN_BEFORE
    assert len(mail.outbox) == 1
    assert Entry.objects.filter(case=case).exists()


def test_the_default_period_is_the_school_career_plus_two_years(full_case):
    # Sanne, born 14 March 2017, is expected to leave primary school in the summer of 2029.
    case = close(full_case, on=datetime.date(2027, 1, 10), until=None)
    assert retention.retention_date(case) == datetime.date(2031, 7, 31)


def test_a_school_and_a_rule_per_closure_reason_change_the_period(full_case, school):
    case = close(full_case, on=datetime.date(2027, 1, 10), until=None, reason=ClosureReason.HELP_COMPLETED)
    school.retention_years_after_leaving = 5
    school.save()
    case.refresh_from_db()
    assert retention.retention_date(case) == datetime.date(2034, 7, 31)
    RetentionRule.objects.create(school=school, closure_reason=ClosureReason.HELP_COMPLETED, years_after_leaving=1)
    assert retention.retention_date(case) == datetime.date(2030, 7, 31)
    assert retention.retention_date(case, retention.all_rules()) == datetime.date(2030, 7, 31)


def test_a_case_closed_after_the_pupil_left_counts_from_the_closing_date(full_case, pupil):
    Pupil.objects.filter(pk=pupil.pk).update(status=Pupil.Status.LEFT, left_on=datetime.date(2026, 1, 31))
    case = close(full_case, on=datetime.date(2026, 6, 1), until=None)
    assert retention.retention_date(case) == datetime.date(2028, 6, 1)


def test_when_the_pupil_leaves_later_than_expected_the_case_is_kept_longer(full_case, pupil):
    case = close(full_case, on=datetime.date(2027, 1, 10), until=datetime.date(2031, 7, 31))
    Pupil.objects.filter(pk=pupil.pk).update(status=Pupil.Status.LEFT, left_on=datetime.date(2030, 7, 15))
    result = run(datetime.date(2030, 8, 1))
    assert [(c.case.reference, c.new) for c in result.recomputed] == [(case.reference, datetime.date(2032, 7, 15))]
    assert Case.objects.get(pk=case.pk).retain_until == datetime.date(2032, 7, 15)
    assert AuditEvent.objects.filter(action="retention.recompute", case_id=case.pk).exists()


def test_when_the_pupil_leaves_early_the_period_shortens_but_never_skips_the_warning(full_case, pupil):
    case = close(full_case, on=datetime.date(2026, 1, 10), until=datetime.date(2031, 7, 31))
    Pupil.objects.filter(pk=pupil.pk).update(status=Pupil.Status.LEFT, left_on=datetime.date(2026, 2, 1))
    today = datetime.date(2029, 3, 1)  # two years after leaving have passed already
    run(today)
    assert Case.objects.get(pk=case.pk).retain_until == today + retention.WARN_BEFORE + datetime.timedelta(days=1)
    assert Entry.objects.filter(case=case).exists()


def test_open_cases_are_never_touched(full_case):
    Case.objects.filter(pk=full_case.pk).update(retain_until=datetime.date(2020, 1, 1))
    result = run(datetime.date(2031, 1, 1))
    assert result.destroyed == [] and result.warned == [] and result.recomputed == []
    assert Entry.objects.filter(case=full_case).count() == 6


def test_the_command_prints_references_and_dates_never_names_or_content(full_case):
    case = close(full_case, on=datetime.date(2027, 1, 10), until=datetime.date(2031, 5, 1))
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", "--today", "2031-04-20", stdout=out)
    text = out.getvalue()
    assert f"{case.reference}: coördinator zou gewaarschuwd worden (vernietiging op 01-05-2031)" in text
    assert "proefdraai" in text
    for secret in ("Sanne", "Vries", "blauwe plek"):
        assert secret not in text
    assert mail.outbox == []


def test_the_command_refuses_a_malformed_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="JJJJ-MM-DD"):
        call_command("apply_retention", "--today", "1-5-2031", stdout=io.StringIO())
