"""The parser on the two real seed documents and on made-up documents laid out the way other schools do."""

import pytest

from socialmap.parser import ParsedOrganisation, classify_kind, parse_organisations
from socialmap.tests.helpers import DE_SPRONG, GENERIC_TEMPLATE, seed_text
from socialmap.values import format_phone, parse_phones


def by_name(organisations):
    return {org.name: org for org in organisations}


# --- the seeds ----------------------------------------------------------------------------------------------


def test_it_finds_every_filled_in_organisation_of_de_sprong_and_nothing_else():
    orgs = parse_organisations(seed_text(DE_SPRONG))
    assert [org.name for org in orgs] == [
        "Politie alarmnummer (bij noodsituaties)",
        "Crisisdienst Bureau Jeugdzorg (bij noodsituaties)",
        "Veilig thuis Drenthe",
        "Stichting Welzijnswerk Hoogeveen (schoolmaatschappelijk werk)",
        "Bureau Jeugdzorg",
        "GGZ",
        "MEE Regionaal Centrum Zuid-West",
        "Politie (ook sociale jeugd- zedenzaken)",
        "Steunpunt Huiselijk Geweld",
        "Centrum Jeugd en Gezin (CJG)",
    ]


def test_it_reads_the_fields_of_de_sprong_with_tabs_notes_and_continuation_lines():
    orgs = by_name(parse_organisations(seed_text(DE_SPRONG)))
    veilig_thuis = orgs["Veilig thuis Drenthe"]
    assert veilig_thuis.contact == "Johanna Homminga"
    assert veilig_thuis.address == "Klompmakerstraat 2 9403 VL Assen"
    assert veilig_thuis.phones == [("088-2460244", "ma-vr 8.30 - 17.00")]
    assert veilig_thuis.email == "info@veiligthuisdrenthe.nl"
    assert veilig_thuis.kind == "veilig_thuis"

    welzijn = orgs["Stichting Welzijnswerk Hoogeveen (schoolmaatschappelijk werk)"]
    assert welzijn.contact == "Diny Hettinga"
    assert welzijn.address == "Beukemaplein 64 7906 AK Hoogeveen"
    assert welzijn.phones == [("0528-230388", "bgg 278855")]
    assert welzijn.email == "d.hettinga@welzijnswerk-hoogeveen.nl"
    assert welzijn.website == "www.welzijnswerk-hoogeveen.nl"  # the bare line under the block
    assert welzijn.kind == "social_work"

    jeugdzorg = orgs["Bureau Jeugdzorg"]
    assert jeugdzorg.contact == ""
    assert jeugdzorg.address == "Griendtsveensweg 27a 7901 EB Hoogeveen\nPostbus 2171, 7900 BD Hoogeveen"
    assert jeugdzorg.email == "info@remove-this.bjzdrenthe.nl"  # as the document says, only trimmed

    assert orgs["MEE Regionaal Centrum Zuid-West"].address == "Het Haagje 129, 7902 LE Hoogeveen"
    assert orgs["MEE Regionaal Centrum Zuid-West"].phones == [("0592-303999", "")]
    assert orgs["Politie (ook sociale jeugd- zedenzaken)"].address == "Griendtsveenweg 5 7901 EB Hoogeveen"
    assert orgs["Steunpunt Huiselijk Geweld"].phones == [("0900-3711711", "")]
    assert orgs["Steunpunt Huiselijk Geweld"].email == "aanpakhuiselijkgeweld@ggddrenthe.nl"
    assert orgs["Crisisdienst Bureau Jeugdzorg (bij noodsituaties)"].phones == [("0522-279946", "")]
    assert orgs["GGZ"].email == ""


