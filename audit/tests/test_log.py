import pytest
from django.test import RequestFactory
from django.urls import reverse

from audit import chain
from audit.log import record
from audit.models import AuditEvent, ChainHead
from conftest import PASSWORD


@pytest.mark.django_db
def test_events_are_numbered_without_gaps_and_each_links_to_the_previous():
    first = record("auth.login")
    second = record("case.view", case=7)
    third = record("entry.create", case=7)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == chain.GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert ChainHead.objects.get().seq == 3 and ChainHead.objects.get().hash == third.hash


@pytest.mark.django_db
def test_it_takes_the_actor_address_and_browser_from_the_request(make_user):
    user = make_user(name="Fatima el Amrani")
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox/128 " + "x" * 400)
    request.user = user
    event = AuditEvent.objects.get(pk=record("case.view", request=request, school=3, case=42).pk)
    assert event.actor_id == user.pk
    assert event.actor_label == f"Fatima el Amrani <{user.email}>"
    assert (event.ip, event.school_id, event.case_id) == ("10.1.2.3", 3, 42)
    assert event.user_agent.startswith("Firefox/128") and len(event.user_agent) == 300


@pytest.mark.django_db
def test_forwarded_for_is_only_believed_when_the_proxy_is_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    assert record("auth.login", request=request).ip == "10.0.0.1"
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    assert record("auth.login", request=request).ip == "203.0.113.9"


@pytest.mark.django_db
def test_details_and_reason_are_kept_as_given():
    event = record("access.break_glass", case=5, reason="Acute zorg: IB is ziek,\nik neem het over.",
                   details={"team": [3, 4], "until": "2025-01-31"})
    fresh = AuditEvent.objects.get(pk=event.pk)
    assert fresh.reason == "Acute zorg: IB is ziek,\nik neem het over."
    assert fresh.details == {"team": [3, 4], "until": "2025-01-31"}


@pytest.mark.django_db
def test_control_characters_cannot_enter_the_trail():
    event = record("case.view", object_repr="Dossier\x1f5\x00", reason="a\x1fb")
    assert "\x1f" not in event.object_repr + event.reason and "\x00" not in event.object_repr


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["view", "Case.View", "case.", "case view", ""])
def test_it_refuses_an_action_that_is_not_area_dot_verb(action):
    with pytest.raises(ValueError):
        record(action)


@pytest.mark.django_db
def test_a_failed_sign_in_records_the_attempted_address_but_never_the_password(client):
    client.post(reverse("accounts:login"), {"email": "onbekend@example.org", "password": "Geheim-wachtwoord-123"},
                REMOTE_ADDR="192.0.2.7")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.details == {"attempted_email": "onbekend@example.org"}
    assert event.ip == "192.0.2.7" and event.actor_id is None
    stored = " ".join(str(value) for value in AuditEvent.objects.values_list())
    assert "Geheim-wachtwoord-123" not in stored


@pytest.mark.django_db
def test_signing_in_and_out_is_recorded(client, make_user):
    user = make_user()
    client.post(reverse("accounts:login"), {"email": user.email, "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    assert list(AuditEvent.objects.filter(actor_id=user.pk).values_list("action", flat=True)) == [
        "auth.login", "auth.logout"]
