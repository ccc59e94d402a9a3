from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases import access
from cases.models import BreakGlass, Case, Route
from core.testing import reauthenticate, with_key

NOW = "2026-11-02T09:00"


def test_a_staff_member_case_is_hidden_from_the_person_concerned_everywhere(adopted, people, make_user, pupil,
                                                                             verified_client, school, mailoutbox):
    reporter = make_user(Role.LEERKRACHT, school, name="Melder")
    concerned = make_user(Role.LEERKRACHT, school, name="Betrokken Collega")
    response = verified_client(reporter).post(reverse("cases:open", args=[school.slug]), with_key({
        "pupil": pupil.pk, "route": "staff", "subject_staff": concerned.pk}))
    assert response.status_code == 302
    case = Case.objects.get(route="staff")
    assert case.coordinator is None and case.subject_staff == concerned

    # The board's duties replace the steps.
    directie = verified_client(people[Role.DIRECTIE])
    page = directie.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Het stappenplan geldt niet" in page
    guidance = case.guidance()
    assert "duty" in guidance.allowed_actions
    assert "signal" not in [s.id for s in guidance.steps]

    # The person concerned: 404 on the page, nothing in search, lists or counts, and no e-mail.
    client = verified_client(concerned)
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404
    assert case.reference not in client.post(reverse("cases:search", args=[school.slug]), {"q": "Sanne"}).content.decode()
    assert case.reference not in client.get(reverse("cases:overview", args=[school.slug]) + "?status=all").content.decode()
    assert concerned.email not in {a for m in mailoutbox for a in m.to}
    assert people[Role.DIRECTIE].email in {a for m in mailoutbox for a in m.to}
    # The IB is not on it either: only directie, bestuur and whom they add.
    assert verified_client(people[Role.IB]).get(reverse("cases:detail", args=[case.reference])).status_code == 404


def test_directie_cannot_add_the_person_concerned_to_the_team(adopted, people, make_user, pupil, make_case,
                                                             verified_client):
    concerned = make_user(Role.LEERKRACHT, pupil.school, name="Betrokken Collega")
    case = make_case(pupil, route="staff", subject_staff=concerned, coordinator=people[Role.DIRECTIE])
    response = verified_client(people[Role.DIRECTIE]).post(reverse("cases:team", args=[case.reference]),
                                                          with_key({"user": concerned.pk}))
    assert response.status_code == 400
    assert not case.members.filter(user=concerned).exists()


def test_break_glass_needs_a_typed_reason_and_tells_the_coordinator(adopted, people, make_user, pupil, make_case,
                                                                    verified_client, school, mailoutbox):
    school.ib_sees_all_cases = False
    school.save()
    coordinator = make_user(Role.IB, school, name="Coördinator")
    case = make_case(pupil, coordinator=coordinator, team=[coordinator])
    other_ib = verified_client(people[Role.IB])
    detail = reverse("cases:detail", args=[case.reference])
    response = other_ib.get(detail)
    assert response.status_code == 302 and response["Location"] == reverse("cases:break_glass", args=[case.reference])
    asked = other_ib.get(reverse("cases:break_glass", args=[case.reference]))
    assert asked.status_code == 302 and reverse("accounts:reauth") in asked["Location"]
    reauthenticate(other_ib)
    short = other_ib.post(reverse("cases:break_glass", args=[case.reference]), with_key({"reason": "even kijken"}))
    assert short.status_code == 400
    assert not BreakGlass.objects.exists()
    other_ib.post(reverse("cases:break_glass", args=[case.reference]),
                  with_key({"reason": "De coördinator is ziek en de moeder belt over een nieuw incident."}))
    assert other_ib.get(detail).status_code == 200
    event = AuditEvent.objects.get(action="access.break_glass")
    assert event.case_id == case.pk and "ziek" in event.reason
    assert [m.to for m in mailoutbox] == [[coordinator.email]]
    assert "moeder" not in mailoutbox[0].body