def test_it_finds_every_filled_in_organisation_of_the_generic_template():
    orgs = parse_organisations(seed_text(GENERIC_TEMPLATE))
    assert [org.name for org in orgs] == [
        "Politie alarmnummer (bij noodsituaties)",
        "Crisisdienst Bureau Jeugdzorg (bij noodsituaties)",
        "Bureau Jeugdzorg Heuvelland",
        "Bureau Jeugdzorg Maastricht",
        "Advies- en Meldpunt Kindermishandeling",
        "Algemeen Maatschappelijk Werk",
        "GGZ Zuid Limburg Jeugdgezondheidszorg",
        "GGZ (volwassenen en jeugd)",
        "Centrum voor Jeugd en Gezin",
        "MEE",
        "Kindertelefoon",
        "Spoedeisende hulp",
        "Politie (ook sociale jeugd- zedenzaken)",
        "Steunpunt Huiselijk Geweld",
        "Nederlands Jeugdinstituut Landelijk steunpunt Zorgadviesteam (ZAT)",
    ]


def test_it_reads_the_fields_of_the_generic_template():
    orgs = by_name(parse_organisations(seed_text(GENERIC_TEMPLATE)))
    heuvelland = orgs["Bureau Jeugdzorg Heuvelland"]
    assert heuvelland.address == "De Bosquetplein 1, 6211 JH Maastricht"
    assert heuvelland.phones == [("088-0072920", "")]
    assert heuvelland.email == "maastricht@bjzlimburg.nl"
    assert heuvelland.website == "www.bureaujeugdzorg.info"

    assert orgs["Advies- en Meldpunt Kindermishandeling"].phones == [("0900-1231230", "algemeen")]
    assert orgs["Advies- en Meldpunt Kindermishandeling"].email == "amkzuid@bjzlimburg.nl"
    # An e-mail label holding a web address: the value goes where it belongs.
    ggd = orgs["GGZ Zuid Limburg Jeugdgezondheidszorg"]
    assert (ggd.email, ggd.website) == ("", "www.ggdzl.nl")
    assert ggd.address == "Gelissendomein 8, 6229 GJ Maastricht"
    assert ggd.phones == [("043-8506666", "")]

    police = orgs["Politie (ook sociale jeugd- zedenzaken)"]
    assert police.address == ("Prins Bisschopsingel 53, 6212 AB Maastricht (bezoekadres)\n"
                              "Postbus 1230, 6201 BE Maastricht")
    assert police.phones == [("0900-8844", "geen spoed")]
    assert "043-400129" in police.notes  # the fax number is kept, but not as a number to call
    assert police.website == "www.politie.nl"

    assert orgs["Kindertelefoon"].phones == [("0800-0432", "gratis")]
    assert orgs["MEE"].phones == [("0900-9998888", "")]
    assert orgs["Centrum voor Jeugd en Gezin"].website == "www.cjg.nl"
    assert "www.samenwerkenvoordejeugd.nl" in orgs["Centrum voor Jeugd en Gezin"].notes
    zat = orgs["Nederlands Jeugdinstituut Landelijk steunpunt Zorgadviesteam (ZAT)"]
    assert (zat.address, zat.phones, zat.email, zat.website) == (
        "Postbus 19221 3501 DE Utrecht", [("030-2306481", "")], "infozat@nji.nl", "www.zat.nl")


def test_stray_link_lines_of_the_generic_template_do_not_fill_other_blocks():
    orgs = by_name(parse_organisations(seed_text(GENERIC_TEMPLATE)))
    # The "mailto:maastricht@..." lines after this block repeat addresses of other blocks.
    assert orgs["GGZ Zuid Limburg Jeugdgezondheidszorg"].email == ""
    assert orgs["Algemeen Maatschappelijk Werk"].email == ""
    assert orgs["Algemeen Maatschappelijk Werk"].phones == []


def test_the_emergency_sheet_defaults_follow_the_kind_of_organisation():
    orgs = by_name(parse_organisations(seed_text(DE_SPRONG)))
    on_sheet = {name for name, org in orgs.items() if org.on_emergency_sheet}
    assert on_sheet == {
        "Politie alarmnummer (bij noodsituaties)",
        "Crisisdienst Bureau Jeugdzorg (bij noodsituaties)",
        "Veilig thuis Drenthe",
    }


# --- made-up documents --------------------------------------------------------------------------------------


