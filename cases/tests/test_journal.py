import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import Entry, ImmutableEntryError
from core.testing import with_key

SIGNAL_POST = {
    "occurred_at": "2026-11-02T08:40", "place": "Klaslokaal", "situation": "Bij binnenkomst",
    "others_present": "", "observation": "Sanne had een blauwe plek op haar bovenarm.", "is_hypothesis": "0",
    "source": "", "direction": "unclear", "action": "save",
}


@pytest.fixture
def case(make_case, pupil, people):
    return make_case(pupil, team=[people[Role.LEERKRACHT]])


def test_a_teacher_records_a_signal_that_is_stored_encrypted_and_shown_to_the_team(case, people, verified_client):
    client = verified_client(people[Role.LEERKRACHT])
    response = client.post(reverse("cases:new_entry", args=[case.reference, "signal"]), with_key(SIGNAL_POST))
    assert response.status_code == 302
    entry = Entry.objects.get(case=case)
    assert entry.is_saved and entry.content["observation"].startswith("Sanne had")
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM cases_entry WHERE id = %s", [entry.pk])
        raw = cursor.fetchone()[0]
    assert "blauwe plek" not in raw
    page = client.get(reverse("cases:detail", args=[case.reference]))
    assert "Sanne had een blauwe plek op haar bovenarm." in page.content.decode()


def test_bad_input_gets_a_dutch_message_and_stores_nothing(case, people, verified_client):
    client = verified_client(people[Role.LEERKRACHT])
    response = client.post(reverse("cases:new_entry", args=[case.reference, "signal"]),
                           with_key({**SIGNAL_POST, "observation": "", "occurred_at": "2099-01-01T10:00"}))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Dit veld is verplicht." in body
    assert "Dit tijdstip ligt in de toekomst." in body
    assert not Entry.objects.filter(case=case).exists()


def test_saved_entries_cannot_be_changed_or_deleted_through_the_app(case, people, add_entry):
    entry = add_entry(case, people[Role.IB])
    entry.content = {"observation": "Iets anders"}
    with pytest.raises(ImmutableEntryError):
        entry.save()
    with pytest.raises(ImmutableEntryError):
        entry.delete()
    assert Entry.objects.get(pk=entry.pk).content["observation"] == "Een blauwe plek op de arm."


@pytest.mark.parametrize("statement", [
    "UPDATE cases_entry SET occurred_at = occurred_at WHERE id = %s",
    "DELETE FROM cases_entry WHERE id = %s",
])
def test_the_database_refuses_to_change_or_delete_a_saved_entry(case, people, add_entry, statement):
    entry = add_entry(case, people[Role.IB])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [entry.pk])
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_a_correction_keeps_the_original_visible(case, people, add_entry, verified_client):
    original = add_entry(case, people[Role.LEERKRACHT], content={
        "place": "Gang", "situation": "Pauze", "observation": "Blauwe plek op de linkerarm."})
    client = verified_client(people[Role.IB])
    response = client.post(reverse("cases:correct", args=[case.reference, original.pk]), with_key({
        **SIGNAL_POST, "observation": "Blauwe plek op de rechterarm.", "reason": "Verkeerde arm genoteerd."}))
    assert response.status_code == 302
    correction = Entry.objects.get(corrects=original)
    assert correction.content["correction_reason"] == "Verkeerde arm genoteerd."
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Blauwe plek op de linkerarm." in page
    assert "Blauwe plek op de rechterarm." in page
    assert "Verkeerde arm genoteerd." in page


def test_two_people_correcting_the_same_entry_get_a_conflict_and_the_second_keeps_their_text(
        case, people, add_entry, verified_client):
    original = add_entry(case, people[Role.LEERKRACHT], content={
        "place": "Gang", "situation": "Pauze", "observation": "Blauwe plek op de linkerarm."})
    url = reverse("cases:correct", args=[case.reference, original.pk])
    ib, teacher = verified_client(people[Role.IB]), verified_client(people[Role.LEERKRACHT])
    assert ib.get(url).status_code == 200 and teacher.get(url).status_code == 200  # both opened the form
    first = ib.post(url, with_key({**SIGNAL_POST, "observation": "Blauwe plek op de rechterarm.",
                                   "reason": "Verkeerde arm."}))
    assert first.status_code == 302
    second = teacher.post(url, with_key({**SIGNAL_POST, "observation": "Twee blauwe plekken op de linkerarm.",
                                         "reason": "Er waren er twee."}))
    assert second.status_code == 409
    assert "Iemand anders heeft deze regel intussen gecorrigeerd" in second.content.decode()
    assert "Twee blauwe plekken op de linkerarm." in second.content.decode()
    assert list(Entry.objects.filter(corrects=original).values_list("content", flat=True)) == [
        {**Entry.objects.get(corrects=original).content}]
    assert Entry.objects.get(corrects=original).content["observation"] == "Blauwe plek op de rechterarm."


