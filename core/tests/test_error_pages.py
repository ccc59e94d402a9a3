"""Dutch error pages for 400, 403, 404, 500 and an expired form, each with the emergency numbers and a way
home; with DEBUG on (the demo) too, unless a developer asks for Django's technical pages."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _failing_views(settings):
    settings.ROOT_URLCONF = "core.tests.error_urls"


def assert_dutch_error_page(response, status, heading):
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="nl">' in page
    assert heading in page
    assert 'href="tel:112"' in page and 'href="tel:08002000"' in page
    assert f'href="{reverse("core:home")}">Naar het overzicht</a>' in page
    for detail in ("Traceback", "secret-detail", "K7Q2-M4PX", "bad input", "denied in test", "URLconf", "Django"):
        assert detail not in page, detail
    return page


@pytest.mark.parametrize("debug", [False, True], ids=["production", "demo"])
def test_an_address_that_does_not_exist_gets_the_dutch_404(settings, debug):
    settings.DEBUG = debug
    response = Client().get("/bestaat-niet/", **ENGLISH_BROWSER)
    assert_dutch_error_page(response, 404, "Deze pagina bestaat niet of is niet voor u")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "demo"])
def test_a_view_that_finds_nothing_gets_the_dutch_404_without_the_reason(settings, debug):
    settings.DEBUG = debug
    response = Client().get("/test-fout/404/", **ENGLISH_BROWSER)
    assert_dutch_error_page(response, 404, "Deze pagina bestaat niet of is niet voor u")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "demo"])
def test_a_refusal_gets_the_dutch_403(settings, debug):
    settings.DEBUG = debug
    response = Client().get("/test-fout/403/", **ENGLISH_BROWSER)
    assert_dutch_error_page(response, 403, "Geen toegang")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "demo"])
def test_a_bad_request_gets_the_dutch_400(settings, debug):
    settings.DEBUG = debug
    response = Client(raise_request_exception=False).get("/test-fout/400/", **ENGLISH_BROWSER)
    assert_dutch_error_page(response, 400, "Dit verzoek kunnen we niet verwerken")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "demo"])
def test_a_crash_gets_the_dutch_500(settings, debug):
    settings.DEBUG = debug
    response = Client(raise_request_exception=False).get("/test-fout/500/", **ENGLISH_BROWSER)
    assert_dutch_error_page(response, 500, "Er ging iets mis")


def test_the_500_page_still_shows_the_numbers_when_its_template_fails(settings, monkeypatch):
    from core import errors

    def broken(*args, **kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(errors, "render_to_string", broken)
    response = Client(raise_request_exception=False).get("/test-fout/500/")
    assert response.status_code == 500
    page = response.content.decode()
    assert 'href="tel:112"' in page and 'href="tel:08002000"' in page


def test_an_expired_form_gets_the_dutch_csrf_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a@example.org", "password": "x"},
                           **ENGLISH_BROWSER)
    assert_dutch_error_page(response, 403, "Dit formulier is verlopen")


def test_a_developer_can_ask_for_the_technical_pages(settings):
    settings.DEBUG = True
    settings.MELDCODE_TECHNICAL_ERRORS = True
    response = Client().get("/bestaat-niet/")
    assert response.status_code == 404
    assert "URLconf" in response.content.decode()


def test_a_missing_slash_is_still_added_before_the_404(settings):
    settings.DEBUG = True
    response = Client().get("/account/inloggen")
    assert response.status_code == 301
    assert response["Location"] == "/account/inloggen/"