def test_it_reads_other_label_words_bullets_windows_line_endings_and_non_breaking_spaces():
    text = (
        "Sociale kaart OBS De Wilg\r\n\r\n"
        "\u2022 Naam organisatie: Veilig Thuis Utrecht\r\n"
        "\u2022 Tel.: 0800-2000 (24/7, gratis)\r\n"
        "\u2022 E-mail: Info@VeiligThuisUtrecht.NL\r\n"
        "\u2022 Website: https://www.veiligthuisutrecht.nl/\r\n"
        "\r\n"
        "\u2022 Naam organisatie: Buurtteam Jeugd en Gezin Zuid\r\n"
        "\u2022 Contactpersoon: Fatima el\u00a0Amrani\r\n"
        "\u2022 Bezoekadres: Kanaalweg 12\r\n"
        "  3526 KL Utrecht\r\n"
        "\u2022 Telefoon: 030 - 740 00 00 (ma t/m vr 9.00-17.00 uur)\r\n"
    )
    first, second = parse_organisations(text)
    assert (first.name, first.phones) == ("Veilig Thuis Utrecht", [("0800-2000", "24/7, gratis")])
    assert first.email == "info@veiligthuisutrecht.nl"
    assert first.website == "www.veiligthuisutrecht.nl"
    assert first.on_emergency_sheet
    assert second.contact == "Fatima el Amrani"
    assert second.address == "Kanaalweg 12\n3526 KL Utrecht"
    assert second.phones == [("030-7400000", "ma t/m vr 9.00-17.00 uur")]
    assert second.kind == "care_team"


def test_it_takes_the_line_above_the_fields_as_name_when_there_is_no_organisation_label():
    text = """Veilig Thuis Gelderland-Zuid
Adres: Postbus 1234, 6500 AB Nijmegen
Telefoon: 0800 2000
E-mail: advies@vtgz.nl

GGD Gelderland-Zuid (jeugdarts)
Contactpersoon: Dr. P. de Boer
Tel: 088 - 144 71 11
Website: www.ggdgelderlandzuid.nl

Pagina 7 van 9

Politie
Telefoon (spoed): 112
Telefoon (geen spoed): 0900-8844
"""
    orgs = parse_organisations(text)
    assert [org.name for org in orgs] == ["Veilig Thuis Gelderland-Zuid", "GGD Gelderland-Zuid (jeugdarts)", "Politie"]
    assert orgs[0].address == "Postbus 1234, 6500 AB Nijmegen"
    assert orgs[1].phones == [("088-1447111", "")]
    assert orgs[1].kind == "jgz"
    assert orgs[2].phones == [("112", "spoed"), ("0900-8844", "geen spoed")]
    assert orgs[2].on_emergency_sheet


def test_it_keeps_fields_written_above_the_organisation_label_with_their_own_block():
    text = """Contactpersoon: Jan Jansen
Organisatie: Sociaal Wijkteam Noord
Telefoon: 050 123 45 67

Contactpersoon: Els de Vries
Organisatie: Schoolmaatschappelijk werk
Telefoonnummer: 06-12345678 / 050-7654321 (secretariaat)
"""
    first, second = parse_organisations(text)
    assert (first.name, first.contact, first.phones) == ("Sociaal Wijkteam Noord", "Jan Jansen", [("050-1234567", "")])
    assert (second.name, second.contact) == ("Schoolmaatschappelijk werk", "Els de Vries")
    assert second.phones == [("06-12345678", ""), ("050-7654321", "secretariaat")]


def test_it_reads_blocks_that_follow_each_other_without_blank_lines():
    text = ("Organisatie: Politie\nTelefoon: 112\nOrganisatie: GGD Twente\nTelefoon: 053 487 66 00\n"
            "Organisatie: MEE Twente\nE-mail: info@meetwente.nl\n")
    orgs = parse_organisations(text)
    assert [(o.name, o.phones, o.email) for o in orgs] == [
        ("Politie", [("112", "")], ""),
        ("GGD Twente", [("053-4876600", "")], ""),
        ("MEE Twente", [], "info@meetwente.nl"),
    ]


