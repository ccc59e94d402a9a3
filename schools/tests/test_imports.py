import datetime

import pytest

from accounts.models import Membership, User
from schools.imports import (
    ImportRejected,
    parse_date,
    parse_pupils_csv,
    parse_role,
    parse_staff_csv,
    save_pupils,
    save_staff,
)
from schools.models import Guardian, Pupil

PUPIL_HEADER = ("leerlingnummer;voornaam;achternaam;geboortedatum;groep;ouder1_naam;ouder1_relatie;ouder1_gezag;"
                "ouder1_telefoon;ouder1_email;ouder2_naam;ouder2_relatie;ouder2_gezag;ouder2_telefoon;ouder2_email")
GOOD_PUPILS = "\n".join([
    PUPIL_HEADER,
    "1001;Sanne;de Vries;14-03-2017;5;Petra de Vries;moeder;ja;0612345678;petra@example.org;;;;;",
    "1002;Daan;Jansen;2016-11-02;6;Kees Jansen;vader;ja;;;Ans Bakker;moeder;nee;0687654321;",
]) + "\n"


def pupils_file(*rows, header=PUPIL_HEADER):
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_it_reads_dates_in_both_dutch_and_iso_order():
    assert parse_date("31-12-2016") == datetime.date(2016, 12, 31)
    assert parse_date("2016-12-31") == datetime.date(2016, 12, 31)
    assert parse_date("1-2-2017") == datetime.date(2017, 2, 1)
    assert parse_date("31-02-2015") is None
    assert parse_date("12/31/16") is None


def test_it_accepts_role_ids_and_dutch_labels():
    assert parse_role("ib") == "ib"
    assert parse_role("Intern begeleider") == "ib"
    assert parse_role("Functioneel beheerder") == "beheer"
    assert parse_role("  Leerkracht ") == "leerkracht"
    assert parse_role("conciërge") is None


def test_a_good_file_parses_into_pupils_with_their_guardians():
    parsed = parse_pupils_csv(GOOD_PUPILS.encode())
    assert parsed.is_valid, parsed.messages
    sanne, daan = parsed.rows
    assert sanne["date_of_birth"] == "2017-03-14"
    assert sanne["guardians"] == [{"name": "Petra de Vries", "relation": "moeder", "has_authority": True,
                                   "phone": "0612345678", "email": "petra@example.org"}]
    assert [g["has_authority"] for g in daan["guardians"]] == [True, False]


def test_the_spreadsheet_row_number_and_column_are_named_for_an_impossible_date():
    rows = [f"{1000 + n};Kind;Nummer {n};01-01-2016;4;;;;;" for n in range(5)]
    rows.append("1099;Lotte;Smit;31-02-2015;4;;;;;")
    parsed = parse_pupils_csv(pupils_file(*rows))
    assert not parsed.is_valid
    assert parsed.messages == ["Rij 7: geboortedatum '31-02-2015' is geen geldige datum."]


def test_it_names_every_bad_row_of_a_pupils_file():
    parsed = parse_pupils_csv(pupils_file(
        "1001;Sanne;de Vries;14-03-2017;5;;;;;",
        "1002;;Jansen;2016-11-02;6;;;;;",
        "1001;Tim;Visser;01-05-2016;6;;;;;",
        "1004;Eva;Mulder;01-05-2016;6;Jan Mulder;vader;misschien;;jan@",
        "1005;Noah;Bos;morgen;6;;;;;",
        ";Milan;Dekker;01-05-2016;6;;;;;",
    ))
    assert parsed.messages == [
        "Rij 3: voornaam ontbreekt.",
        "Rij 4: leerlingnummer '1001' staat ook al op rij 2.",
        "Rij 5: ouder1_gezag 'misschien' is geen ja of nee.",
        "Rij 5: ouder1_email 'jan@' is geen geldig e-mailadres.",
        "Rij 6: geboortedatum 'morgen' is geen geldige datum.",
        "Rij 7: leerlingnummer ontbreekt.",
    ]


def test_a_birth_date_in_the_future_is_refused():
    parsed = parse_pupils_csv(pupils_file("1001;Sanne;de Vries;14-03-2031;5"), today=datetime.date(2026, 1, 1))
    assert parsed.messages == ["Rij 2: geboortedatum '14-03-2031' ligt in de toekomst."]


def test_a_guardian_without_a_name_or_authority_is_reported():
    parsed = parse_pupils_csv(pupils_file(
        "1001;Sanne;de Vries;14-03-2017;5;;moeder;ja;0612345678;",
        "1002;Daan;Jansen;14-03-2017;5;Kees Jansen;vader;;;",
    ))
    assert parsed.messages == [
        "Rij 2: ouder1_naam ontbreekt, maar er staan wel andere gegevens van deze ouder.",
        "Rij 3: ouder1_gezag ontbreekt; vul ja of nee in.",
    ]


