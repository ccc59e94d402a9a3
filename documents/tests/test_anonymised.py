"""The anonymised summary of the demo case names nobody and gives no date of birth."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from cases.models import Case
from documents.models import ExportJob
from documents.tests.conftest import flat, pdf_pages
from schools.models import Board, Guardian, Pupil, School

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(capsys):
    call_command("seed_demo")
    capsys.readouterr()
    return Case.objects.get(pupil__first_name="Sanne")


def forbidden_words(case):
    """Every name and date of birth of the people around the demo case, as they could appear in text."""
    words = set()
    for name in User.objects.values_list("full_name", flat=True):
        words |= {name, *name.split()}
    for pupil in Pupil.objects.filter(school=case.school):
        words |= {pupil.first_name, pupil.last_name, pupil.full_name}
        born = pupil.date_of_birth
        words |= {born.strftime("%d-%m-%Y"), f"{born.day}-{born.month}-{born.year}", born.isoformat(),
                  f"{born.day} september {born.year}" if born.month == 9 else born.isoformat(), str(born.year)}
    for guardian in Guardian.objects.filter(pupil__school=case.school):
        words |= {guardian.name, *guardian.name.split(), guardian.phone, guardian.email}
    for school in School.objects.all():
        words |= {school.name, "De Sprong", "Sprong", "Regenboog", school.address, school.phone}
    words |= set(Board.objects.values_list("name", flat=True))
    # Tussenvoegsels on their own are ordinary Dutch words.
    return {w for w in words if w and w.lower() not in {"de", "van", "el", "den"}}


def assert_anonymous(text, words):
    found = sorted(w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.IGNORECASE))
    assert not found, f"identifying details in the anonymised summary: {found}"


def test_the_anonymised_pdf_of_the_demo_case_contains_no_names_or_dates_of_birth(demo, exporting_client):
    ib = User.objects.get(email="ib.desprong@example.org")
    client = exporting_client(ib)
    response = client.post(reverse("documents:case_document", args=[demo.reference, "anoniem"]))
    job = ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))
    pages = pdf_pages(client.post(reverse("documents:download", args=[job.pk])).content)
    # The exporter's own name is on every page by design; the body must not contain anyone's name.
    body = flat("\n".join(page.replace(f"Geëxporteerd door {ib.full_name}", "") for page in pages))
    assert_anonymous(body, forbidden_words(demo))
    assert "het kind" in body.lower() and "moeder" in body.lower() and "de leerkracht" in body.lower()
    assert "dag 0" in body and "dag 8" in body
    assert "8 jaar" in body or "9 jaar" in body


def test_the_anonymised_preview_of_the_demo_case_contains_no_names_or_dates_of_birth(demo, exporting_client):
    from django.template.loader import render_to_string

    from documents.exports import anonymised_context

    html = render_to_string("documents/anonymised.html", {**anonymised_context(demo), "layout": "documents/pdf.html"})
    text = re.sub(r"<[^>]+>", " ", html)
    assert_anonymous(text, forbidden_words(demo))