def test_it_reads_table_rows_with_several_labels_on_one_line():
    text = ("Organisatie:\tCJG Amersfoort\tTelefoon:\t033 - 469 28 00\n"
            "Organisatie:\tVeilig Thuis Utrecht\tTelefoon:\t0800-2000\tE-mail:\tinfo@vtu.nl\n")
    first, second = parse_organisations(text)
    assert (first.name, first.phones) == ("CJG Amersfoort", [("033-4692800", "")])
    assert (second.name, second.phones, second.email) == ("Veilig Thuis Utrecht", [("0800-2000", "")], "info@vtu.nl")


def test_empty_and_placeholder_template_blocks_are_skipped():
    text = """School :
Contactpersoon : Juf Anja
Telefoonnummer : 0528 123456

Organisatie :
Contactpersoon :
Telefoonnummer :

Organisatie : [naam organisatie]
Contactpersoon : [naam]

Organisatie : ...
Telefoonnummer : 112

Organisatie : Zorgteam De Sprong
Contactpersoon : M. Bakker (IB)
"""
    orgs = parse_organisations(text)
    assert [org.name for org in orgs] == ["Zorgteam De Sprong"]
    assert orgs[0].contact == "M. Bakker (IB)"


def test_labels_without_a_colon_are_read_when_the_value_cannot_be_mistaken():
    text = "Instantie  Jeugdgezondheidszorg GGD\nTel. 0591 - 12 34 56\nE-mail jgz@ggd.nl\nAdres van de GGD is onbekend\n"
    (org,) = parse_organisations(text)
    assert (org.name, org.phones, org.email, org.address) == (
        "Jeugdgezondheidszorg GGD", [("0591-123456", "")], "jgz@ggd.nl", "")


def test_prose_and_page_headers_between_fields_do_not_end_up_in_a_block():
    text = """Organisatie: Centrum Jeugd en Gezin
Adres: Markt 1
1234 AB Dorp

Meldcode huiselijk geweld en kindermishandeling - basisonderwijs

12

Telefoon: 0123 45 67 89
Let op: bel bij twijfel altijd eerst Veilig Thuis.
"""
    (org,) = parse_organisations(text)
    assert org.address == "Markt 1\n1234 AB Dorp"
    assert org.phones == [("0123-456789", "")]
    assert org.notes == ""


def test_the_same_organisation_twice_becomes_one():
    text = "Organisatie: GGD Drenthe\nTelefoon: 0592 30 63 00\n\nOrganisatie:  GGD  drenthe\nE-mail: info@ggddrenthe.nl\n"
    (org,) = parse_organisations(text)
    assert (org.phones, org.email) == ([("0592-306300", "")], "info@ggddrenthe.nl")


def test_a_document_without_a_sociale_kaart_gives_no_organisations():
    assert parse_organisations("Stap 1: in kaart brengen van signalen.\nStap 2: collegiale consultatie.\n") == []
    assert parse_organisations("") == []


# --- values -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("digits", "expected"), [
    ("0528230388", "0528-230388"),
    ("0438506666", "043-8506666"),
    ("0612345678", "06-12345678"),
    ("08002000", "0800-2000"),
    ("09001231230", "0900-1231230"),
    ("112", "112"),
    ("0031201234567", "020-1234567"),
])
def test_phone_numbers_are_written_the_dutch_way(digits, expected):
    assert format_phone(digits) == expected


def test_phone_values_keep_their_notes_and_split_several_numbers():
    assert parse_phones("+31 (0)20 123 45 67 (receptie)") == ([("020-1234567", "receptie")], "")
    assert parse_phones("0800-2000, buiten kantoortijd 06 12 34 56 78") == (
        [("0800-2000", ""), ("06-12345678", "buiten kantoortijd")], "")
    assert parse_phones("zie website") == ([], "zie website")


