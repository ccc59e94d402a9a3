"""Input that used to end in a 500: control characters anywhere in a request, and dates in year 1 or 9999."""

import datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.dates import plausible_year
from core.testing import with_key

pytestmark = pytest.mark.django_db
REFUSED = "Dit verzoek bevat tekens die de app niet aanneemt"
YEAR_MESSAGE = "Vul een datum in tussen 1900 en 2100."


@pytest.fixture
def ib(school, people, verified_client):
    return verified_client(people[Role.IB])


def assert_refused(response):
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert response["Content-Security-Policy"]  # the page is an ordinary page of the app, with its headers


def test_a_nul_byte_in_the_path_is_refused_with_a_dutch_page(school, ib):
    assert_refused(ib.get(f"/dossiers/{school.slug}%00/"))
    assert_refused(ib.get("/dossiers/d/AB%00CD/"))


def test_a_nul_byte_in_the_query_string_is_refused(school, ib):
    assert_refused(ib.get(reverse("cases:overview", args=[school.slug]) + "?status=open%00"))
    assert_refused(ib.get(reverse("cases:overview", args=[school.slug]) + "?st%00atus=open"))


def test_a_nul_byte_in_a_search_is_refused(school, ib):
    assert_refused(ib.post(reverse("cases:search", args=[school.slug]), {"q": "Sanne\x00"}))


def test_other_control_characters_are_refused_too(school, ib):
    for character in ("\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"):
        assert_refused(ib.post(reverse("cases:search", args=[school.slug]), {"q": f"a{character}b"}))


def test_tabs_and_line_ends_in_a_field_are_ordinary_text(school, ib):
    response = ib.post(reverse("cases:search", args=[school.slug]), {"q": "a\tb\r\nc"})
    assert response.status_code == 200


def test_the_sign_in_form_refuses_a_nul_byte_before_it_looks_up_the_account(client):
    assert_refused(client.post(reverse("accounts:login"), {"username": "a\x00@example.org", "password": "x"}))


# --- dates ------------------------------------------------------------------------------------------------------

class AnyForm(forms.Form):
    day = forms.DateField()
    moment = forms.DateTimeField()


@pytest.mark.parametrize(("day", "moment"), [("0001-01-01", "0001-01-01T00:00"), ("9999-12-31", "9999-12-31T23:59"),
                                             ("1899-12-31", "1899-12-31T23:59"), ("2101-01-01", "2101-01-01T00:00")])
def test_every_date_field_refuses_years_outside_1900_to_2100(day, moment):
    form = AnyForm({"day": day, "moment": moment})
    assert not form.is_valid()
    assert form.errors == {"day": [YEAR_MESSAGE], "moment": [YEAR_MESSAGE]}


def test_the_years_1900_and_2100_themselves_are_fine():
    assert AnyForm({"day": "1900-01-01", "moment": "2100-12-31T23:59"}).is_valid()
    plausible_year(datetime.date(2100, 12, 31))


def test_model_forms_get_the_rule_too(school, people):
    from documents.forms import TrainingForm

    form = TrainingForm({"user": people[Role.IB].pk, "course": "Meldcode", "date": "0001-01-01",
                         "valid_until": "9999-12-31"}, school=school)
    assert not form.is_valid()
    assert form.errors["date"] == [YEAR_MESSAGE] and form.errors["valid_until"] == [YEAR_MESSAGE]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_an_entry_dated_in_year_1_or_9999_is_refused_not_a_500(school, pupil, people, verified_client, moment):
    from cases.models import Case, CaseMember
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions

    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="landelijk-2019")
    adopt(school, version, people[Role.DIRECTIE])
    case = Case.objects.create(school=school, pupil=pupil, meldcode_version=version, opened_by=people[Role.IB],
                               coordinator=people[Role.IB], opened_at=timezone.now())
    CaseMember.objects.create(case=case, user=people[Role.IB])
    response = verified_client(people[Role.IB]).post(
        reverse("cases:new_entry", args=[case.reference, "signal"]),
        with_key({"occurred_at": moment, "place": "Klas", "situation": "Pauze", "observation": "Blauwe plek",
                  "is_hypothesis": "0"}))
    assert response.status_code == 400
    assert YEAR_MESSAGE in response.content.decode()
    assert not case.entries.exists()


def test_the_audit_date_filter_refuses_year_1(school, people, verified_client):
    response = verified_client(people[Role.PRIVACY]).get(
        reverse("audit:search", args=[school.slug]), {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert response.status_code in (200, 400)
    assert YEAR_MESSAGE in response.content.decode()
