"""The generated access matrix: every actor × every dossier URL × own case / staff case / other school's case.

The expectation table below is the policy in words; the test checks that every page and every list
follows it, and that anyone without a right gets a 404 (never a hint that the case exists).
"""

import pytest
from django.urls import reverse

from accounts.roles import Role
from cases import access
from cases.models import Entry, Route

ACTORS = ["teacher_on_team", "teacher_off_team", "ib", "directie", "bestuur", "privacy", "beheer",
          "subject_staff", "other_school_ib", "aandachtsfunctionaris", "onderwijsassistent", "stagiair",
          "vrijwilliger_on_team"]
CASES = ["own", "staff", "other_school"]

META, READ, WRITE, MANAGE, EXPORT = access.META, access.READ, access.WRITE, access.MANAGE, access.EXPORT
# Writing what happens around the steps (complaints, the parent's statement, the handover): WRITE, and only for the
# coordinators and the directie (cases.journal.COORDINATOR_RECORDERS); a leerkracht on the team gets a 404.
RECORD_AROUND = "record_around"
AROUND_RECORDERS = {"ib", "aandachtsfunctionaris", "directie", "subject_staff", "other_school_ib"}
CONTENT = {META, READ, WRITE}
ALL = {META, READ, WRITE, MANAGE, EXPORT}

EXPECTED = {
    ("teacher_on_team", "own"): CONTENT,
    ("ib", "own"): ALL,
    # The aandachtsfunctionaris as a role of its own holds the IB's rights (the model meldcode's coordinator).
    ("aandachtsfunctionaris", "own"): ALL,
    # Onderwijsassistent, stagiair and vrijwilliger record signals (mysignals) and hold no dossier right, not even
    # when someone puts them on a team.
    ("directie", "own"): ALL,
    ("privacy", "own"): {META},
    ("teacher_on_team", "staff"): CONTENT | {EXPORT},
    ("directie", "staff"): ALL,
    ("bestuur", "staff"): ALL,
    # The person concerned also sits in the directie: they see the school's other cases, never their own.
    ("subject_staff", "own"): ALL,
    # Their own school's case, as a check that the matrix is not all 404s.
    ("other_school_ib", "other_school"): ALL,
}

# URL name, what it needs, and how to build its arguments.
PAGES = [
    ("cases:detail", META, lambda case, entry: [case.reference]),
    ("cases:new_entry", WRITE, lambda case, entry: [case.reference, "signal"]),
    ("cases:correct", WRITE, lambda case, entry: [case.reference, entry.pk]),
    ("cases:sign", WRITE, lambda case, entry: [case.reference, entry.pk]),
    ("cases:acute", WRITE, lambda case, entry: [case.reference]),
    ("cases:team", MANAGE, lambda case, entry: [case.reference]),
    ("cases:attachment", READ, lambda case, entry: [case.reference, entry.pk]),
    ("inquiries:new", WRITE, lambda case, entry: [case.reference]),
    ("inquiries:detail", READ, lambda case, entry: [case.reference, case.information_requests.get().pk]),
    ("inquiries:answer", EXPORT, lambda case, entry: [case.reference, case.information_requests.get().pk]),
    ("cases:new_entry", RECORD_AROUND, lambda case, entry: [case.reference, "complaint"]),
    ("cases:new_entry", RECORD_AROUND, lambda case, entry: [case.reference, "statement"]),
    ("cases:new_entry", RECORD_AROUND, lambda case, entry: [case.reference, "handover"]),
    ("documents:handover", EXPORT, lambda case, entry: [case.reference, case.entries.get(kind="handover").pk]),
]


def expected(actor, case_name):
    rights = set(EXPECTED.get((actor, case_name), set()))
    if WRITE in rights and actor in AROUND_RECORDERS:
        rights.add(RECORD_AROUND)
    return rights