@pytest.mark.parametrize(("name", "kind"), [
    ("Veilig Thuis Drenthe", "veilig_thuis"),
    ("Advies- en Meldpunt Kindermishandeling", "veilig_thuis"),
    ("Crisisdienst Bureau Jeugdzorg", "crisis"),
    ("Politie Hoogeveen", "police"),
    ("GGD Jeugdgezondheidszorg", "jgz"),
    ("Centrum voor Jeugd en Gezin", "cjg"),
    ("Zorg- en adviesteam (ZAT)", "care_team"),
    ("Bureau Jeugdzorg Drenthe", "youth_care"),
    ("GGZ Drenthe", "ggz"),
    ("MEE Drenthe", "mee"),
    ("Algemeen Maatschappelijk Werk", "social_work"),
    ("De Kindertelefoon", "helpline"),
    # Absence is a signal the meldcode names; the leerplichtambtenaar is its partner (Leerplichtwet 1969).
    ("Leerplichtambtenaar gemeente Assen", "leerplicht"),
    ("Regionaal Bureau Leerlingzaken Drenthe", "leerplicht"),
    ("Bibliotheek", "other"),
])
def test_it_guesses_the_kind_from_the_name(name, kind):
    assert classify_kind(name) == kind


def test_parsed_organisations_survive_a_round_trip_through_json():
    org = ParsedOrganisation(name="GGZ", kind="ggz", phones=[("0528-857777", "ma-vr")], email="a@b.nl")
    data = org.to_json()
    assert data["phone"] == "0528-857777"
    assert data["website"] is None
    assert ParsedOrganisation.from_json(data) == org


def test_a_field_order_repeated_without_blank_lines_keeps_each_contact_with_its_organisation():
    text = ("Sociale kaart\nContactpersoon: Anna de Boer\nOrganisatie: Zorgteam Noord\nTelefoon: 0528 111111\n"
            "Contactpersoon: Bert Smit\nOrganisatie: GGD Zuid\nTelefoon: 0528 222222\n")
    orgs = parse_organisations(text)
    assert [(o.name, o.contact, o.phones) for o in orgs] == [
        ("Zorgteam Noord", "Anna de Boer", [("0528-111111", "")]),
        ("GGD Zuid", "Bert Smit", [("0528-222222", "")]),
    ]


def test_bold_markers_grammar_brackets_area_codes_in_brackets_and_spelled_out_at_signs_are_handled():
    text = ("**Organisatie:** Veilig Thuis Noord\n"
            "**Telefoonnummer(s):** (0592) 30 63 00 / 0800.2000\n"
            "**E-mail:** info[at]vtnoord.nl\n")
    (org,) = parse_organisations(text)
    assert org.name == "Veilig Thuis Noord"
    assert org.phones == [("0592-306300", ""), ("0800-2000", "")]
    assert org.email == "info@vtnoord.nl"


def test_headings_ending_in_a_colon_name_the_block_below_them():
    text = "Veilig Thuis:\nTel: 0800-2000\n\nGGD Noord:\nTel: 088 123 4567\n"
    assert [(o.name, o.phones) for o in parse_organisations(text)] == [
        ("Veilig Thuis", [("0800-2000", "")]), ("GGD Noord", [("088-1234567", "")])]


def test_a_bare_naam_label_names_the_organisation_when_no_other_label_does():
    text = "Naam: Veilig Thuis\nTelefoon: 0800-2000\nNaam: GGD Noord\nContactpersoon: Jan Vos\nTelefoon: 088 123 4567\n"
    assert [(o.name, o.contact) for o in parse_organisations(text)] == [("Veilig Thuis", ""), ("GGD Noord", "Jan Vos")]


def test_under_an_organisation_label_naam_is_the_contact_person():
    (org,) = parse_organisations("Organisatie: GGD Noord\nNaam: Jan Vos\nTelefoon: 088 123 4567\n")
    assert (org.name, org.contact) == ("GGD Noord", "Jan Vos")


def test_upper_case_labels_and_a_long_name_wrapped_onto_the_next_line_are_read():
    text = "ORGANISATIE: Stichting Welzijn Oost (school-\nmaatschappelijk werk)\nTELEFOON: 0591 123 456\n"
    (org,) = parse_organisations(text)
    assert org.name == "Stichting Welzijn Oost (school- maatschappelijk werk)"
    assert org.phones == [("0591-123456", "")]


