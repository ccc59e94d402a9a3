"""Journal numbers per case (issue 14): 1, 2, 3 without gaps in the order entries are saved, a draft takes none,
and the number on screen is the number in every document."""

import re
import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import Entry, record_entry
from core.testing import with_key


@pytest.fixture
def case(make_case, pupil, people):
    return make_case(pupil, team=[people[Role.LEERKRACHT]])


def test_saved_entries_are_numbered_without_gaps_and_a_draft_takes_no_number(case, people, add_entry):
    ib, teacher = people[Role.IB], people[Role.LEERKRACHT]
    first = add_entry(case, ib)
    draft = add_entry(case, teacher, saved=False)
    second = add_entry(case, ib, kind="note", content={"text": "Gebeld."}, facts={})
    abandoned = add_entry(case, teacher, saved=False)
    abandoned.delete()
    assert (first.seq, second.seq) == (1, 2)
    assert Entry.objects.get(pk=draft.pk).seq is None
    record_entry(Entry.objects.get(pk=draft.pk))
    assert Entry.objects.get(pk=draft.pk).seq == 3


def test_numbers_are_per_case(case, make_case, people, add_entry, school):
    from schools.models import Pupil

    other = make_case(Pupil.objects.create(school=school, first_name="Bram", last_name="Jansen",
                                           date_of_birth=timezone.localdate().replace(year=2016)))
    add_entry(case, people[Role.IB])
    assert add_entry(other, people[Role.IB]).seq == 1
    assert add_entry(case, people[Role.IB]).seq == 2


def test_the_database_refuses_a_second_entry_with_the_same_number(case, people, add_entry):
    add_entry(case, people[Role.IB])
    twin = add_entry(case, people[Role.IB], saved=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=twin.pk).update(seq=1)


def test_a_saved_number_never_changes(case, people, add_entry):
    entry = add_entry(case, people[Role.IB])
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(seq=7)
    assert Entry.objects.get(pk=entry.pk).seq == 1


def test_the_screen_and_the_dossier_pdf_show_the_same_numbers(case, people, add_entry, verified_client):
    """The issue: #1-#6 and then #14 on screen, 1-12 in the PDF. Now one number, from the entry itself."""
    from documents.dossier import doc_entries

    ib = people[Role.IB]
    client = verified_client(ib)
    add_entry(case, ib)
    add_entry(case, people[Role.LEERKRACHT], saved=False)  # someone's draft in between
    hypothesis = add_entry(case, ib, facts={"is_hypothesis": True, "has_source": False})
    # Backdated: saved third, happened first. Its number is still 3, on screen and in the PDF.
    add_entry(case, ib, kind="note", content={"text": "Eerder gebeld."}, facts={},
              when=timezone.now() - timezone.timedelta(days=3))
    client.post(reverse("cases:correct", args=[case.reference, hypothesis.pk]), with_key({
        "reason": "Bron toegevoegd.", "occurred_at": timezone.localtime(hypothesis.occurred_at).strftime(
            "%Y-%m-%dT%H:%M"), "place": "Klas", "situation": "Pauze", "observation": "Blauwe plek.",
        "is_hypothesis": "1", "direction": "unclear", "source": "Moeder"}))
    html = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    on_screen = sorted(int(n) for n in re.findall(r'class="entry-number">#(\d+)<', html))
    in_pdf = []
    for doc in doc_entries(case):
        in_pdf.append(doc.number)
        in_pdf.extend(c.number for c in doc.corrections)
    assert on_screen == sorted(in_pdf) == [1, 2, 3, 4]
    assert "Correctie van regel #2." in html


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="saves at the same moment need PostgreSQL's own connections")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_entries_saved_at_the_same_moment_never_share_a_number(case, people, add_entry):
    drafts = [add_entry(case, people[Role.IB], saved=False).pk for _n in range(8)]
    start = threading.Barrier(len(drafts), timeout=20)
    errors = []

    def save(pk):
        try:
            entry = Entry.objects.get(pk=pk)
            start.wait()
            record_entry(entry)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(pk,)) for pk in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Entry.objects.filter(case=case).values_list("seq", flat=True)) == list(range(1, 9))
