"""Corrections, drafts, sign-off and closed cases keep the dossier consistent with what the engine says."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases import journal
from cases.models import Case, Entry, Signature, Task
from core.testing import with_key
from schools.models import Guardian
from vault.tests.documents import MINIMAL_PDF

NOW = "2026-11-02T09:00"
PDF = MINIMAL_PDF  # the upload check opens a PDF with a real parser: it must be one


def hypothesis_of(case, author, add_entry):
    entry = add_entry(case, author, content={"observation": "Vermoedelijk geen val."},
                      facts={"is_hypothesis": True, "has_source": False})
    journal.plan_tasks(entry)
    return entry


def test_a_refusal_to_sign_does_not_count_as_signed(make_case, pupil, people, add_entry):
    case = make_case(pupil)
    conversation = add_entry(case, people[Role.IB], kind="conversation",
                             facts={"purpose": "parent", "roles_present": ["ib"], "child_present": False})
    Signature.objects.create(entry=conversation, participant="Vader", refusal_reason="Wil niet tekenen.",
                             recorded_by=people[Role.IB])
    assert case.engine_entries()[0].engine_data()["signed"] is False
    Signature.objects.create(entry=conversation, participant="Moeder", signed_at=timezone.now(),
                             recorded_by=people[Role.IB])
    assert case.engine_entries()[0].engine_data()["signed"] is True


def test_editing_a_draft_keeps_its_evidence_and_its_hypothesis(make_case, pupil, people, add_entry, verified_client):
    case = make_case(pupil)
    hypothesis = hypothesis_of(case, people[Role.IB], add_entry)
    client = verified_client(people[Role.IB])
    client.post(reverse("cases:new_entry", args=[case.reference, "followup"]), with_key({
        "occurred_at": NOW, "hypothesis": str(hypothesis.pk), "outcome": "confirmed", "text": "Concept",
        "action": "draft"}))
    draft = case.entries.get(kind="followup")
    response = client.post(reverse("cases:edit_draft", args=[case.reference, draft.pk]), with_key({
        "occurred_at": NOW, "hypothesis": str(hypothesis.pk), "outcome": "confirmed", "text": "Bevestigd.",
        "revision": str(draft.revision), "action": "save"}))
    assert response.status_code == 302
    saved = Entry.objects.get(pk=draft.pk)
    assert saved.is_saved and saved.refers_to_id == hypothesis.pk
    assert journal.open_hypotheses(case) == []
    assert not case.tasks.filter(kind=Task.Kind.HYPOTHESIS, done_at__isnull=True).exists()

    mother = Guardian.objects.create(pupil=pupil, name="Petra de Vries", relation="moeder", has_authority=True)
    client.post(reverse("cases:new_entry", args=[case.reference, "consent"]), with_key({
        "occurred_at": NOW, "status": "refused", "guardians": [mother.pk], "scope": "Zorgteam", "action": "draft"}))
    consent = case.entries.get(kind="consent")
    response = client.post(reverse("cases:edit_draft", args=[case.reference, consent.pk]), with_key({
        "occurred_at": NOW, "status": "given", "guardians": [mother.pk], "scope": "Zorgteam", "revision": "1",
        "evidence": SimpleUploadedFile("toestemming.pdf", PDF, content_type="application/pdf"), "action": "save"}))
    assert response.status_code == 302
    consent = Entry.objects.get(pk=consent.pk)
    assert consent.attachment is not None and consent.attachment.read() == PDF


def test_a_hypothesis_corrected_into_a_fact_is_no_longer_open(make_case, pupil, people, add_entry, verified_client):
    case = make_case(pupil)
    hypothesis = hypothesis_of(case, people[Role.IB], add_entry)
    url = reverse("cases:correct", args=[case.reference, hypothesis.pk])
    response = verified_client(people[Role.IB]).post(url, with_key({
        "occurred_at": NOW, "place": "Klas", "situation": "Binnenkomst", "observation": "Zelf gezien: blauwe plek.",
        "is_hypothesis": "0", "direction": "unclear", "reason": "Het was een waarneming, geen vermoeden.",
        "action": "save"}))
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert journal.open_hypotheses(case) == []
    assert case.guidance().open_hypotheses == 0
    assert not case.tasks.filter(kind=Task.Kind.HYPOTHESIS, done_at__isnull=True).exists()


def test_an_entry_already_corrected_is_corrected_through_its_newest_version(make_case, pupil, people, add_entry,
                                                                          verified_client):
    case = make_case(pupil)
    original = add_entry(case, people[Role.IB])
    correction = add_entry(case, people[Role.IB], saved=False)
    Entry.objects.filter(pk=correction.pk).update(corrects=original)
    from cases.models import record_entry

    record_entry(Entry.objects.get(pk=correction.pk))
    response = verified_client(people[Role.IB]).get(reverse("cases:correct", args=[case.reference, original.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:correct", args=[case.reference, correction.pk])


def test_a_closed_case_refuses_every_write(make_case, pupil, people, add_entry, verified_client):
    case = make_case(pupil)
    conversation = add_entry(case, people[Role.IB], kind="conversation", facts={"purpose": "parent"})
    task = Task.objects.create(case=case, kind=Task.Kind.OTHER, due_on=timezone.localdate())
    closure = add_entry(case, people[Role.IB], kind="closure", facts={"reason": "unfounded"},
                        content={"explanation": "Ongegrond."})
    journal.close_case(case, closure)
    client = verified_client(people[Role.IB])
    before = case.entries.count()
    for url, data in [
        (reverse("cases:acute", args=[case.reference]), {"occurred_at": NOW, "contacted": "112"}),
        (reverse("cases:sign", args=[case.reference, conversation.pk]), {"participant": "Moeder", "signed": "1"}),
        (reverse("cases:correct", args=[case.reference, conversation.pk]), {"occurred_at": NOW, "reason": "x"}),
        (reverse("cases:complete_task", args=[case.reference, task.pk]), {}),
    ]:
        response = client.post(url, with_key(data))
        assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.reference])
    case.refresh_from_db()
    assert case.entries.count() == before and case.route == "regular"
    assert not Signature.objects.exists()


def test_removing_a_team_member_with_a_bad_id_is_a_clear_400(make_case, pupil, people, verified_client):
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    response = verified_client(people[Role.IB]).post(reverse("cases:team", args=[case.reference]), {"remove": "abc"})
    assert response.status_code == 400
    assert case.members.count() == 1


def test_a_privacy_officer_with_another_role_sees_no_names_of_cases_they_cannot_read(make_case, pupil, people,
                                                                                    verified_client, school):
    privacy = people[Role.PRIVACY]
    privacy.memberships.create(school=school, role=Role.BEHEER)
    case = make_case(pupil)
    page = verified_client(privacy).get(reverse("cases:overview", args=[school.slug])).content.decode()
    assert case.reference in page
    assert "de Vries" not in page


def test_the_functioneel_beheerder_cannot_be_added_to_a_case_team(make_case, pupil, people, verified_client):
    case = make_case(pupil)
    response = verified_client(people[Role.IB]).post(reverse("cases:team", args=[case.reference]),
                                                     with_key({"user": people[Role.BEHEER].pk}))
    assert response.status_code == 400
    assert not case.members.filter(user=people[Role.BEHEER]).exists()


def test_the_case_page_shows_a_new_signature_on_an_entry_it_already_rendered(make_case, pupil, people, add_entry,
                                                                             verified_client):
    case = make_case(pupil)
    conversation = add_entry(case, people[Role.IB], kind="conversation", facts={"purpose": "parent"},
                             content={"reaction": "Moeder schrok."})
    client = verified_client(people[Role.IB])
    url = reverse("cases:detail", args=[case.reference])
    assert "Nog door niemand ondertekend." in client.get(url).content.decode()
    Signature.objects.create(entry=conversation, participant="Marieke de Vries", signed_at=timezone.now(),
                             recorded_by=people[Role.IB])
    page = client.get(url).content.decode()
    assert "Marieke de Vries: getekend op" in page
    # Someone who may only read sees the same entry without the links to change it.
    teacher = people[Role.LEERKRACHT]
    case.members.create(user=teacher)
    closure = add_entry(case, people[Role.IB], kind="closure", facts={"reason": "unfounded"},
                        content={"explanation": "Ongegrond."})
    journal.close_case(case, closure)
    page = verified_client(teacher).get(url).content.decode()
    assert "Moeder schrok." in page and "Corrigeren" not in page
