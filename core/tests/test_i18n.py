"""The English translation: complete, compiled, and chosen by the language cookie."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def read_po(path):
    """Entries of a .po file as dicts: flags, msgid, msgid_plural, msgstr (list). Obsolete entries are skipped."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip() and not line.startswith("#~")]
        entry = {"flags": set(), "msgid": None, "msgid_plural": None, "msgstr": []}
        field = None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if field == "msgstr":
                    entry["msgstr"][-1] += value
                else:
                    entry[field] += value
            else:
                keyword, value = line.split(" ", 1)
                value = ast.literal_eval(value)
                if keyword.startswith("msgstr"):
                    field = "msgstr"
                    entry["msgstr"].append(value)
                else:
                    field = keyword
                    entry[field] = value
        if entry["msgid"] is not None:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def messages():
    entries = read_po(LC_MESSAGES / "django.po")
    return [entry for entry in entries if entry["msgid"]]  # without the header


def test_the_english_catalogue_has_no_untranslated_or_fuzzy_messages(messages):
    assert len(messages) > 1000
    untranslated = [entry["msgid"] for entry in messages if not all(entry["msgstr"])]
    fuzzy = [entry["msgid"] for entry in messages if "fuzzy" in entry["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_every_plural_message_has_both_english_forms(messages):
    plurals = [entry for entry in messages if entry["msgid_plural"] is not None]
    assert plurals
    assert [entry["msgid"] for entry in plurals if len(entry["msgstr"]) != 2] == []


def test_translations_keep_the_placeholders_of_the_dutch_text(messages):
    broken = []
    for entry in messages:
        source = set(PLACEHOLDER.findall(entry["msgid"] + (entry["msgid_plural"] or "")))
        for text in entry["msgstr"]:
            # A singular may leave out the count ("One part was withheld"), but may never invent a placeholder.
            if not set(PLACEHOLDER.findall(text)) <= source:
                broken.append((entry["msgid"], text))
        if entry["msgid_plural"] is None and set(PLACEHOLDER.findall(entry["msgstr"][0])) != source:
            broken.append((entry["msgid"], entry["msgstr"][0]))
    assert broken == []


def test_the_committed_mo_file_matches_the_po_file(messages):
    # CI has no gettext tools: the compiled catalogue in the repository is what users get.
    with (LC_MESSAGES / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in messages:
        if entry["msgid_plural"] is None:
            if compiled.gettext(entry["msgid"]) != entry["msgstr"][0]:
                stale.append(entry["msgid"])
        elif (compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) != entry["msgstr"][0]
              or compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) != entry["msgstr"][1]):
            stale.append(entry["msgid"])
    assert stale == [], "Run: manage.py compilemessages"


@pytest.mark.django_db
def test_the_login_page_is_in_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Email address" in page
    assert "Password" in page
    assert "Sign in" in page
    assert "Inloggen" not in page
    assert "Wachtwoord" not in page


@pytest.mark.django_db
def test_the_login_page_is_in_dutch_without_the_language_cookie(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "E-mailadres" in page
    assert "Inloggen" in page
    assert "Sign in" not in page


def test_labels_defined_at_import_follow_the_language_of_the_request():
    from django.utils import translation

    from cases.templatetags.dossier import CHOICE_LABELS, EXTRA_LABELS
    from documents.exports import PARTNER_LABELS

    with translation.override("en"):
        assert (str(CHOICE_LABELS[True]), str(EXTRA_LABELS["organisation_name"]),
                str(PARTNER_LABELS["colleague"])) == ("yes", "Organisation", "a colleague")
    with translation.override("nl"):
        assert str(CHOICE_LABELS[True]) == "ja"
