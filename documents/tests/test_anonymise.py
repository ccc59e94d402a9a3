from datetime import date

from documents.anonymise import Anonymiser, Name, name_variants, school_name_variants


def make(*names, origin=date(2026, 3, 2), extra=()):
    replacements = [pair for name in names for pair in name_variants(name)] + list(extra)
    return Anonymiser(replacements, origin=origin)


def test_it_replaces_full_first_and_surnames_with_role_words():
    anonymiser = make(Name("Sanne de Vries", "het kind"), Name("Marieke de Vries", "moeder"))
    text = anonymiser.text("Marieke de Vries zegt dat Sanne viel. Mevrouw De Vries was boos; Vries ook.")
    assert text == "Moeder zegt dat het kind viel. Mevrouw [naam] was boos; [naam] ook."


def test_it_replaces_a_name_with_a_possessive_s():
    anonymiser = make(Name("Sanne de Vries", "het kind"))
    assert "Sanne" not in anonymiser.text("Sannes arm en Sanne's jas")


def test_it_leaves_words_that_merely_contain_a_name():
    anonymiser = make(Name("Bo Bos", "de leerkracht"))
    assert anonymiser.text("Boven in het bos") == "Boven in het [naam]"


def test_it_turns_dates_into_days_relative_to_the_start():
    anonymiser = make(origin=date(2026, 3, 2))
    text = anonymiser.text("Op 5-3-2026 en op 2026-03-12 en op 2 maart 2026; geboren 14-03-2017.")
    assert "dag 3" in text and "dag 10" in text and "dag 0" in text
    assert "2017" not in text and "2026" not in text


def test_it_removes_phone_numbers_email_addresses_and_postcodes_but_keeps_service_numbers():
    anonymiser = make()
    text = anonymiser.text("Bel 06-12345678 of 0528 123456, mail a.b@example.org, 7901 AA Hoogeveen. "
                           "Of Veilig Thuis: 0800-2000, of 112.")
    assert "12345678" not in text and "123456" not in text and "example.org" not in text and "7901" not in text
    assert "0800-2000" in text and "112" in text


def test_school_names_are_also_found_without_their_prefix():
    assert set(school_name_variants("C.B.S. De Sprong")) == {"C.B.S. De Sprong", "De Sprong"}
    assert set(school_name_variants("Basisschool Het Anker")) == {"Basisschool Het Anker", "Het Anker"}


def test_age_is_given_in_whole_years():
    assert Anonymiser.age(date(2017, 9, 12), date(2026, 9, 11)) == "8 jaar"
    assert Anonymiser.age(date(2017, 9, 12), date(2026, 9, 12)) == "9 jaar"
