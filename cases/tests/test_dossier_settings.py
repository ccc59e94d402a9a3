"""The school's policy for dossiers: set by the directie, read by the privacy officer, bestuur and functioneel
beheerder, audited as an access-rule change, and applied at once (access, retention of closed cases)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases import access
from cases.models import Case, ClosureReason, RetentionRule
from core.testing import loaded_state

pytestmark = pytest.mark.django_db


def settings_url(school):
    return reverse("cases:settings", args=[school.slug])


def form_data(client, school, **changes):
    data = {**loaded_state(client, settings_url(school)), "ib_sees_all_cases": "on", "directie_sees_all_cases": "on",
            "retention_years_after_leaving": "2"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_directie_narrows_what_the_intern_begeleider_sees_and_it_is_audited(
        school, people, make_case, pupil, verified_client):
    case = make_case(pupil, coordinator=people[Role.DIRECTIE], team=[people[Role.DIRECTIE]])
    ib = people[Role.IB]
    assert access.READ in access.permissions(ib, case)
    client = verified_client(people[Role.DIRECTIE])
    response = client.post(settings_url(school), form_data(client, school, ib_sees_all_cases=None))
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.ib_sees_all_cases is False
    access.forget_grants(ib)
    ib.refresh_from_db()
    assert access.permissions(ib, Case.objects.get(pk=case.pk)) == {access.BREAK_GLASS}
    event = AuditEvent.objects.get(action="school.settings_changed")
    assert event.details == {"fields": ["ib_sees_all_cases"], "values": {"ib_sees_all_cases": False}}


@pytest.mark.parametrize("role", [Role.PRIVACY, Role.BESTUUR, Role.BEHEER])
def test_others_read_the_settings_but_cannot_change_them(school, people, verified_client, role):
    client = verified_client(people[role])
    page = client.get(settings_url(school))
    assert page.status_code == 200 and "Alleen de directie kan deze instellingen wijzigen" in page.text
    assert 'type="submit"' not in page.text.split("<form method=\"post\" class=\"card\"")[1]
    assert client.post(settings_url(school), {"retention_years_after_leaving": "0"}).status_code == 404
    school.refresh_from_db()
    assert school.retention_years_after_leaving == 2 and school.ib_sees_all_cases


@pytest.mark.parametrize("role", [Role.LEERKRACHT, Role.IB])
def test_staff_without_a_say_in_the_policy_get_a_404(school, people, verified_client, role):
    assert verified_client(people[role]).get(settings_url(school)).status_code == 404


def test_another_schools_directie_gets_a_404(school, other_school, make_user, verified_client):
    assert verified_client(make_user(Role.DIRECTIE, other_school)).get(settings_url(school)).status_code == 404


def test_a_shorter_period_applies_to_closed_cases_at_once_but_never_skips_the_warning(
        school, people, make_case, pupil, verified_client):
    pupil.left_on = datetime.date(2020, 7, 31)
    pupil.save()
    case = make_case(pupil)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closure_reason=ClosureReason.UNFOUNDED,
                                           closed_at=timezone.now() - datetime.timedelta(days=400),
                                           retain_until=datetime.date(2099, 1, 1))
    client = verified_client(people[Role.DIRECTIE])
    response = client.post(settings_url(school), form_data(client, school, retention_unfounded="0"), follow=True)
    assert "Van 1 gesloten dossier is de bewaartermijn opnieuw berekend." in response.text
    assert RetentionRule.objects.get(school=school, closure_reason=ClosureReason.UNFOUNDED).years_after_leaving == 0
    case.refresh_from_db()
    # Zero years would mean "now"; the coordinator is warned first, so it lands just past the warning period.
    assert timezone.localdate() + datetime.timedelta(days=30) < case.retain_until < datetime.date(2099, 1, 1)
    assert AuditEvent.objects.filter(action="retention.recompute", case_id=case.pk).exists()

    client.post(settings_url(school), form_data(client, school, retention_unfounded=""))
    assert not RetentionRule.objects.filter(school=school).exists()  # empty: the school's own period again


@pytest.mark.parametrize("years", ["-1", "99", "twee"])
def test_an_impossible_period_is_refused_and_nothing_changes(school, people, verified_client, years):
    client = verified_client(people[Role.DIRECTIE])
    response = client.post(settings_url(school), form_data(client, school, retention_years_after_leaving=years,
                                                           ib_sees_all_cases=None))
    assert response.status_code == 400
    school.refresh_from_db()
    assert school.retention_years_after_leaving == 2 and school.ib_sees_all_cases


def test_two_directie_members_saving_at_once_do_not_overwrite_each_other(school, people, make_user, verified_client):
    first = verified_client(people[Role.DIRECTIE])
    second = verified_client(make_user(Role.DIRECTIE, school))
    first_data, second_data = form_data(first, school, ib_sees_all_cases=None), form_data(second, school,
                                                                                           retention_years_after_leaving="5")
    assert first.post(settings_url(school), first_data).status_code == 302
    assert second.post(settings_url(school), second_data).status_code == 409
    school.refresh_from_db()
    assert (school.ib_sees_all_cases, school.retention_years_after_leaving) == (False, 2)
