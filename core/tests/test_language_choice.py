"""Dutch whatever the browser says; English only for someone who chose it with the language button."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def test_an_english_browser_gets_the_dutch_sign_in_page(client):
    response = client.get(reverse("accounts:login"), **ENGLISH_BROWSER)
    page = response.content.decode()
    assert '<html lang="nl">' in page
    assert "Inloggen" in page and "Sign in" not in page
    assert response["Content-Language"] == "nl"


def test_the_language_cookie_gets_english_whatever_the_browser_says(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9")
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page and "Inloggen" not in page
    assert response["Content-Language"] == "en"
    assert "Cookie" in response["Vary"]


def test_an_unknown_language_in_the_cookie_falls_back_to_dutch(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    page = client.get(reverse("accounts:login"), **ENGLISH_BROWSER).content.decode()
    assert '<html lang="nl">' in page


def test_choosing_english_with_the_button_sets_the_cookie_and_keeps_it(client):
    login = client.get(reverse("accounts:login"), **ENGLISH_BROWSER).content.decode()
    assert 'name="language" value="en"' in login  # the one button for the other language
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(reverse("accounts:login"), **ENGLISH_BROWSER).content.decode()
    assert "Sign in" in page
    assert 'name="language" value="nl"' in page
