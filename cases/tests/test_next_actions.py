"""The case page leads (issue 14): one primary next action per open requirement of the engine, each linking to the
prefilled form that meets it, and the requirement gone as soon as that entry is saved. Proved for every
requirement the shipped meldcodes use (Landelijk model 2019, the 2010 model, De Sprong), the route-made needs
(acute danger, FGM/honour, after a report, approval, closure) and every duty of the staff route (WPO art. 4a)."""

import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import Case, CaseMember, Entry
from cases.next_actions import PREFILL
from core.testing import confirmed, with_key
from protocol.engine import walk_afwegingskader
from protocol.models import MeldcodeVersion, ensure_shipped_versions

SHIPPED = ["landelijk-2019", "jso-2010", "de-sprong"]
NOW = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
FUTURE = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()

DATA = {
    "signal": {"place": "Klas", "situation": "Na de pauze.", "observation": "Een blauwe plek op de arm.",
               "is_hypothesis": "0", "direction": "unclear"},
    "followup": {"outcome": "confirmed", "text": "Bevestigd door de moeder."},
    "consultation": {"question": "Wat vindt u van de signalen?", "advice": "Bespreek het met de ouder.",
                     "anonymous": "1"},
    "conversation": {"participants": "Anna Bos, moeder", "purpose_explained": "Zorgen delen.",
                     "facts_presented": "De blauwe plek.", "reaction": "Geschrokken.", "objections": "Geen."},
    "help": {"help_description": "Opvoedondersteuning.", "provider_other": "Wijkteam", "case_manager": "Wijkteam",
             "plan": "Wekelijks contact.", "deadline": FUTURE},
    "help_evaluation": {"reached": "1", "effective": "1", "evaluation": "Het gaat beter."},
    "report": {"reported_by": "IB", "channel": "phone", "contact_person": "Mevr. Jansen",
               "what_reported": "De signalen.", "school_role": "Blijven volgen."},
    "feedback": {"from_whom": "Mevr. Jansen", "feedback": "Veilig Thuis doet onderzoek."},
    "emergency_contact": {"contacted": "Veilig Thuis", "summary": "Afgesproken dat VT komt."},
    "closure": {"explanation": "Zo besloten.", "followup_waiver": "VT heeft de regie.",
                "deviation_reason": "Onderbouwd."},
    "duty": {"account": "Gedaan.", "sexual_offence": "1", "reasonable_grounds": "1"},
    "sign": {"participant": "Anna Bos", "signed": "1"},
    "correct": {"reason": "Goedkeuring van de directie toegevoegd."},
}


def answers_towards(definition, goal):
    """Answers to the afwegingskader that reach `goal` (report or start_help) by its own path."""
    answers = {}
    for _turn in range(len(definition.afwegingskader) + 1):
        outcome = walk_afwegingskader(definition, answers)
        if outcome.kind == goal or outcome.pending_question is None:
            return answers
        question = definition.question(outcome.pending_question)
        if question.yes.outcome == goal or question.no.outcome == goal:
            answers[question.id] = question.yes.outcome == goal
        else:
            answers[question.id] = question.yes.outcome == "continue"
    return answers


def _requirements():
    """(meldcode, need id, route, path) for every requirement and route-made need the engine can list."""
    from protocol.definition import load_definition
    from protocol.models import shipped_path

    cases = []
    for key in SHIPPED:
        definition = load_definition(shipped_path(key).read_text(encoding="utf-8"), f"{key}.yaml")
        for step in definition.steps:
            for requirement in step.requires:
                if requirement.check == "hypotheses_resolved":
                    continue  # never a requirement: the engine lists open hypotheses as advice
                path = "help" if step.branch == "start_help" else "report"
                cases.append((key, requirement.id, "regular", path))
        for duty in definition.routes.staff.duties:
            cases.append((key, duty.id, "staff", ""))
    for need, route, path in [("emergency_contact", "acute", "report"), ("fgm_honour_contact", "fgm", "report"),
                              ("report_recontact", "regular", "report"), ("approval", "regular", "report"),
                              ("closure", "regular", "help"), ("closure", "staff", "")]:
        cases.append(("landelijk-2019", need, route, path))
    return cases


@pytest.fixture
def shipped(school, people):
    ensure_shipped_versions()
    return {key: MeldcodeVersion.objects.get(key=key, owner_school__isnull=True) for key in SHIPPED}


def open_case(version, pupil, people, route):
    staff = route == "staff"
    case = Case.objects.create(
        school=pupil.school, pupil=pupil, meldcode_version=version, route="regular" if route == "fgm" else route,
        flag_fgm=route == "fgm", opened_by=people[Role.IB], coordinator=None if staff else people[Role.IB],
        subject_staff=people[Role.LEERKRACHT] if staff else None)
    for role in (Role.DIRECTIE,) if staff else (Role.IB, Role.DIRECTIE):
        CaseMember.objects.create(case=case, user=people[role])
    case.refresh_step()
    return case


