import pytest
from django.utils import timezone

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
    def make(pupil, *, route="regular", team=(), subject_staff=None, coordinator=None, school=None):
        case = Case.objects.create(
            school=school or pupil.school, pupil=pupil, meldcode_version=adopted, route=route,
            opened_by=people[Role.IB], coordinator=coordinator if coordinator is not None else people[Role.IB],
            subject_staff=subject_staff)
        for user in team:
            CaseMember.objects.create(case=case, user=user)
        return case

    return make


@pytest.fixture
def add_entry():
    def add(case, author, kind="signal", content=None, facts=None, saved=True, when=None):
        entry = Entry.objects.create(case=case, kind=kind, author=author, occurred_at=when or timezone.now(),
                                     content=content or {"observation": "Een blauwe plek op de arm."},
                                     facts=facts if facts is not None else {"is_hypothesis": False, "has_source": False})
        if saved:
            record_entry(entry)
        return entry

    return add