@pytest.fixture
def world(school, other_school, people, make_user, make_case, add_entry, pupil):
    from schools.models import Pupil

    actors = {
        "teacher_on_team": make_user(Role.LEERKRACHT, school, name="Leerkracht In Team"),
        "teacher_off_team": make_user(Role.LEERKRACHT, school, name="Leerkracht Buiten Team"),
        "ib": people[Role.IB], "directie": people[Role.DIRECTIE], "bestuur": people[Role.BESTUUR],
        "privacy": people[Role.PRIVACY], "beheer": people[Role.BEHEER],
        "subject_staff": make_user(Role.LEERKRACHT, school, name="Betrokken Medewerker"),
        "other_school_ib": make_user(Role.IB, other_school, name="IB Andere School"),
        "aandachtsfunctionaris": make_user(Role.AANDACHTSFUNCTIONARIS, school, name="Aandachtsfunctionaris Test"),
        "onderwijsassistent": make_user(Role.ONDERWIJSASSISTENT, school, name="Onderwijsassistent Test"),
        "stagiair": make_user(Role.STAGIAIR, school, name="Stagiair Test"),
        "vrijwilliger_on_team": make_user(Role.VRIJWILLIGER, school, name="Vrijwilliger In Team"),
    }
    # The person concerned is also a directie member: the staff route must still hide the case.
    actors["subject_staff"].memberships.create(school=school, role=Role.DIRECTIE)
    other_pupil = Pupil.objects.create(school=other_school, first_name="Mila", last_name="Elders",
                                       date_of_birth=pupil.date_of_birth, group="5")
    cases = {
        "own": make_case(pupil, team=[actors["teacher_on_team"], actors["vrijwilliger_on_team"]]),
        "staff": make_case(pupil, route=Route.STAFF, coordinator=actors["directie"],
                           team=[actors["teacher_on_team"], actors["subject_staff"]],
                           subject_staff=actors["subject_staff"]),
        "other_school": make_case(other_pupil, coordinator=actors["other_school_ib"], school=other_school),
    }
    entries = {name: _conversation_with_attachment(case, actors["directie"]) for name, case in cases.items()}
    for case in cases.values():
        _information_request(case, actors["directie"])
        _handover(case, actors["directie"])
    return actors, cases, entries


def _information_request(case, author):
    from django.utils import timezone

    from inquiries.models import InformationRequest

    return InformationRequest.objects.create(
        case=case, recorded_by=author, requester_kind="raad", requester="Raad Noord", legal_basis="bw_1_240",
        asked="Hoe gaat het op school?", received_on=timezone.localdate(), parents_told="not",
        not_told_reason="Gevaar voor het kind.")


def _handover(case, author):
    from django.utils import timezone

    from cases.models import record_entry

    return record_entry(Entry.objects.create(
        case=case, kind="handover", author=author, occurred_at=timezone.now(), facts={"basis": "consent"},
        content={"receiving_school": "Het Noordercollege", "safety_paragraph": "Een vaste mentor helpt."}))


def _conversation_with_attachment(case, author):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from cases.models import record_entry
    from vault.files import save_encrypted_file
    from vault.tests.documents import MINIMAL_PDF

    stored = save_encrypted_file(SimpleUploadedFile("toestemming.pdf", MINIMAL_PDF,
                                                    content_type="application/pdf"), purpose="test")
    entry = Entry.objects.create(case=case, kind="conversation", author=author, occurred_at=timezone.now(),
                                 content={"reaction": "Moeder schrok."}, attachment=stored,
                                 facts={"purpose": "parent", "roles_present": ["ib"], "child_present": False,
                                        "signed": False})
    return record_entry(entry)


@pytest.mark.parametrize("actor", ACTORS)
def test_every_page_follows_the_access_rule(world, verified_client, actor):
    actors, cases, entries = world
    client = verified_client(actors[actor])
    for case_name, case in cases.items():
        for url_name, need, args in PAGES:
            response = client.get(reverse(url_name, args=args(case, entries[case_name])))
            where = f"{actor} on {url_name} of the {case_name} case"
            if need in expected(actor, case_name):
                assert response.status_code in (200, 302), where
                assert not (response.status_code == 302 and "/toegang/" in response["Location"]), where
            else:
                assert response.status_code == 404, where