def test_a_comma_separated_excel_file_in_windows_encoding_with_a_bom_free_header_is_read():
    text = GOOD_PUPILS.replace(";", ",").replace("Sanne", "Zoë").replace("de Vries", "Çelik")
    parsed = parse_pupils_csv(text.encode("cp1252"))
    assert parsed.is_valid, parsed.messages
    assert (parsed.rows[0]["first_name"], parsed.rows[0]["last_name"]) == ("Zoë", "Çelik")


def test_a_utf8_file_with_byte_order_mark_and_capitalised_header_is_read():
    text = GOOD_PUPILS.replace("leerlingnummer;voornaam", "Leerlingnummer; Voornaam").replace("Sanne", "Zoë")
    parsed = parse_pupils_csv(("\ufeff" + text).encode("utf-8"))
    assert parsed.is_valid, parsed.messages
    assert parsed.rows[0]["first_name"] == "Zoë"


def test_a_file_without_the_expected_columns_is_refused_as_a_whole():
    parsed = parse_pupils_csv(b"naam|geboortedatum\nSanne|14-03-2017\n")
    assert not parsed.is_valid
    assert len(parsed.messages) == 1
    assert parsed.messages[0].startswith("De kopregel mist de kolom(men) leerlingnummer, voornaam, achternaam")


def test_a_row_with_more_cells_than_the_header_is_reported():
    parsed = parse_pupils_csv(b"leerlingnummer;voornaam;achternaam;geboortedatum\n1001;Sanne;de;Vries;14-03-2017\n")
    assert parsed.messages == ["Rij 2: deze rij heeft 5 kolommen, de kopregel 4. "
                               "Staat er een scheidingsteken in een waarde?"]


def test_blank_lines_are_skipped_but_still_counted_as_spreadsheet_rows():
    parsed = parse_pupils_csv(pupils_file("1001;Sanne;de Vries;14-03-2017;5", ";;;;", "1002;Daan;Jansen;2016-02-30;6"))
    assert parsed.messages == ["Rij 4: geboortedatum '2016-02-30' is geen geldige datum."]


def test_an_empty_file_cannot_be_saved():
    assert parse_pupils_csv(b"").messages == ["Het bestand is leeg."]
    assert parse_pupils_csv(PUPIL_HEADER.encode()).messages == ["Het bestand bevat geen rijen onder de kopregel."]


@pytest.mark.django_db
def test_saving_a_pupils_file_creates_pupils_and_guardians(school):
    summary = save_pupils(school, parse_pupils_csv(GOOD_PUPILS.encode()))
    assert summary.as_dict() == {"created": 2, "updated": 0}
    daan = Pupil.objects.get(school=school, student_number="1002")
    assert daan.date_of_birth == datetime.date(2016, 11, 2)
    assert [(g.name, g.has_authority) for g in daan.guardians.all()] == [("Kees Jansen", True), ("Ans Bakker", False)]


@pytest.mark.django_db
def test_reimporting_a_pupils_file_updates_instead_of_duplicating(school):
    save_pupils(school, parse_pupils_csv(GOOD_PUPILS.encode()))
    changed = GOOD_PUPILS.replace("14-03-2017;5;Petra de Vries;moeder;ja", "14-03-2017;6;Petra de Vries;moeder;nee")
    summary = save_pupils(school, parse_pupils_csv(changed.encode()))
    assert summary.as_dict() == {"created": 0, "updated": 2}
    assert Pupil.objects.filter(school=school).count() == 2
    sanne = Pupil.objects.get(school=school, student_number="1001")
    assert sanne.group == "6"
    assert [(g.name, g.has_authority) for g in sanne.guardians.all()] == [("Petra de Vries", False)]
    assert Guardian.objects.filter(pupil__school=school).count() == 3


@pytest.mark.django_db
def test_the_same_student_number_at_another_school_is_a_different_pupil(school, other_school):
    save_pupils(other_school, parse_pupils_csv(GOOD_PUPILS.encode()))
    summary = save_pupils(school, parse_pupils_csv(GOOD_PUPILS.encode()))
    assert summary.created == 2
    assert Pupil.objects.count() == 4


@pytest.mark.django_db
def test_a_file_with_one_bad_row_saves_nothing(school):
    parsed = parse_pupils_csv(pupils_file("1001;Sanne;de Vries;14-03-2017;5", "1002;Daan;Jansen;31-02-2015;6"))
    with pytest.raises(ImportRejected):
        save_pupils(school, parsed)
    assert not Pupil.objects.exists()


STAFF = ("naam;email;rol;functie\n"
         "Ingrid Bakker;I.Bakker@example.org;Intern begeleider;IB'er onderbouw\n"
         "Ingrid Bakker;i.bakker@example.org;leerkracht;\n"
         "Bert Beheer;bert@example.org;beheer;ICT-coördinator\n")


def test_staff_rows_are_read_with_roles_and_lowercased_addresses():
    parsed = parse_staff_csv(STAFF.encode())
    assert parsed.is_valid, parsed.messages
    assert [(row["email"], row["role"]) for row in parsed.rows] == [
        ("i.bakker@example.org", "ib"), ("i.bakker@example.org", "leerkracht"), ("bert@example.org", "beheer")]


