"""A reminder on home and on the overview leads to the place to act (its form, the information request, or its line
in the dossier's next actions), never to the top of a long dossier; and a signal stops being new once this
coordinator has opened the dossier after it came in."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases import tasks as task_links
from cases.models import EntryKind, Task
from schools.models import Pupil


def _home(client):
    return client.get(reverse("core:home")).content.decode()


def _links(page, reference):
    """The links into one dossier (its pages and its information requests) on a page."""
    return re.findall(r'href="([^"]*/d/' + re.escape(reference) + r'/[^"]*)"', page)


def _task(case, kind, days=3, **extra):
    return Task.objects.create(case=case, kind=kind, due_on=timezone.localdate() + datetime.timedelta(days=days),
                               **extra)


def _information_request(case, ib, *, answered):
    from inquiries.models import InformationRequest, LegalBasis, ParentsTold, Requester

    task = _task(case, Task.Kind.PARENTS_INFORMED)
    return InformationRequest.objects.create(
        case=case, requester_kind=Requester.VEILIG_THUIS, requester="Veilig Thuis", legal_basis=LegalBasis.WMO,
        asked="Verslag", received_on=timezone.localdate(), parents_told=ParentsTold.AFTER, recorded_by=ib,
        answered_on=timezone.localdate() if answered else None, task=task), task


def test_a_deadline_on_home_leads_to_the_form_where_it_is_recorded(make_case, pupil, people, verified_client):
    ib = people[Role.IB]
    case = make_case(pupil)
    _task(case, Task.Kind.HELP_DEADLINE)
    client = verified_client(ib)
    form = reverse("cases:new_entry", args=[case.reference, EntryKind.HELP_EVALUATION])
    assert f'<a href="{form}">' in _home(client)
    assert client.get(form).status_code == 200


def test_an_open_hypothesis_on_home_leads_to_its_follow_up_with_the_hypothesis_chosen(
        make_case, pupil, people, verified_client, add_entry):
    ib = people[Role.IB]
    case = make_case(pupil)
    hypothesis = add_entry(case, ib, facts={"is_hypothesis": True, "has_source": False})
    _task(case, Task.Kind.HYPOTHESIS, source_entry=hypothesis)
    form = reverse("cases:new_entry", args=[case.reference, EntryKind.FOLLOWUP]) + f"?hypothesis={hypothesis.pk}"
    assert f'<a href="{form}">' in _home(verified_client(ib))


def test_a_reminder_without_a_form_leads_to_its_line_in_the_dossiers_next_actions(
        make_case, pupil, people, verified_client):
    ib = people[Role.IB]
    case = make_case(pupil)
    recontact = _task(case, Task.Kind.RECONTACT_VT)
    care_team = _task(case, Task.Kind.CARE_TEAM, days=1)
    client = verified_client(ib)
    home = _home(client)
    detail = reverse("cases:detail", args=[case.reference])
    assert f'<a href="{detail}#task-{recontact.pk}">' in home  # "Termijnen uit de meldcode"
    assert f'<a href="{detail}#task-{care_team.pk}">' in home  # "Acties die nu of binnenkort moeten"
    page = client.get(detail).content.decode()
    assert f'<li id="task-{recontact.pk}">' in page and f'<li id="task-{care_team.pk}">' in page


def test_telling_the_parents_leads_to_the_request_and_once_answered_to_recording_that_they_were_told(
        make_case, pupil, people, verified_client):
    ib = people[Role.IB]
    case = make_case(pupil)
    waiting, _ = _information_request(case, ib, answered=False)
    answered, task = _information_request(case, ib, answered=True)
    client = verified_client(ib)
    home = _home(client)
    assert reverse("inquiries:detail", args=[case.reference, waiting.pk]) in home
    assert reverse("inquiries:parents_told", args=[case.reference, answered.pk]) in home
    assert client.get(reverse("inquiries:parents_told", args=[case.reference, answered.pk])).status_code == 200
    # The overview's query does not load the request (cases.views.overview): the task's line in the dossier.
    overview = client.get(f"/dossiers/{case.school.slug}/").content.decode()
    assert f'{reverse("cases:detail", args=[case.reference])}#task-{task.pk}' in overview


def test_every_reminder_leads_where_the_case_pages_own_button_leads(make_case, pupil, people, verified_client,
                                                                     add_entry):
    """Home and the case page decide the same: the home link is the page's "Vastleggen", else the task's line."""
    ib = people[Role.IB]
    case = make_case(pupil)
    hypothesis = add_entry(case, ib, facts={"is_hypothesis": True, "has_source": False})
    for kind in Task.Kind.values:
        _task(case, kind, days=1, source_entry=hypothesis if kind == Task.Kind.HYPOTHESIS else None)
    _information_request(case, ib, answered=True)
    client = verified_client(ib)
    panel = client.get(reverse("core:home")).context["panels"][0]
    listed = {t.pk: t.url for t in panel.tasks + panel.deadlines}
    page = client.get(reverse("cases:detail", args=[case.reference]))
    on_page = {t.pk: t.action_url or f"{reverse('cases:detail', args=[case.reference])}#task-{t.pk}"
               for t in page.context["tasks"]}
    assert listed and listed == {pk: url for pk, url in on_page.items() if pk in listed}
    assert any("nieuw/help_evaluation" in url for url in listed.values())


def test_a_teacher_never_gets_a_link_to_a_coordinator_form(make_case, pupil, people, verified_client, monkeypatch):
    teacher, ib = people[Role.LEERKRACHT], people[Role.IB]
    case = make_case(pupil, team=[teacher])
    for kind in Task.Kind.values:
        _task(case, kind, days=1)
    _information_request(case, ib, answered=True)
    client = verified_client(teacher)
    overview = f"/dossiers/{case.school.slug}/"
    page = client.get(overview).content.decode()
    links = _links(page[:page.index('class="cases"')], case.reference)
    assert len(links) >= len(Task.Kind.values)
    # Every link a teacher is given opens for them: never a form the page would refuse with a 404.
    for link in set(links):
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link
    # A reminder answered by a decision (never a leerkracht's: protocol.engine.may_record) leads the teacher to the
    # task's line in the dossier, and the coordinator to the form.
    monkeypatch.setitem(task_links.RECORDED_TASKS, Task.Kind.MONITOR, EntryKind.CLOSURE)
    monitor = Task.objects.get(case=case, kind=Task.Kind.MONITOR)
    decision = reverse("cases:new_entry", args=[case.reference, EntryKind.CLOSURE])
    page = client.get(overview).content.decode()
    assert decision not in page and f"#task-{monitor.pk}" in page
    assert decision in verified_client(ib).get(overview).content.decode()


def test_the_reminders_links_cost_no_query_of_their_own_on_home(make_case, people, verified_client, school):
    ib = people[Role.IB]

    def cases(n):
        for i in range(n):
            pupil = Pupil.objects.create(school=school, first_name=f"Kind{i}", last_name="Bakker",
                                         date_of_birth=datetime.date(2016, 1, 1), group="4")
            case = make_case(pupil)
            _information_request(case, ib, answered=bool(i % 2))
            _task(case, Task.Kind.HYPOTHESIS)
            _task(case, Task.Kind.MONITOR)

    client = verified_client(ib)
    path = reverse("core:home")
    cases(2)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    cases(8)
    with CaptureQueriesContext(connection) as many:
        page = client.get(path).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert page.count("/ouders-geinformeerd/") >= 1


def test_a_signal_is_no_longer_new_once_the_coordinator_opened_the_dossier(make_case, pupil, people,
                                                                          verified_client, add_entry):
    teacher, ib = people[Role.LEERKRACHT], people[Role.IB]
    case = make_case(pupil, team=[teacher])
    add_entry(case, teacher)
    client = verified_client(ib)
    assert len(client.get(reverse("core:home")).context["panels"][0].new_signals) == 1
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 200
    assert client.get(reverse("core:home")).context["panels"][0].new_signals == []


def test_a_signal_that_came_in_after_the_coordinators_visit_is_new(make_case, pupil, people, verified_client,
                                                                   add_entry):
    teacher, ib = people[Role.LEERKRACHT], people[Role.IB]
    case = make_case(pupil, team=[teacher])
    add_entry(case, teacher)
    client = verified_client(ib)
    client.get(reverse("cases:detail", args=[case.reference]))
    later = add_entry(case, teacher)
    assert [s.pk for s in client.get(reverse("core:home")).context["panels"][0].new_signals] == [later.pk]


def test_a_signal_stays_new_for_a_coordinator_until_they_themselves_opened_the_dossier(
        make_case, pupil, people, verified_client, add_entry):
    teacher, ib, directie = people[Role.LEERKRACHT], people[Role.IB], people[Role.DIRECTIE]
    case = make_case(pupil, team=[teacher])
    signal = add_entry(case, teacher)
    verified_client(ib).get(reverse("cases:detail", args=[case.reference]))
    directie_home = verified_client(directie).get(reverse("core:home"))
    assert [s.pk for s in directie_home.context["panels"][0].new_signals] == [signal.pk]
