"""Parental authority (gezag) in the dossier: consent and conversations name guardians of the pupil, and only a
parent with gezag gives consent."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases import journal
from cases.models import Case, Entry
from cases.templatetags.dossier import entry_fields
from core.testing import with_key
from schools.models import Guardian, Pupil

pytestmark = pytest.mark.django_db
NOW = timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def post(client, case, kind, data):
    return client.post(reverse("cases:new_entry", args=[case.reference, kind]),
                       with_key({"occurred_at": NOW, "action": "save", **data}))


def consent(status="given", **extra):
    return {"status": status, "scope": "Zorgteam", "signed_in_app": "on", **extra}


@pytest.fixture
def mother(pupil):
    return Guardian.objects.create(pupil=pupil, name="Petra de Vries", relation="moeder", has_authority=True)


@pytest.fixture
def father(pupil):
    return Guardian.objects.create(pupil=pupil, name="Kees de Vries", relation="vader", has_authority=True)


@pytest.fixture
def stepfather(pupil):
    return Guardian.objects.create(pupil=pupil, name="Jan Bos", relation="stiefvader", has_authority=False)


def test_consent_from_a_guardian_without_gezag_does_not_meet_the_consent_need(make_case, pupil, stepfather, people,
                                                                               verified_client):
    """BW 1:245: only who holds gezag decides for the child; a stepparent without it cannot consent."""
    case = make_case(pupil)
    client = verified_client(people[Role.IB])
    assert post(client, case, "consent", consent(guardians=[stepfather.pk])).status_code == 302
    entry = case.entries.get(kind="consent")
    assert entry.facts["guardians"] == [stepfather.pk] and entry.facts["guardians_with_authority"] == []
    assert journal.consent_status(case) is None
    guidance = Case.objects.get(pk=case.pk).guidance()
    assert "consent_without_authority" in guidance.warning_codes()
    # So naming the child in the care team is still refused.
    named = post(client, case, "consultation", {"with_": "care_team", "anonymous": "0", "question": "Casus",
                                                "advice": "-"})
    assert named.status_code == 400 and "alleen anoniem" in named.content.decode()
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "een ouder zonder gezag" in page


def test_consent_from_a_guardian_with_gezag_counts(make_case, pupil, mother, people, verified_client):
    case = make_case(pupil)
    assert post(verified_client(people[Role.IB]), case, "consent", consent(guardians=[mother.pk])).status_code == 302
    assert journal.consent_status(case) == "given"
    codes = Case.objects.get(pk=case.pk).guidance().warning_codes()
    assert "consent_without_authority" not in codes and "other_parent_consent" not in codes


def test_where_both_parents_hold_gezag_the_guidance_asks_the_other_parent(make_case, pupil, mother, father, people,
                                                                          verified_client):
    """BW 1:251: parents with joint gezag exercise it together; the guidance asks about the other parent too."""
    case = make_case(pupil)
    client = verified_client(people[Role.IB])
    post(client, case, "consent", consent(guardians=[mother.pk]))
    post(client, case, "conversation", {
        "purpose": "parent", "participants": "Petra de Vries, moeder", "guardians": [mother.pk],
        "roles_present": ["ib"], "purpose_explained": "Zorg delen.", "facts_presented": "De blauwe plek.",
        "reaction": "Moeder schrok."})
    guidance = Case.objects.get(pk=case.pk).guidance()
    messages = {w.code: w.message for w in guidance.warnings}
    assert "vraag ook de andere ouder om toestemming" in messages["other_parent_consent"]
    assert "informeer ook de andere ouder" in messages["other_parent_informed"]
    # Once the father consents and is talked with as well, neither is asked any more.
    post(client, case, "consent", consent(guardians=[father.pk]))
    post(client, case, "conversation", {
        "purpose": "parent", "participants": "Kees de Vries, vader", "guardians": [father.pk],
        "roles_present": ["ib"], "purpose_explained": "Zorg delen.", "facts_presented": "De blauwe plek.",
        "reaction": "Vader begreep het."})
    codes = Case.objects.get(pk=case.pk).guidance().warning_codes()
    assert "other_parent_consent" not in codes and "other_parent_informed" not in codes


def test_the_guardian_choice_refuses_another_pupils_guardian(make_case, pupil, mother, school, people,
                                                             verified_client):
    case = make_case(pupil)
    other = Pupil.objects.create(school=school, first_name="Daan", last_name="Jansen",
                                 date_of_birth=datetime.date(2016, 11, 2))
    stranger = Guardian.objects.create(pupil=other, name="Ans Jansen", relation="moeder", has_authority=True)
    response = post(verified_client(people[Role.IB]), case, "consent", consent(guardians=[mother.pk, stranger.pk]))
    assert response.status_code == 400
    assert "Kies alleen ouders of verzorgers van deze leerling." in response.content.decode()
    assert not Entry.objects.filter(case=case, kind="consent").exists()


def test_the_consent_form_lists_only_this_pupils_guardians_and_explains_1_377c(make_case, pupil, mother, stepfather,
                                                                               school, people, verified_client):
    """BW 1:377c: a parent without gezag is told about important matters on request, unless not in the child's
    interest; the form says so where the guardians are chosen."""
    other = Pupil.objects.create(school=school, first_name="Daan", last_name="Jansen",
                                 date_of_birth=datetime.date(2016, 11, 2))
    Guardian.objects.create(pupil=other, name="Ans Jansen", relation="moeder", has_authority=True)
    case = make_case(pupil)
    page = verified_client(people[Role.IB]).get(reverse("cases:new_entry", args=[case.reference, "consent"]))
    text = page.content.decode()
    assert "Petra de Vries (moeder, heeft gezag)" in text and "Jan Bos (stiefvader, geen gezag)" in text
    assert "Ans Jansen" not in text
    assert "art. 1:377c BW" in text


def test_old_free_text_consent_stays_readable_and_counts_as_before(make_case, pupil, people, add_entry):
    case = make_case(pupil)
    entry = add_entry(case, people[Role.IB], kind="consent", content={"given_by": "Marieke de Vries (moeder)"},
                      facts={"status": "given"})
    assert ("Door (ouder met gezag)", "Marieke de Vries (moeder)") in [(str(k), v) for k, v in entry_fields(entry)]
    assert journal.consent_status(case) == "given"


def test_a_diagnosis_shows_whether_its_author_was_qualified(make_case, pupil, people, verified_client):
    ib = people[Role.IB]
    ib.qualified_for_diagnosis = True
    ib.save(update_fields=["qualified_for_diagnosis"])
    case = make_case(pupil)
    client = verified_client(ib)
    response = post(client, case, "signal", {
        "place": "Klas", "situation": "Binnenkomst", "observation": "Zit stil in de hoek.", "is_hypothesis": "0",
        "direction": "unclear", "diagnosis": "Hechtingsproblematiek."})
    assert response.status_code == 302
    entry = case.entries.get(kind="signal")
    assert entry.facts["diagnosis_qualified"] is True
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Vastgesteld door een daartoe bevoegde professional" in page


def test_a_diagnosis_without_the_mark_carries_a_warning(make_case, pupil, people, add_entry):
    case = make_case(pupil)
    entry = add_entry(case, people[Role.LEERKRACHT], kind="signal",
                      content={"observation": "Stil.", "diagnosis": "ADHD."},
                      facts={"is_hypothesis": False, "has_source": False, "diagnosis_qualified": False})
    rows = dict((str(k), str(v)) for k, v in entry_fields(entry))
    assert rows["Bevoegdheid voor de diagnose"].startswith("Let op: vastgelegd door iemand die de directie niet")


def test_absence_is_a_signal_category_that_the_meldcode_can_refer_to(make_case, pupil, people, verified_client):
    from protocol.definition import RECORD_VOCABULARY

    case = make_case(pupil)
    client = verified_client(people[Role.IB])
    form_page = client.get(reverse("cases:new_entry", args=[case.reference, "signal"])).content.decode()
    assert 'value="verzuim"' in form_page
    response = post(client, case, "signal", {
        "place": "Klas", "situation": "Maandagochtend", "observation": "Weer afwezig, derde maandag op rij.",
        "is_hypothesis": "0", "direction": "unclear", "categories": ["verzuim"]})
    assert response.status_code == 302
    entry = case.entries.get(kind="signal")
    assert entry.facts["absence"] is True and entry.content["categories"] == ["verzuim"]
    # A rule of the meldcode may test it, e.g. `where: {absence: true}`.
    assert RECORD_VOCABULARY["signal"]["absence"] is bool


def test_the_warning_to_ask_the_other_parent_leads_to_the_form_that_answers_it(make_case, pupil, mother, father,
                                                                              people, verified_client):
    """The warning on the case page carries its own link (consent form; conversation with the parents), so a
    coordinator on a phone does not have to look for the form in the menu."""
    case = make_case(pupil)
    client = verified_client(people[Role.IB])
    post(client, case, "consent", consent(guardians=[mother.pk]))
    post(client, case, "conversation", {
        "purpose": "parent", "participants": "Petra de Vries, moeder", "guardians": [mother.pk],
        "roles_present": ["ib"], "purpose_explained": "Zorg delen.", "facts_presented": "De blauwe plek.",
        "reaction": "Moeder schrok."})
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()

    def notice(code):
        start = page.index(f'data-notice="{code}"')
        return page[start:page.index("</div>", start)]

    assert f'href="{reverse("cases:new_entry", args=[case.reference, "consent"])}"' in notice("other_parent_consent")
    assert (f'href="{reverse("cases:new_entry", args=[case.reference, "conversation"])}?purpose=parent"'
            in notice("other_parent_informed"))
