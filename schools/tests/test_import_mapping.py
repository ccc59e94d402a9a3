"""Importing what schools really export: EDEX from ParnasSys/ESIS, Excel files, and any CSV through the
column-mapping screen, ending in the same preview, per-row errors and all-or-nothing save."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Membership, User
from accounts.roles import Role
from schools import mapping
from schools.models import Pupil

pytestmark = pytest.mark.django_db

EDEX = """<?xml version="1.0" encoding="UTF-8"?>
<EDEX>
  <school><schooljaar>2026-2027</schooljaar><brincode>99XX</brincode></school>
  <groepen>
    <groep key="G5"><naam>Groep 5 De Beren</naam><jaargroep>5</jaargroep></groep>
  </groepen>
  <leerlingen>
    <leerling key="4711">
      <achternaam>Vries</achternaam><voorvoegsel>de</voorvoegsel><roepnaam>Sanne</roepnaam>
      <voornamen>Sanne Maria</voornamen><geboortedatum>2017-03-14</geboortedatum><geslacht>2</geslacht>
      <groep key="G5"/>
    </leerling>
    <leerling key="4712">
      <achternaam>Jansen</achternaam><roepnaam>Daan</roepnaam><geboortedatum>2016-11-02</geboortedatum>
      <jaargroep>6</jaargroep>
    </leerling>
  </leerlingen>
  <leerkrachten>
    <leerkracht key="T1"><achternaam>Bakker</achternaam><roepnaam>Ingrid</roepnaam>
      <emailadres>I.Bakker@school.nl</emailadres><groepen><groep key="G5"/></groepen></leerkracht>
  </leerkrachten>
