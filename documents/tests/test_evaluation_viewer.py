"""The evaluation counts what its viewer may know of: never the staff case about the viewer.

The staff member concerned never sees the case (cases.access: they "may not learn it exists"). An evaluation that
counted it would tell them exactly that, beside their own list of dossiers and their home page, which leave it out.
So for them it is left out; its shape does not change (the staff route's row is there, at 0; no notice); a
colleague in the same role counts it.
"""

import re
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from documents.models import ExportJob
from documents.tests.conftest import flat, pdf_pages
from schools.models import Pupil

pytestmark = pytest.mark.django_db
YEAR = 2024


def at(day):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))


@pytest.fixture
def accused_and_colleague(school, make_case, make_user, people, add_entry):
    """Two directie members of the same school with names of the same length; a staff case about the first."""
    accused = make_user(Role.DIRECTIE, school, name="Directielid Aaa")
    colleague = make_user(Role.DIRECTIE, school, name="Directielid Bbb")
    for role in (Role.BESTUUR,):  # both also sit on the board, to compare the board level too
        Membership.objects.create(user=accused, school=school, role=role)
        Membership.objects.create(user=colleague, school=school, role=role)
    for i, route in enumerate(("regular", "regular", "acute", "staff")):
        pupil = Pupil.objects.create(school=school, first_name=f"Kind{i}", last_name="Test",
                                     date_of_birth=date(2016, 1, 1))
        case = make_case(pupil, route=route, opened_at=at(date(2024, 10, 1 + i)),
                         subject_staff=accused if route == "staff" else None)
        add_entry(case, people[Role.IB], when=at(date(2024, 10, 1 + i)))
    return accused, colleague


def neutral(text: str, user) -> str:
    """The text with what is expected to differ per viewer taken out: their name, the time, session tokens."""
    name = re.escape(user.full_name)
    text = re.sub(rf'<span class="(who|who-menu)">{name}</span>', "VIEWER", text)
    text = re.sub(rf"Geëxporteerd door {name} op \d{{2}}-\d{{2}}-\d{{4}} \d{{2}}:\d{{2}}", "EXPORTED", text)
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1TOKEN", text)


def page(client, scope, slug):
    response = client.get(reverse("documents:evaluation", args=[scope, slug]) + f"?jaar={YEAR}")
    assert response.status_code == 200
    return response.content.decode()


def csv_text(client, scope, slug, year=YEAR):
    response = client.post(reverse("documents:evaluation_csv", args=[scope, slug]), {"jaar": year})
    assert response.status_code == 200
    return response.content.decode("utf-8-sig")


def pdf_text(client, scope, slug):
    response = client.post(reverse("documents:evaluation_pdf", args=[scope, slug]), {"jaar": YEAR})
    job = ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))
    assert job.status == ExportJob.Status.DONE
    return flat("\n".join(pdf_pages(client.post(reverse("documents:download", args=[job.pk])).content)))


@pytest.mark.parametrize("scope", ["school", "bestuur"])
def test_the_staff_member_concerned_does_not_find_the_case_about_them_in_the_evaluation(
        school, board, accused_and_colleague, exporting_client, scope):
    slug = school.slug if scope == "school" else board.slug
    seen = {}
    for user in accused_and_colleague:
        client = exporting_client(user)
        seen[user.pk] = [neutral(render(client, scope, slug), user) for render in (page, csv_text, pdf_text)]
    accused, colleague = accused_and_colleague
    staff_row = {"school": "Medewerker als vermoedelijke pleger;{}", "bestuur": "Medewerker als vermoedelijke pleger;{}"}
    # The colleague counts it (board level hides counts under five).
    assert staff_row[scope].format(1 if scope == "school" else "< 5") in seen[colleague.pk][1]
    # The person it is about does not, in the page, the CSV and the PDF; the row itself is there, as for anyone who
    # may know of staff cases.
    assert staff_row[scope].format(0) in seen[accused.pk][1]
    for what, text in zip(("page", "csv", "pdf"), seen[accused.pk], strict=True):
        assert "Medewerker als vermoedelijke pleger" in text, f"the {what} lost the staff route's row"


def test_the_evaluation_and_the_home_page_agree_for_the_staff_member_concerned(
        school, accused_and_colleague, exporting_client, verified_client):
    # Opened in the school year of the test run, so the home page's year counts them too.
    accused, _colleague = accused_and_colleague
    from cases.models import Case

    Case.objects.filter(school=school).update(opened_at=timezone.now())
    year = timezone.localdate().year if timezone.localdate().month >= 8 else timezone.localdate().year - 1
    figures = csv_text(exporting_client(accused), "school", school.slug, year=year)
    home = verified_client(accused).get(reverse("core:home")).content.decode()
    assert "<dt>Geopend</dt><dd>3</dd>" in home
    assert "Dossiers geopend in dit schooljaar;3" in figures


def test_whether_staff_cases_count_depends_on_the_role_alone(school, accused_and_colleague, people):
    from documents.evaluation import staff_route_visible

    accused, colleague = accused_and_colleague
    assert staff_route_visible(accused, [school]) == staff_route_visible(colleague, [school]) is True
    # The teacher is the subject of no case; the IB of none either: both do not count staff cases, by role.
    assert not staff_route_visible(people[Role.IB], [school])
    assert not staff_route_visible(people[Role.PRIVACY], [school])
