"""Screen previews follow the content security policy, and a failing export says so without content."""

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from documents.models import ExportJob, ExportKind
from documents.tasks import build_export

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.IB]])
    add_entry(case, people[Role.IB], content={"observation": "Sanne had een blauwe plek."})
    return case


def test_previews_have_no_inline_styles_or_scripts(case, school, people, exporting_client):
    client = exporting_client(people[Role.IB])
    urls = [reverse("documents:case_document", args=[case.reference, slug]) for slug in ("dossier", "veilig-thuis",
                                                                                          "anoniem")]
    urls += [reverse("documents:inspection", args=[case.reference]),
             reverse("documents:evaluation", args=["school", school.slug]),
             reverse("documents:training", args=[school.slug])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "style=" not in html and "<style" not in html, url
        assert not INLINE_SCRIPT.search(html), url  # scripts only as files from our own origin


def test_the_case_page_links_to_the_documents_for_those_who_may_export(case, people, verified_client):
    html = verified_client(people[Role.IB]).get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert reverse("documents:case_document", args=[case.reference, "anoniem"]) in html
    assert reverse("documents:inspection", args=[case.reference]) in html


def test_a_failing_export_is_recorded_with_a_generic_message(case, people, caplog):
    # An inspection job without its review cannot be made.
    job = ExportJob.objects.create(kind=ExportKind.INSPECTION, case=case, school=case.school,
                                   requested_by=people[Role.IB])
    build_export.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.result is None
    assert "mislukt" in job.error and "blauwe plek" not in job.error
    assert "blauwe plek" not in caplog.text