def test_break_glass_reads_and_writes_but_cannot_make_itself_permanent(
        adopted, people, make_user, pupil, make_case, verified_client, school):
    school.ib_sees_all_cases = False
    school.save()
    coordinator = make_user(Role.IB, school)
    case = make_case(pupil, coordinator=coordinator, team=[coordinator])
    other_ib = people[Role.IB]
    client = verified_client(other_ib)
    reauthenticate(client)
    client.post(reverse("cases:break_glass", args=[case.reference]),
                with_key({"reason": "De coördinator is ziek en de moeder belt over een nieuw incident."}))
    assert access.permissions(other_ib, case) == access.CONTENT
    team = client.post(reverse("cases:team", args=[case.reference]), with_key({"user": other_ib.pk}))
    assert team.status_code == 404
    assert not case.members.filter(user=other_ib).exists()

    BreakGlass.objects.update(until=timezone.now() - timedelta(minutes=1))
    access.forget_grants(other_ib)
    assert access.permissions(other_ib, case) == {access.BREAK_GLASS}
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 302


def test_a_teacher_cannot_break_the_glass(adopted, people, make_case, pupil, verified_client):
    case = make_case(pupil)
    response = verified_client(people[Role.LEERKRACHT]).post(
        reverse("cases:break_glass", args=[case.reference]),
        with_key({"reason": "Ik wil graag meekijken in dit dossier."}))
    assert response.status_code == 404
    assert not BreakGlass.objects.exists()


@pytest.mark.parametrize("kind", ["signal", "consultation", "conversation", "weighing", "report", "closure"])
def test_every_entry_form_opens_for_the_team(adopted, people, make_case, pupil, verified_client, kind):
    case = make_case(pupil)
    response = verified_client(people[Role.IB]).get(reverse("cases:new_entry", args=[case.reference, kind]))
    assert response.status_code == 200
    assert 'name="occurred_at"' in response.content.decode()


def test_a_sibling_can_be_linked_with_their_own_role(adopted, people, make_case, pupil, verified_client):
    from schools.models import Pupil

    brother = Pupil.objects.create(school=pupil.school, first_name="Milan", last_name="de Vries",
                                   date_of_birth=pupil.date_of_birth, group="2")
    case = make_case(pupil)
    client = verified_client(people[Role.IB])
    response = client.post(reverse("cases:team", args=[case.reference]),
                           with_key({"sibling": brother.pk, "role": "Getuige van geweld thuis"}))
    assert response.status_code == 302
    assert case.siblings.get().role == "Getuige van geweld thuis"
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Milan de Vries" in page and "Getuige van geweld thuis" in page


def test_a_teacher_who_left_the_school_loses_the_cases_she_was_on_the_team_of(
        adopted, people, make_user, pupil, make_case, verified_client, school):
    teacher = make_user(Role.LEERKRACHT, school)
    case = make_case(pupil, team=[teacher])
    client = verified_client(teacher)
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 200
    teacher.memberships.all().delete()
    access.forget_grants(teacher)
    assert access.permissions(teacher, case) == frozenset()
    assert not Case.objects.filter(access.visible_q(teacher, access.META)).exists()
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404


def test_a_staff_member_case_stays_out_of_the_privacy_officers_lists_and_counts(
        adopted, people, make_user, pupil, make_case, verified_client, school):
    from documents.evaluation import staff_route_visible

    suspect = make_user(Role.LEERKRACHT, school)
    case = make_case(pupil, route=Route.STAFF, subject_staff=suspect, coordinator=None)
    officer = people[Role.PRIVACY]
    client = verified_client(officer)
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404
    assert case.reference not in client.get(reverse("cases:overview", args=[school.slug])).content.decode()
    assert not Case.objects.filter(access.visible_q(officer, access.META)).exists()
    assert not staff_route_visible(officer, [school])