</EDEX>
"""


def upload(client, url, data: bytes, name):
    return client.post(url, {"action": "preview", "file": SimpleUploadedFile(name, data)})


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def ib_client(people, verified_client):
    return verified_client(people[Role.IB])


@pytest.fixture
def pupils_url(school):
    return reverse("schools:import_pupils", args=[school.slug])


def test_an_edex_export_goes_straight_to_the_preview_and_saves(ib_client, pupils_url, school):
    preview = upload(ib_client, pupils_url, EDEX.encode(), "EDEX.XML")
    assert preview.status_code == 200
    assert "Sanne de Vries" in preview.text and "Groep 5 De Beren" in preview.text
    ib_client.post(pupils_url, {"action": "confirm"})
    sanne = Pupil.objects.get(school=school, student_number="4711")
    assert (sanne.first_name, sanne.last_name, sanne.date_of_birth) == ("Sanne", "de Vries", datetime.date(2017, 3, 14))
    assert sanne.group == "Groep 5 De Beren"
    assert Pupil.objects.get(student_number="4712").group == "6"


def test_an_excel_file_with_edex_columns_is_recognised_and_mapped(ib_client, pupils_url, school):
    data = xlsx([["key", "roepnaam", "voorvoegsel", "achternaam", "geboortedatum", "jaargroep", "geslacht"],
                 [4711, "Sanne", "de", "Vries", datetime.datetime(2017, 3, 14), 5, 2]])
    screen = upload(ib_client, pupils_url, data, "leerlingen.xlsx")
    assert screen.status_code == 200
    assert "Herkend als" in screen.text and "ParnasSys" in screen.text
    assert not Pupil.objects.exists()
    form = {"action": "map", "map_leerlingnummer": "0", "map_voornaam": "1", "map_tussenvoegsel": "2",
            "map_achternaam": "3", "map_geboortedatum": "4", "map_groep": "5"}
    preview = ib_client.post(pupils_url, form)
    assert preview.status_code == 200 and "Bevestigen en opslaan" in preview.text
    ib_client.post(pupils_url, {"action": "confirm"})
    assert Pupil.objects.get(student_number="4711").last_name == "de Vries"


def test_the_mapping_screen_guesses_other_column_names():
    chosen, preset = mapping.suggest("pupils", ["Stamnr", "Roepnaam", "Tussenvoegsel", "Achternaam",
                                                "Geb. datum", "Klas", "BSN"])
    assert preset is None
    assert chosen == {"leerlingnummer": 0, "voornaam": 1, "tussenvoegsel": 2, "achternaam": 3, "geboortedatum": 4,
                      "groep": 5}


def test_any_csv_is_mapped_and_its_row_errors_keep_the_files_row_numbers(ib_client, pupils_url):
    data = (b"Stamnr;Roepnaam;Achternaam;Geb. datum;Klas\n"
            b"1;Sanne;de Vries;14-03-2017;5\n"
            b"2;Daan;Jansen;31-02-2016;6\n")
    screen = upload(ib_client, pupils_url, data, "export.csv")
    assert 'value="map"' in screen.text
    form = {"action": "map", "map_leerlingnummer": "0", "map_voornaam": "1", "map_achternaam": "2",
            "map_geboortedatum": "3", "map_groep": "4"}
    preview = ib_client.post(pupils_url, form)
    assert preview.status_code == 400
    assert "Rij 3: geboortedatum &#x27;31-02-2016&#x27; is geen geldige datum." in preview.text
    assert ib_client.post(pupils_url, {"action": "confirm"}).status_code == 302
    assert not Pupil.objects.exists()


def test_a_mapping_without_a_required_field_is_refused_in_dutch(ib_client, pupils_url):
    upload(ib_client, pupils_url, b"Stamnr;Roepnaam;Achternaam\n1;Sanne;Vries\n", "export.csv")
    response = ib_client.post(pupils_url, {"action": "map", "map_leerlingnummer": "0", "map_voornaam": "1",
                                           "map_achternaam": "2", "map_geboortedatum": ""})
    assert response.status_code == 400
    assert "Kies de kolom met: Geboortedatum" in response.text
    assert not Pupil.objects.exists()


def test_a_mapping_without_an_uploaded_file_sends_back_to_the_upload(ib_client, pupils_url):
    response = ib_client.post(pupils_url, {"action": "map", "map_leerlingnummer": "0"})
    assert response.status_code == 302


def test_staff_from_edex_become_teachers(school, people, verified_client):
    client = verified_client(people[Role.BEHEER])
    url = reverse("schools:import_staff", args=[school.slug])
    preview = upload(client, url, EDEX.encode(), "EDEX.XML")
    assert preview.status_code == 200 and "Ingrid Bakker" in preview.text
    client.post(url, {"action": "confirm"})
    ingrid = User.objects.get(email="i.bakker@school.nl")
    assert Membership.objects.filter(user=ingrid, school=school, role=Role.LEERKRACHT).exists()


def test_staff_from_a_spreadsheet_get_the_chosen_role(school, people, verified_client):
    client = verified_client(people[Role.BEHEER])
    url = reverse("schools:import_staff", args=[school.slug])
    data = xlsx([["Voornaam", "Achternaam", "E-mailadres"], ["Bert", "de Boer", "b.deboer@school.nl"]])
    screen = upload(client, url, data, "team.xlsx")
    assert 'value="map"' in screen.text
    preview = client.post(url, {"action": "map", "map_voornaam": "0", "map_achternaam": "1", "map_email": "2",
                                "default_role": "leerkracht"})
    assert preview.status_code == 200 and "Bert de Boer" in preview.text
    client.post(url, {"action": "confirm"})
    assert User.objects.get(email="b.deboer@school.nl").full_name == "Bert de Boer"


def test_an_xml_file_with_a_doctype_is_not_read(ib_client, pupils_url):
    bomb = b'<?xml version="1.0"?><!DOCTYPE EDEX [<!ENTITY a "aaaa">]><EDEX><leerlingen/></EDEX>'
    response = upload(ib_client, pupils_url, bomb, "EDEX.XML")
    assert response.status_code == 400 and "DOCTYPE" in response.text


def test_a_file_pretending_to_be_excel_gets_a_dutch_answer(ib_client, pupils_url):
    response = upload(ib_client, pupils_url, b"PK\x03\x04 not really a zip", "leerlingen.xlsx")
    assert response.status_code == 400 and "Excel" in response.text


def test_an_excel_file_that_unpacks_too_large_is_refused(ib_client, pupils_url, monkeypatch):
    monkeypatch.setattr(mapping, "MAX_XLSX_UNPACKED_BYTES", 1000)
    response = upload(ib_client, pupils_url, xlsx([["a"], ["b"]]), "leerlingen.xlsx")
    assert response.status_code == 400 and "uitgepakt te groot" in response.text


def test_an_excel_file_with_too_many_rows_is_refused(ib_client, pupils_url, monkeypatch):
    monkeypatch.setattr(mapping, "MAX_ROWS", 3)
    response = upload(ib_client, pupils_url, xlsx([["leerlingnummer"], [1], [2], [3], [4], [5]]), "l.xlsx")
    assert response.status_code == 400 and "meer dan 3 rijen" in response.text


def test_an_excel_file_in_the_own_layout_needs_no_mapping(ib_client, pupils_url):
    data = xlsx([["leerlingnummer", "voornaam", "achternaam", "geboortedatum", "groep"],
                 ["1001", "Sanne", "de Vries", datetime.datetime(2017, 3, 14), "5"]])
    preview = upload(ib_client, pupils_url, data, "leerlingen.xlsx")
    assert preview.status_code == 200 and "Bevestigen en opslaan" in preview.text


def test_a_teacher_cannot_reach_the_mapping(school, people, verified_client, pupils_url):
    client = verified_client(people[Role.LEERKRACHT])
    assert client.post(pupils_url, {"action": "map"}).status_code == 404