class Walker:
    """Follows the case page's primary actions as the coordinator would, posting valid data on each form."""

    def __init__(self, case, clients, path, *, approve=True):
        self.case, self.clients, self.path, self.approve = case, clients, path, approve
        # Each entry a minute after the one before, as in real life (recontact comes after the feedback).
        self.clock = timezone.localtime() - datetime.timedelta(hours=3)

    def actions(self, client):
        response = client.get(reverse("cases:detail", args=[self.case.reference]))
        assert response.status_code == 200
        return response.context["actions"]

    def open_needs(self):
        self.case.refresh_from_db()
        return {(n.step, n.id) for n in Case.objects.get(pk=self.case.pk).guidance().requirements}

    def follow(self, client, action):
        url = action.url
        form_page = client.get(url)
        assert form_page.status_code == 200, url
        query = dict(parse_qsl(urlsplit(url).query))
        self.clock += datetime.timedelta(minutes=1)
        data = {"occurred_at": self.clock.strftime("%Y-%m-%dT%H:%M"), "action": "save"}
        where = urlsplit(url).path
        if where == reverse("cases:weigh_walk", args=[self.case.reference]):
            return self.walk_the_kader(client, url, action, data)
        if "/ondertekenen/" in where:
            data.update(DATA["sign"])
        elif "/corrigeren/" in where:
            data.update(DATA["correct"])
            form = form_page.context["form"]
            data.update({k: v for k, v in form.initial.items() if isinstance(v, (str, bool, int))})
            data.update(self.kind_data(form, action.kind, form.initial))
        else:
            form = form_page.context.get("form")
            for param, value in query.items():
                name = PREFILL[param]
                assert str(form.initial.get(name)) in (value, str([value])), (param, form.initial)
                data[name] = value
            data.update(self.kind_data(form, action.kind, {}))
        return confirmed(client, url, with_key(data))  # a decision through its confirmation page

    def walk_the_kader(self, client, url, action, data):
        """The guided weighing: each question it asks, answered towards the path (the rest left for later)."""
        answers = answers_towards(self.case.definition(), {"help": "start_help"}.get(self.path, self.path))
        page = client.get(url)
        while page.context["step"] == "question":
            qid = page.context["question"].id
            value = ("yes" if answers[qid] else "no") if qid in answers else "later"
            page = client.post(url, with_key({"walk": page.context["walk_token"], "action": "answer", "question": qid,
                                              "answer": value, "reason": "Onderbouwd."}))
            assert page.status_code == 200, page.context["form"].errors
        page = client.post(url, with_key({"walk": page.context["walk_token"], "action": "next"}))
        assert page.context["step"] == "final"
        data.update(self.kind_data(page.context["form"], action.kind, {"answers": answers}))
        return confirmed(client, url, with_key({**data, "walk": page.context["walk_token"]}))

    def kind_data(self, form, kind, initial):
        data = dict(DATA.get(kind, {}))
        if kind == "weighing":
            answers = initial.get("answers") or answers_towards(self.case.definition(), {"help": "start_help"}.get(self.path, self.path))
            for qid, answer in answers.items():
                data[f"q_{qid}"] = "yes" if answer else "no"
                data[f"r_{qid}"] = "Onderbouwd."
        if form is not None and "reason" in form.fields and kind == "closure":
            data["reason"] = form.fields["reason"].choices[0][0]
        if form is not None and "approved_by" in form.fields and self.approve:
            data["approved_by"] = form.fields["approved_by"].choices[1][0]
        if form is not None and "duty" in form.fields and "duty" not in data:
            data["duty"] = form.initial.get("duty")
        return data

    def until(self, target, *, client_for=None, limit=30):
        """Act on the first open need until `target` is listed; then act on it and return what was open."""
        for _turn in range(limit):
            client = self.clients["coordinator"]
            actions = self.actions(client)
            wanted = [a for a in actions if a.need.id == target]
            if wanted and client_for is not None:
                client = client_for
                wanted = [a for a in self.actions(client) if a.need.id == target]
            chosen = wanted[0] if wanted else next((a for a in actions if a.url), None)
            assert chosen is not None, [a.need.id for a in actions]
            assert chosen.url, (chosen.need.id, chosen.who)
            before = self.open_needs()
            assert (chosen.need.step, chosen.need.id) in before
            response = self.follow(client, chosen)
            assert response.status_code == 302, (chosen.url, getattr(response, "context", None)
                                                 and response.context.get("form") and response.context["form"].errors)
            if wanted:
                return chosen, before
            if target == "approval" and self.approve is False and chosen.kind == "weighing":
                continue
        raise AssertionError(f"{target} never became the open need")


