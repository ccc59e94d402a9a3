"""Fixtures for document tests: copies of the dossier fixtures (cases/tests/conftest.py), a browser that
has just re-authenticated, and reading a PDF's text per page."""

import io
import time

import pytest
from django.utils import timezone

from accounts.reauth import SESSION_KEY
from accounts.roles import Role
from cases.models import Case, CaseMember, Entry, record_entry


@pytest.fixture
def adopted(school, other_school, people):
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions

    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="landelijk-2019")
    adopt(school, version, people[Role.DIRECTIE])
    adopt(other_school, version, None)
    return version


@pytest.fixture
def make_case(adopted, people):
    def make(pupil, *, route="regular", team=(), subject_staff=None, coordinator=None, school=None, opened_at=None):
        case = Case.objects.create(
            school=school or pupil.school, pupil=pupil, meldcode_version=adopted, route=route,
            opened_by=people[Role.IB], coordinator=coordinator if coordinator is not None else people[Role.IB],
            subject_staff=subject_staff, opened_at=opened_at or timezone.now())
        for user in team:
            CaseMember.objects.create(case=case, user=user)
        return case

    return make


@pytest.fixture
def add_entry():
    def add(case, author, kind="signal", content=None, facts=None, saved=True, when=None, corrects=None):
        entry = Entry.objects.create(case=case, kind=kind, author=author, occurred_at=when or timezone.now(),
                                     content=content or {"observation": "Een blauwe plek op de arm."},
                                     facts=facts if facts is not None else {"is_hypothesis": False, "has_source": False},
                                     corrects=corrects)
        if saved:
            record_entry(entry)
        return entry

    return add


@pytest.fixture
def exporting_client(verified_client):
    """A signed-in browser whose user re-authenticated a moment ago, as exports require."""

    def make(user):
        client = verified_client(user)
        session = client.session
        session[SESSION_KEY] = time.time()
        session.save()
        return client

    return make


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdf_metadata(data: bytes) -> str:
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data)).trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def flat(text: str) -> str:
    """PDF text with line breaks undone, for phrases that may wrap."""
    return " ".join(text.split())