@pytest.mark.parametrize("actor", ACTORS)
def test_lists_searches_and_counts_follow_the_same_rule(world, verified_client, actor, school):
    actors, cases, entries = world
    user = actors[actor]
    for case_name, case in cases.items():
        rights = EXPECTED.get((actor, case_name), set())
        assert (META in rights) == access.visible(user, META).filter(pk=case.pk).exists(), case_name
        assert (READ in rights) == access.visible(user, READ).filter(pk=case.pk).exists(), case_name
        assert set(access.permissions(user, case)) - {access.BREAK_GLASS} == rights, case_name
    client = verified_client(user)
    overview = client.get(reverse("cases:overview", args=[school.slug]) + "?status=all")
    search = client.post(reverse("cases:search", args=[school.slug]), {"q": "Sanne"})
    for case_name in ("own", "staff"):  # the cases of the school whose pages these are
        case, rights = cases[case_name], EXPECTED.get((actor, case_name), set())
        if overview.status_code == 200:
            assert (case.reference in overview.content.decode()) == (META in rights), case_name
        else:
            assert overview.status_code == 404 and not rights
        if search.status_code == 200:
            assert (case.reference in search.content.decode()) == (READ in rights), case_name


def test_the_staff_member_concerned_is_never_notified_of_their_case(world, mailoutbox):
    from cases.notifications import staff_case_opened

    actors, cases, entries = world
    staff_case_opened(cases["staff"])
    recipients = {address for mail in mailoutbox for address in mail.to}
    assert actors["directie"].email in recipients
    assert actors["subject_staff"].email not in recipients
    assert all("blauwe plek" not in mail.body for mail in mailoutbox)


def test_the_functioneel_beheerder_cannot_open_any_dossier_page(world, verified_client, school):
    actors, cases, entries = world
    client = verified_client(actors["beheer"])
    assert client.get(reverse("cases:overview", args=[school.slug])).status_code == 404
    assert client.get(reverse("cases:open", args=[school.slug])).status_code == 404


def test_lists_cannot_be_filtered_by_a_right_the_filter_cannot_express(people):
    with pytest.raises(ValueError):
        access.visible(people[Role.IB], access.EXPORT)


# The mysignals pages (signal-only members: onderwijsassistent, stagiair, vrijwilliger), by the rule for signal-only
# members in cases.access: the own page only for those roles at the school; a signal page only for its author.
SIGNAL_ONLY_ACTORS = {"onderwijsassistent", "stagiair", "vrijwilliger_on_team"}


@pytest.mark.parametrize("actor", ACTORS)
def test_the_mysignals_pages_follow_the_rule_for_signal_only_members(world, verified_client, actor, school,
                                                                     other_school):
    actors, cases, entries = world
    from django.utils import timezone

    from cases.models import record_entry

    signals = {name: record_entry(Entry.objects.create(
        case=cases["own"], kind="signal", author=actors[name], occurred_at=timezone.now(),
        content={"observation": f"Gezien door {name}."}, facts={"is_hypothesis": False}))
        for name in sorted(SIGNAL_ONLY_ACTORS)}
    client = verified_client(actors[actor])
    own_page = client.get(reverse("mysignals:own", args=[school.slug]))
    assert client.get(reverse("mysignals:own", args=[other_school.slug])).status_code == 404
    if actor in SIGNAL_ONLY_ACTORS:
        assert own_page.status_code == 200
        page = own_page.content.decode()
        for name, entry in signals.items():
            assert (f"Gezien door {name}." in page) == (name == actor)
            status = client.get(reverse("mysignals:signal", args=[school.slug, entry.pk])).status_code
            assert status == (200 if name == actor else 404), name
        # A colleague's dossier is never shown: no reference, no other entry.
        assert all(case.reference not in page for case in cases.values())
        assert "Moeder schrok" not in page
    else:
        assert own_page.status_code == 404
        for entry in signals.values():
            assert client.get(reverse("mysignals:signal", args=[school.slug, entry.pk])).status_code == 404
    for entry in entries.values():
        assert client.get(reverse("mysignals:signal", args=[school.slug, entry.pk])).status_code == 404