def test_it_names_every_bad_row_of_a_staff_file():
    parsed = parse_staff_csv((
        "naam,email,rol,functie\n"
        "Ingrid Bakker,ingrid@example.org,conciërge,\n"
        ",leeg@example.org,ib,\n"
        "Piet Puk,piet@@example,leerkracht,\n"
        "Ingrid Bakker,INGRID@example.org,ib,\n"
        "Ingrid Bakker,ingrid@example.org,ib,\n"
        "Geen Rol,geenrol@example.org,,\n"
    ).encode("cp1252"))
    assert parsed.messages == [
        "Rij 2: rol 'conciërge' kennen we niet. Kies uit: leerkracht, ib, directie, bestuur, privacy, beheer, aandachtsfunctionaris, onderwijsassistent, stagiair, vrijwilliger.",
        "Rij 3: naam ontbreekt.",
        "Rij 4: email 'piet@@example' is geen geldig e-mailadres.",
        "Rij 6: ingrid@example.org staat met deze rol ook al op rij 5.",
        "Rij 7: rol ontbreekt.",
    ]


@pytest.mark.django_db
def test_new_staff_get_an_account_without_a_usable_password_and_their_roles(school):
    summary = save_staff(school, parse_staff_csv(STAFF.encode()))
    assert summary.as_dict() == {"created": 2, "updated": 0}
    ingrid = User.objects.get(email="i.bakker@example.org")
    assert not ingrid.has_usable_password()
    assert ingrid.job_title == "IB'er onderbouw"
    assert ingrid.roles_at(school) == {"ib", "leerkracht"}


@pytest.mark.django_db
def test_reimporting_staff_updates_by_email_and_only_adds_roles(school):
    save_staff(school, parse_staff_csv(STAFF.encode()))
    again = "naam;email;rol;functie\nIngrid Bakker-de Wit;i.bakker@example.org;directie;Directeur\n"
    summary = save_staff(school, parse_staff_csv(again.encode()))
    assert summary.as_dict() == {"created": 0, "updated": 1}
    ingrid = User.objects.get(email="i.bakker@example.org")
    assert ingrid.full_name == "Ingrid Bakker-de Wit"
    assert ingrid.roles_at(school) == {"ib", "leerkracht", "directie"}
    assert User.objects.filter(email__iexact="i.bakker@example.org").count() == 1


@pytest.mark.django_db
def test_importing_staff_does_not_rename_someone_who_also_works_at_another_school(school, other_school, make_user):
    colleague = make_user("ib", other_school, name="Fatima El Amrani")
    parsed = parse_staff_csv(f"naam;email;rol\nF. Amrani;{colleague.email};leerkracht\n".encode())
    save_staff(school, parsed)
    colleague.refresh_from_db()
    assert colleague.full_name == "Fatima El Amrani"
    assert colleague.roles_at(school) == {"leerkracht"}
    assert colleague.roles_at(other_school) == {"ib"}


@pytest.mark.django_db
def test_a_staff_file_with_a_bad_row_saves_nothing(school):
    parsed = parse_staff_csv((STAFF + "Zonder Rol;zonder@example.org;concierge;\n").encode())
    with pytest.raises(ImportRejected):
        save_staff(school, parsed)
    assert not User.objects.exists()
    assert not Membership.objects.exists()


def test_a_birth_date_absurdly_long_ago_is_refused():
    parsed = parse_pupils_csv(pupils_file("1001;Sanne;de Vries;14-03-1890;5;;;;;;;;;;"),
                              today=datetime.date(2025, 1, 1))
    assert parsed.messages == ["Rij 2: geboortedatum '14-03-1890' ligt meer dan 30 jaar terug; controleer het jaartal."]
    far = parse_pupils_csv(pupils_file("1001;Sanne;de Vries;01-01-9999;5;;;;;;;;;;"), today=datetime.date(2025, 1, 1))
    assert far.messages == ["Rij 2: geboortedatum '01-01-9999' ligt in de toekomst."]


@pytest.mark.parametrize("parse", [parse_pupils_csv, parse_staff_csv])
def test_a_cell_over_the_csv_field_limit_is_reported_not_a_crash(parse):
    header = PUPIL_HEADER if parse is parse_pupils_csv else "naam;email;rol"
    body = f"{header}\nJan;{'x' * 200_000};leerkracht\n".encode()
    parsed = parse(body)
    assert not parsed.is_valid
    assert parsed.messages == ["Regel 2: een cel is langer dan 128 kB, of een aanhalingsteken wordt niet gesloten. "
                               "Controleer die regel en sla het bestand opnieuw op als CSV."]


def test_a_huge_cell_in_an_uploaded_staff_file_gives_a_dutch_page_not_a_500(school, make_user, verified_client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = verified_client(make_user("beheer", school))
    upload = SimpleUploadedFile("staff.csv", f"naam;email;rol\nJan;{'x' * 200_000};leerkracht\n".encode())
    response = client.post(reverse("schools:import_staff", args=[school.slug]), {"file": upload})
    assert response.status_code == 400
    assert "langer dan 128 kB" in response.text
