"""A parent's or pupil's own statement (zienswijze) travels in every document that holds the entries it is about."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.testing import with_key
from documents.models import ExportJob
from documents.tests.conftest import flat, pdf_pages

pytestmark = pytest.mark.django_db

STATEMENT = "Sanne viel van haar fiets; dat hebben wij de juf meteen verteld."


@pytest.fixture
def case(make_case, pupil, people, add_entry, verified_client):
    """A signal the parent disagrees with, a second one she does not comment on, and her statement about the first,
    recorded through the form by the IB."""
    teacher, ib = people[Role.LEERKRACHT], people[Role.IB]
    case = make_case(pupil, team=[teacher])
    start = timezone.now() - timedelta(days=5)
    disputed = add_entry(case, teacher, content={"place": "Klas", "observation": "Blauwe plek op de linkerarm."},
                         when=start)
    other = add_entry(case, teacher, content={"place": "Plein", "observation": "Sanne speelde alleen."},
                      when=start + timedelta(days=1))
    response = verified_client(ib).post(reverse("cases:new_entry", args=[case.reference, "statement"]), with_key({
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "by_whom": "parent",
        "name": "Marieke de Vries, moeder", "received_on": timezone.localdate().isoformat(),
        "concerns": [str(disputed.pk)], "text": STATEMENT, "action": "save"}))
    assert response.status_code == 302
    return case, disputed, other


def _job(response):
    assert response.status_code == 302, response.status_code
    return ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))


def _text(client, job):
    response = client.post(reverse("documents:download", args=[job.pk]))
    assert response.status_code == 200
    return flat("\n".join(pdf_pages(response.content)))


def _with_entry(text, observation):
    """The text from an entry's observation to the next entry number: what is printed with that entry."""
    start = text.index(observation)
    return text[start:start + 400]


def test_the_statement_goes_along_with_its_entry_in_the_complete_dossier(case, people, exporting_client):
    case, disputed, other = case
    client = exporting_client(people[Role.IB])
    text = _text(client, _job(client.post(reverse("documents:case_document", args=[case.reference, "dossier"]))))
    assert "Zienswijze bij dit onderdeel" in _with_entry(text, "Blauwe plek op de linkerarm.")
    assert STATEMENT in _with_entry(text, "Blauwe plek op de linkerarm.")
    assert "Klachten, zienswijzen en overdracht" in text


def test_the_statement_goes_along_in_the_veilig_thuis_summary(case, people, exporting_client):
    case, disputed, other = case
    client = exporting_client(people[Role.IB])
    text = _text(client, _job(client.post(reverse("documents:case_document",
                                                  args=[case.reference, "veilig-thuis"]))))
    assert STATEMENT in _with_entry(text, "Blauwe plek op de linkerarm.")
    assert "Ouder: Marieke de Vries, moeder" in text


def test_the_statement_goes_along_in_the_parents_inspection_copy(case, people, exporting_client):
    case, disputed, other = case
    client = exporting_client(people[Role.IB])
    text = _text(client, _job(client.post(reverse("documents:inspection", args=[case.reference]),
                                          {"for_whom": "Marieke de Vries, moeder"})))
    assert STATEMENT in _with_entry(text, "Blauwe plek op de linkerarm.")


def test_a_withheld_entry_takes_no_statement_along_but_the_statement_keeps_its_own_place(
        case, people, exporting_client):
    case, disputed, other = case
    client = exporting_client(people[Role.IB])
    text = _text(client, _job(client.post(reverse("documents:inspection", args=[case.reference]), {
        "for_whom": "Marieke de Vries, moeder", f"withhold_{disputed.pk}": "on",
        f"ground_{disputed.pk}": "third_party", f"reason_{disputed.pk}": "Bescherming van een ander."})))
    assert "linkerarm" not in text
    assert "Zienswijze bij dit onderdeel" not in text
    assert text.count(STATEMENT) == 1  # in the statement's own entry only


def test_the_anonymised_summary_carries_the_statement_without_the_parents_name(case, people, exporting_client):
    case, disputed, other = case
    client = exporting_client(people[Role.IB])
    text = _text(client, _job(client.post(reverse("documents:case_document", args=[case.reference, "anoniem"]))))
    assert "Zienswijze bij dit onderdeel" in text
    assert "Marieke" not in text


def test_an_entry_the_statement_is_not_about_carries_none(case, people, exporting_client):
    case, disputed, other = case
    client = exporting_client(people[Role.IB])
    text = _text(client, _job(client.post(reverse("documents:case_document", args=[case.reference, "dossier"]))))
    assert "Zienswijze bij dit onderdeel" not in _with_entry(text, "Sanne speelde alleen.")[:120]


def test_the_statement_goes_along_in_the_answer_to_an_information_request(case, people, exporting_client):
    from inquiries.models import InformationRequest

    case, disputed, other = case
    inquiry = InformationRequest.objects.create(
        case=case, recorded_by=people[Role.IB], requester_kind="raad", requester="Raad Noord",
        legal_basis="bw_1_240", asked="Hoe gaat het op school?", received_on=timezone.localdate(),
        parents_told="before", parents_told_on=timezone.localdate())
    client = exporting_client(people[Role.IB])
    response = client.post(reverse("inquiries:answer", args=[case.reference, inquiry.pk]), {
        "given": "De samenvatting gestuurd.", "answered_on": timezone.localdate().isoformat(),
        # Nothing goes along unless chosen: here every entry, the statement itself too.
        **{f"give_{pk}": "on" for pk in case.saved_entries().values_list("pk", flat=True)}})
    assert response.status_code == 302
    job = ExportJob.objects.get(kind="information")
    assert STATEMENT in _with_entry(_text(client, job), "Blauwe plek op de linkerarm.")
