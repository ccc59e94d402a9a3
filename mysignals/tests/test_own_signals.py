"""Onderwijsassistenten, stagiairs and vrijwilligers work with pupils and fall under the meldcode
(/work/shared/domain.md, 'Aandachtsfunctionaris'): they record a signal and see only what they wrote."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Case, Entry
from core.testing import with_key

pytestmark = pytest.mark.django_db

SIGNAL = {"place": "Speelplaats", "situation": "Pauze, ruzie bij het klimrek.",
          "observation": "Sanne zei: papa heeft me geslagen.", "is_hypothesis": "0", "direction": "unclear"}


def post(client, school, **data):
    values = {**SIGNAL, "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), **data}
    return client.post(reverse("mysignals:own", args=[school.slug]), with_key(values))


@pytest.mark.parametrize("role", [Role.ONDERWIJSASSISTENT, Role.STAGIAIR, Role.VRIJWILLIGER])
def test_an_assistant_records_a_signal_that_opens_a_dossier_for_the_coordinator(role, school, pupil, people,
                                                                                 adopted, verified_client):
    assistant = people[role]
    client = verified_client(assistant)
    response = post(client, school, pupil=pupil.pk)
    assert response.status_code == 302
    case = Case.objects.get(pupil=pupil)
    entry = Entry.objects.get(case=case)
    assert entry.author == assistant and entry.is_saved and entry.content["observation"] == SIGNAL["observation"]
    assert "pupil" not in entry.content
    assert case.coordinator == people[Role.IB]
    assert not case.members.filter(user=assistant).exists()
    # Their signal is in the dossier; the dossier is not theirs to see.
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404
    event = AuditEvent.objects.get(action="signal.own_create")
    assert event.case_id == case.pk and event.details == {"entry": entry.pk, "opened_case": True}
    page = client.get(reverse("mysignals:own", args=[school.slug])).content.decode()
    assert "papa heeft me geslagen" in page and "Sanne" in page


def test_the_page_shows_only_what_the_assistant_wrote(school, pupil, people, make_case, add_entry, verified_client):
    case = make_case(pupil)
    add_entry(case, people[Role.IB], content={"observation": "Moeder belde over de nacht."})
    assistant = people[Role.STAGIAIR]
    client = verified_client(assistant)
    assert post(client, school, pupil=pupil.pk).status_code == 302
    assert Case.objects.count() == 1  # joined the open dossier
    assert case.entries.filter(author=assistant).count() == 1
    page = client.get(reverse("mysignals:own", args=[school.slug])).content.decode()
    assert "papa heeft me geslagen" in page
    assert "Moeder belde" not in page
    assert AuditEvent.objects.filter(action="signal.own_list", actor_id=assistant.pk).exists()


@pytest.mark.parametrize("who", ["leerkracht", "ib", "directie", "outsider", "other_school"])
def test_the_page_is_for_the_signal_only_roles(who, school, pupil, people, make_user, other_school, adopted,
                                               verified_client):
    user = {"leerkracht": people[Role.LEERKRACHT], "ib": people[Role.IB], "directie": people[Role.DIRECTIE],
            "outsider": make_user(), "other_school": make_user(Role.ONDERWIJSASSISTENT, other_school)}[who]
    client = verified_client(user)
    assert client.get(reverse("mysignals:own", args=[school.slug])).status_code == 404
    assert post(client, school, pupil=pupil.pk).status_code == 404
    assert not Entry.objects.exists()


def test_an_incomplete_signal_is_refused_in_dutch_and_nothing_is_stored(school, pupil, people, adopted,
                                                                        verified_client):
    response = post(verified_client(people[Role.VRIJWILLIGER]), school, pupil="", observation="")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Kies de leerling over wie het signaal gaat." in page
    assert "Dit veld is verplicht." in page
    assert 'class="error-summary"' in page and page.count('class="error-summary"') == 1
    assert 'href="#id_observation"' in page
    assert not Case.objects.exists() and not Entry.objects.exists()
    assert not AuditEvent.objects.filter(action="signal.own_create").exists()


def test_the_home_page_links_the_assistant_to_their_signals_only(school, people, verified_client):
    page = verified_client(people[Role.ONDERWIJSASSISTENT]).get("/").content.decode()
    assert reverse("mysignals:own", args=[school.slug]) in page
    assert reverse("schools:pupils", args=[school.slug]) not in page
    assert reverse("cases:overview", args=[school.slug]) not in page


def test_an_assistant_reads_their_own_signal_and_gets_a_404_for_anyone_elses(school, pupil, people, make_case,
                                                                              add_entry, adopted, verified_client):
    case = make_case(pupil)
    colleague_entry = add_entry(case, people[Role.IB], content={"observation": "Moeder belde over de nacht."})
    other_assistant = people[Role.ONDERWIJSASSISTENT]
    assert post(verified_client(other_assistant), school, pupil=pupil.pk,
                observation="Broer vertelde over de kelder.").status_code == 302
    theirs = Entry.objects.get(author=other_assistant)
    assistant = people[Role.STAGIAIR]
    client = verified_client(assistant)
    assert post(client, school, pupil=pupil.pk).status_code == 302
    own = Entry.objects.get(author=assistant)
    page = client.get(reverse("mysignals:signal", args=[school.slug, own.pk]))
    assert page.status_code == 200 and "papa heeft me geslagen" in page.content.decode()
    assert case.reference not in page.content.decode()
    assert AuditEvent.objects.filter(action="signal.own_view", actor_id=assistant.pk, case_id=case.pk,
                                     details={"entry": own.pk}).exists()
    for entry_id in (theirs.pk, colleague_entry.pk, own.pk + 1000):
        assert client.get(reverse("mysignals:signal", args=[school.slug, entry_id])).status_code == 404
    listing = client.get(reverse("mysignals:own", args=[school.slug])).content.decode()
    assert "kelder" not in listing and "Moeder belde" not in listing and case.reference not in listing
    # The author themselves, at a school where they are no signal-only member, gets a 404 too.
    assert verified_client(people[Role.IB]).get(
        reverse("mysignals:signal", args=[school.slug, colleague_entry.pk])).status_code == 404


def test_the_rule_gives_a_signal_only_member_only_their_own_signals(school, pupil, people, make_case, add_entry):
    from django.http import Http404

    from cases import access

    case = make_case(pupil)
    mine = add_entry(case, people[Role.VRIJWILLIGER], content={"observation": "Blauwe plek."})
    add_entry(case, people[Role.IB], content={"observation": "Gesprek met moeder."})
    assert list(access.own_signals(people[Role.VRIJWILLIGER], school)) == [mine]
    assert not access.own_signals(people[Role.IB], school).exists()  # the rule is for signal-only members only
    assert access.own_signal_or_404(people[Role.VRIJWILLIGER], school, mine.pk) == mine
    with pytest.raises(Http404):
        access.own_signal_or_404(people[Role.STAGIAIR], school, mine.pk)
    assert access.signal_case(people[Role.VRIJWILLIGER], school, pupil) == case
    with pytest.raises(Http404):
        access.signal_case(people[Role.IB], school, pupil)
