"""Veilig Thuis' national number is always on the emergency sheet, and numbers of organisations that no longer
exist (the AMK, the Steunpunt Huiselijk Geweld: Veilig Thuis since 2015) never reach it by default."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from socialmap.models import Organisation, PhoneNumber
from socialmap.parser import default_on_emergency_sheet, is_defunct
from socialmap.tests.helpers import GENERIC_TEMPLATE, seed_text

pytestmark = pytest.mark.django_db


def sheet(client, school):
    return client.get(reverse("socialmap:emergency", args=[school.slug])).content.decode()


def test_the_national_number_is_on_the_sheet_even_when_an_old_amk_entry_is(school, people, verified_client):
    amk = Organisation.objects.create(school=school, name="Advies- en Meldpunt Kindermishandeling",
                                      kind="veilig_thuis", on_emergency_sheet=True)
    PhoneNumber.objects.create(organisation=amk, number="0900-1231230")
    page = sheet(verified_client(people[Role.LEERKRACHT]), school)
    assert "0800-2000" in page.split('id="sheet-numbers-title"')[1]


def test_a_regional_veilig_thuis_without_a_number_does_not_hide_the_national_one(school, people, verified_client):
    Organisation.objects.create(school=school, name="Veilig Thuis Drenthe", kind="veilig_thuis",
                                on_emergency_sheet=True)
    page = sheet(verified_client(people[Role.LEERKRACHT]), school)
    assert "nummer nog invullen" in page and "0800-2000" in page.split('id="sheet-numbers-title"')[1]


def test_the_national_number_is_listed_once_when_the_school_has_it(school, people, verified_client):
    vt = Organisation.objects.create(school=school, name="Veilig Thuis", kind="veilig_thuis", on_emergency_sheet=True)
    PhoneNumber.objects.create(organisation=vt, number="0800 - 2000")
    numbers = sheet(verified_client(people[Role.LEERKRACHT]), school).split('id="sheet-numbers-title"')[1]
    numbers = numbers.split("</table>")[0]
    assert numbers.count('href="tel:08002000"') == 1
    assert numbers.count(">0800") == 1


@pytest.mark.parametrize(("name", "defunct"), [
    ("Advies- en Meldpunt Kindermishandeling", True), ("AMK Limburg", True),
    ("Steunpunt Huiselijk Geweld Zuid-Limburg", True), ("Veilig Thuis Drenthe", False),
    ("Veilig Thuis (voorheen AMK en SHG)", False)])
def test_old_organisations_are_recognised_and_stay_off_the_sheet(name, defunct):
    assert is_defunct(name) is defunct and not is_defunct("GGD Drenthe")
    assert default_on_emergency_sheet("veilig_thuis", name, [("0900-1231230", "")]) is (not defunct)


def test_the_import_preview_warns_about_an_organisation_that_no_longer_exists(school, people, verified_client):
    client = verified_client(people[Role.IB])
    response = client.post(reverse("socialmap:import", args=[school.slug]), {
        "action": "preview", "document": SimpleUploadedFile("meldcode.txt", seed_text(GENERIC_TEMPLATE).encode())}, follow=True)
    assert response.status_code == 200
    assert "Deze organisatie bestaat niet meer: sinds 2015 is dit Veilig Thuis" in response.content.decode()