def test_two_people_saving_the_same_draft_get_a_conflict_and_lose_nothing(case, people, verified_client):
    teacher = people[Role.LEERKRACHT]
    client = verified_client(teacher)
    client.post(reverse("cases:new_entry", args=[case.reference, "signal"]),
                with_key({**SIGNAL_POST, "action": "draft"}))
    draft = Entry.objects.get(case=case, status=Entry.Status.DRAFT)
    url = reverse("cases:edit_draft", args=[case.reference, draft.pk])
    # Two tabs loaded revision 1; the first save wins, the second gets a conflict with its text intact.
    first = client.post(url, with_key({**SIGNAL_POST, "observation": "Eerste versie", "revision": "1",
                                       "action": "draft"}))
    second = client.post(url, with_key({**SIGNAL_POST, "observation": "Tweede versie", "revision": "1",
                                        "action": "draft"}))
    assert first.status_code == 302
    assert second.status_code == 409
    assert "Tweede versie" in second.content.decode()
    draft.refresh_from_db()
    assert draft.content["observation"] == "Eerste versie"
    assert draft.revision == 2


def test_only_the_author_can_edit_a_draft(case, people, verified_client, add_entry):
    draft = add_entry(case, people[Role.LEERKRACHT], saved=False)
    response = verified_client(people[Role.IB]).get(reverse("cases:edit_draft", args=[case.reference, draft.pk]))
    assert response.status_code == 404


def test_drafts_of_others_are_not_shown(case, people, verified_client, add_entry):
    add_entry(case, people[Role.LEERKRACHT], saved=False, content={"observation": "Nog niet af"})
    page = verified_client(people[Role.IB]).get(reverse("cases:detail", args=[case.reference]))
    assert "Nog niet af" not in page.content.decode()


def test_the_case_page_query_count_does_not_grow_with_entries(case, people, verified_client, add_entry):
    client = verified_client(people[Role.IB])
    url = reverse("cases:detail", args=[case.reference])

    def count_queries():
        client.get(url)  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for _ in range(3):
        add_entry(case, people[Role.LEERKRACHT])
    few = count_queries()
    for _ in range(30):
        add_entry(case, people[Role.LEERKRACHT])
    assert count_queries() == few


def test_the_overview_query_count_does_not_grow_with_cases(make_case, pupil, people, verified_client, add_entry, school):
    client = verified_client(people[Role.IB])
    url = reverse("cases:overview", args=[school.slug])

    def count_queries():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for _ in range(2):
        add_entry(make_case(pupil), people[Role.IB])
    few = count_queries()
    for _ in range(15):
        add_entry(make_case(pupil), people[Role.IB])
    assert count_queries() == few


def test_a_closed_case_accepts_no_new_entries(case, people, verified_client, add_entry):
    add_entry(case, people[Role.IB], kind="closure", content={"explanation": "Vermoeden ongegrond: verklaard."},
              facts={"reason": "unfounded"})
    from cases.journal import close_case

    close_case(case, case.entries.get(kind="closure"))
    response = verified_client(people[Role.IB]).post(reverse("cases:new_entry", args=[case.reference, "signal"]),
                                                     with_key(SIGNAL_POST))
    assert response.status_code == 302
    assert case.entries.count() == 1
    case.refresh_from_db()
    assert case.retain_until is not None and case.retain_until > timezone.localdate()


def test_the_key_rotation_permit_allows_nothing_but_new_ciphertext(case, people, add_entry):
    from vault.models import RewritePermit

    entry = add_entry(case, people[Role.IB])
    with transaction.atomic():
        RewritePermit.objects.create()
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE cases_entry SET facts = %s WHERE id = %s", ['{"is_hypothesis": true}', entry.pk])
        RewritePermit.objects.all().delete()
    assert Entry.objects.get(pk=entry.pk).facts == {"is_hypothesis": False, "has_source": False}


def test_an_exemption_only_offers_and_accepts_the_grounds_the_law_allows():
    """An older stored meldcode may list more grounds; the form, like the engine, keeps to the legal ones."""
    from types import SimpleNamespace

    from cases.forms import ExemptionForm
    from protocol.definition import Ground

    grounds = (Ground("safety", "Veiligheid"), Ground("no_time", "Er was geen tijd"))
    definition = SimpleNamespace(exemption_grounds={"parent_conversation": grounds})
    form = ExemptionForm(definition=definition)
    assert [value for value, _label in form.fields["ground"].choices] == ["safety"]
    posted = ExemptionForm({"occurred_at": "2026-11-02T10:00", "applies_to": "parent_conversation",
                            "ground": "no_time", "explanation": "Druk."}, definition=definition)
    assert not posted.is_valid() and "ground" in posted.errors