def test_a_field_in_the_prose_above_the_kaart_is_not_pulled_into_the_first_block():
    text = """Stap 2: raadpleeg bij twijfel altijd Veilig Thuis.
Telefoon: 0800-2000

Sociale kaart
Organisatie: GGD Noord
Adres: Markt 1, 1234 AB Dorp
Telefoon: 088 123 4567
Organisatie: MEE Noord
Adres: Markt 2, 1234 AB Dorp
Telefoon: 088 765 4321
"""
    orgs = parse_organisations(text)
    assert [(o.name, o.phones) for o in orgs] == [
        ("GGD Noord", [("088-1234567", "")]), ("MEE Noord", [("088-7654321", "")])]


def test_a_phone_line_right_above_the_first_block_does_not_shift_every_phone_number():
    text = ("Telefoon: 0800-2000\nOrganisatie: GGD Noord\nAdres: Markt 1, 1234 AB Dorp\nTelefoon: 088 123 4567\n"
            "Organisatie: MEE Noord\nAdres: Markt 2, 1234 AB Dorp\nTelefoon: 088 765 4321\n")
    orgs = parse_organisations(text)
    assert [(o.name, o.phones) for o in orgs] == [
        ("GGD Noord", [("088-1234567", "")]), ("MEE Noord", [("088-7654321", "")])]


def test_text_tables_with_the_labels_in_the_header_row_give_one_organisation_per_row():
    tabbed = "Instelling\tTelefoon\tE-mail\nVeilig Thuis\t0800-2000\tinfo@vt.nl\nGGD Noord\t088 1234567\t\n"
    barred = ("| Organisatie | Telefoon | Website |\n|---|---|---|\n| Politie | 112 | www.politie.nl |\n"
              "| Kindertelefoon | 0800-0432 | |\n")
    assert [(o.name, o.phones, o.email) for o in parse_organisations(tabbed)] == [
        ("Veilig Thuis", [("0800-2000", "")], "info@vt.nl"), ("GGD Noord", [("088-1234567", "")], "")]
    assert [(o.name, o.phones, o.website) for o in parse_organisations(barred)] == [
        ("Politie", [("112", "")], "www.politie.nl"), ("Kindertelefoon", [("0800-0432", "")], "")]


def test_short_municipal_numbers_are_kept_as_written():
    (org,) = parse_organisations("Organisatie: Sociaal Wijkteam\nTelefoon: 14 058\n")
    assert org.phones == [("14 058", "")]


def test_values_on_the_line_below_their_label_are_read():
    text = ("Organisatie:\nVeilig Thuis Noord\nContactpersoon:\nPetra de Wit\nAdres:\nPostbus 12\n9400 AA Assen\n"
            "Telefoon:\n0800-2000\nE-mail:\ninfo@vtnoord.nl\n")
    (org,) = parse_organisations(text)
    assert (org.name, org.contact, org.address, org.phones, org.email) == (
        "Veilig Thuis Noord", "Petra de Wit", "Postbus 12\n9400 AA Assen", [("0800-2000", "")], "info@vtnoord.nl")


def _kaart_section(text):
    return text[text.index("Sociale kaart"):]


@pytest.mark.parametrize("variant", [
    lambda t: t.replace("\n", "\r\n"),
    lambda t: t.replace("\t: ", "\u00a0:\u00a0").replace("\t:", " :"),
    lambda t: t.replace("Organisatie\t", "\u2022 Naam organisatie\t").replace("Telefoonnummer", "Tel.")
               .replace("E-mailadres", "E-mail").replace("Contactpersoon", "Contactpersoon/naam")
               .replace("Adres\t", "Bezoekadres\t"),
    lambda t: t.replace("\n\n", "\n"),
    lambda t: t.replace("\n", "\n\n"),
    lambda t: t.upper().replace("C.B.S. DE SPRONG", "x"),
], ids=["windows-line-endings", "non-breaking-spaces", "other-labels-and-bullets", "no-blank-lines",
        "double-spaced", "upper-case"])
def test_de_sprong_in_other_layouts_gives_the_same_organisations(variant):
    def summary(orgs):
        return [(o.key, [(n, note.lower()) for n, note in o.phones], o.email, o.website, o.address.lower())
                for o in orgs]

    expected = summary(parse_organisations(seed_text(DE_SPRONG)))
    assert summary(parse_organisations(variant(_kaart_section(seed_text(DE_SPRONG))))) == expected