@pytest.mark.parametrize(("key", "need_id", "route", "path"), _requirements())
def test_a_need_disappears_as_soon_as_the_entry_its_action_leads_to_is_saved(
        shipped, pupil, people, verified_client, key, need_id, route, path):
    case = open_case(shipped[key], pupil, people, route)
    coordinator = people[Role.DIRECTIE] if route == "staff" else people[Role.IB]
    walker = Walker(case, {"coordinator": verified_client(coordinator)}, path, approve=need_id != "approval")
    directie = verified_client(people[Role.DIRECTIE]) if need_id == "approval" else None
    chosen, before = walker.until(need_id, client_for=directie)
    after = walker.open_needs()
    assert (chosen.need.step, chosen.need.id) not in after or need_id == "approval" and len(
        [n for n in after if n[1] == "approval"]) < len([n for n in before if n[1] == "approval"])
    assert Entry.objects.filter(case=case, status=Entry.Status.SAVED).exists()


def test_the_links_carry_the_kind_and_purpose_the_requirement_asks_for(make_case, pupil, people, verified_client,
                                                                      add_entry):
    case = make_case(pupil, team=[people[Role.IB]])
    add_entry(case, people[Role.IB])
    client = verified_client(people[Role.IB])
    actions = client.get(reverse("cases:detail", args=[case.reference])).context["actions"]
    assert [(a.need.id, a.kind) for a in actions] == [("collegial_consultation", "consultation")]
    assert actions[0].url.endswith("/nieuw/consultation/?with=colleague")
    page = client.get(actions[0].url)
    assert page.context["form"].initial["with_"] == "colleague"
    assert client.get(actions[0].url.replace("colleague", "nonsense")).context["form"].initial.get("with_") is None


def test_a_leerkracht_sees_the_need_for_a_decision_without_a_link_to_take_it(make_case, pupil, people,
                                                                           verified_client, add_entry):
    """Landelijk model 2019, stap 4: the aandachtsfunctionaris weighs; the teacher sees what is open, not the button."""
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    ib = people[Role.IB]
    add_entry(case, ib)
    add_entry(case, ib, kind="consultation", facts={"with": "colleague", "anonymous": True})
    add_entry(case, ib, kind="conversation", facts={"purpose": "parent", "roles_present": ["ib"]})
    teacher = verified_client(people[Role.LEERKRACHT])
    response = teacher.get(reverse("cases:detail", args=[case.reference]))
    decision = [a for a in response.context["actions"] if a.need.id == "decision"]
    assert decision and decision[0].url is None and decision[0].who
    html = response.content.decode()
    for name in ("cases:weigh", "cases:close"):
        assert reverse(name, args=[case.reference]) not in html
    assert reverse("cases:weigh", args=[case.reference]) in verified_client(ib).get(
        reverse("cases:detail", args=[case.reference])).content.decode()


def test_the_only_open_hypothesis_is_chosen_already_when_confirming(make_case, pupil, people, verified_client,
                                                                  add_entry):
    case = make_case(pupil)
    hypothesis = add_entry(case, people[Role.IB], facts={"is_hypothesis": True, "has_source": False})
    client = verified_client(people[Role.IB])
    page = client.get(reverse("cases:new_entry", args=[case.reference, "followup"]))
    assert page.context["form"].initial["hypothesis"] == str(hypothesis.pk)
    response = client.post(reverse("cases:new_entry", args=[case.reference, "followup"]), with_key({
        "occurred_at": NOW, "action": "save", "hypothesis": str(hypothesis.pk), "outcome": "confirmed",
        "text": "Bevestigd."}))
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).open_hypotheses == 0


def test_the_case_page_needs_the_same_queries_with_more_needs(make_case, pupil, people, verified_client, add_entry,
                                                            django_assert_max_num_queries):
    case = make_case(pupil)
    client = verified_client(people[Role.IB])
    url = reverse("cases:detail", args=[case.reference])
    from django.db import connection

    def grow():
        for _n in range(3):
            add_entry(case, people[Role.IB], facts={"is_hypothesis": True, "has_source": False})
        add_entry(case, people[Role.IB], kind="conversation", facts={"purpose": "parent", "roles_present": []})
        add_entry(case, people[Role.IB], kind="weighing", facts={"answers": {"vermoeden": True}})

    grow()
    client.get(url)
    few = []  # counted by a wrapper: CaptureQueriesContext reads 0 once the connection's query log is full

    def count(execute, sql, params, many, context):
        few.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    grow()
    grow()
    client.get(url)  # as above: the steady state (the engine's entry list is cached per case state)
    with django_assert_max_num_queries(len(few)):
        client.get(url)
