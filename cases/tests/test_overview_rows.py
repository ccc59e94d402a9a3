"""The overview's rows are rendered in Python for speed (cases/templatetags/overview_rows.py); what a coordinator
and a privacy officer see in them must be what the template showed: the link, the name only where the case may be
read, the route in the meldcode's words, late actions marked, idle cases, and every value escaped."""

import datetime

from django.utils import timezone

from accounts.roles import Role
from cases.models import Case, Task
from schools.models import Pupil


def _overview(client, school, status="open"):
    return client.get(f"/dossiers/{school.slug}/?status={status}").content.decode()


def test_it_links_each_case_and_shows_the_pupil_route_step_and_last_activity(school, make_case, pupil, people,
                                                                            verified_client):
    case = make_case(pupil, route="acute")
    Case.objects.filter(pk=case.pk).update(last_activity_at=datetime.datetime(2026, 3, 7, 23, 30, tzinfo=datetime.UTC),
                                           open_hypotheses=2)
    page = _overview(verified_client(people[Role.IB]), school)
    assert f'<td><a href="/dossiers/d/{case.reference}/">{case.reference}</a></td>' in page
    assert f"<td>{pupil.full_name}</td>" in page
    assert "<td>Acute onveiligheid</td>" in page or "<td>Acuut gevaar</td>" in page
    assert "<td>2</td>" in page
    # Amsterdam time: 23:30 UTC on 7 March is already 8 March at school
    assert "<td>8-3-2026</td>" in page


def test_it_escapes_a_pupil_name_with_markup(school, make_case, people, verified_client):
    pupil = Pupil.objects.create(school=school, first_name="<script>alert(1)</script>", last_name="Jansen",
                                 date_of_birth=datetime.date(2016, 1, 1), group="4")
    make_case(pupil)
    page = _overview(verified_client(people[Role.IB]), school)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_case_outside_the_team_shows_no_name_to_a_teacher_and_no_name_column_to_the_privacy_officer(
        school, make_case, pupil, people, verified_client):
    make_case(pupil)
    privacy = _overview(verified_client(people[Role.PRIVACY]), school)
    assert pupil.last_name not in privacy
    assert "Leerling</th>" not in privacy


def test_late_and_coming_actions_and_idle_cases_are_listed_under_attention(school, make_case, pupil, people,
                                                                           verified_client):
    case = make_case(pupil)
    today = timezone.localdate()
    recontact = Task.objects.create(case=case, kind=Task.Kind.RECONTACT_VT, due_on=today - datetime.timedelta(days=2))
    Task.objects.create(case=case, kind=Task.Kind.HYPOTHESIS, due_on=today + datetime.timedelta(days=3))
    Case.objects.filter(pk=case.pk).update(last_activity_at=timezone.now() - datetime.timedelta(days=120))
    page = _overview(verified_client(people[Role.IB]), school)
    attention = page[page.index('id="attention-title"'):page.index('class="cases"')]
    # A task leads to its form or to its line in the dossier (cases.tasks.reminder_url); an idle case to the dossier.
    assert f'<a href="/dossiers/d/{case.reference}/#task-{recontact.pk}">' in attention
    assert f'<a href="/dossiers/d/{case.reference}/nieuw/followup/">' in attention
    assert attention.count(f'<a href="/dossiers/d/{case.reference}/">') == 1
    assert "Opnieuw contact met Veilig Thuis als het niet verbetert" in attention
    late = today - datetime.timedelta(days=2)
    assert f'<span class="badge danger">te laat</span> {late.day}-{late.month}-{late.year}' in attention
    assert "Open hypothese bevestigen of ontkrachten" in attention
    assert "Dossier is al lange tijd stil" in attention
    assert page.count('<span class="badge danger">te laat</span>') == 1
    # The pupil's name leads each row (the lists hold only cases one may read); the code follows.
    assert attention.count(f'{pupil.full_name}</a> <span class="muted">{case.reference}</span>') == 3


def test_an_empty_list_says_so(school, people, verified_client):
    page = _overview(verified_client(people[Role.IB]), school, status="closed")
    assert '<td colspan="7">Geen dossiers die u mag zien.</td>' in page


def test_a_process_that_has_not_read_the_meldcode_yet_words_the_route_all_the_same(school, make_case, pupil, people,
                                                                                    verified_client):
    from protocol import models as protocol_models

    def table(page):
        return page[page.index('<table class="cases">'):page.index("</table>", page.index('<table class="cases">'))]

    make_case(pupil, route="acute")
    client = verified_client(people[Role.IB])
    expected = table(_overview(client, school))
    assert "Acute onveiligheid" in expected or "Acuut gevaar" in expected
    protocol_models._PARSED.clear()  # the list loads each version without its source; the source follows once
    assert table(_overview(client, school)) == expected


def test_a_privacy_officer_on_one_team_sees_that_name_and_no_other(school, make_case, people, verified_client):
    """The overview lists what one may know of (META) and names only what one may read (READ); with the privacy
    officer's role the two differ per case (cases.access.listed_with_readable)."""
    privacy = people[Role.PRIVACY]
    privacy.memberships.create(school=school, role=Role.LEERKRACHT)
    on_team = Pupil.objects.create(school=school, first_name="Teamkind", last_name="Zichtbaar",
                                   date_of_birth=datetime.date(2016, 1, 1), group="4")
    elsewhere = Pupil.objects.create(school=school, first_name="Anderkind", last_name="Verborgen",
                                     date_of_birth=datetime.date(2016, 1, 1), group="4")
    shown, shielded = make_case(on_team, team=[privacy]), make_case(elsewhere)
    page = _overview(verified_client(privacy), school)
    assert shown.reference in page and shielded.reference in page
    assert "Teamkind Zichtbaar" in page
    assert "Verborgen" not in page and "(afgeschermd)" in page
