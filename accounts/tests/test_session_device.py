"""The user and the session's 2FA device are loaded in one query (accounts/backends.py); what counts as a verified
session must not change with it: the device must still exist, be confirmed and belong to the signed-in person."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role


def _home_status(client):
    return client.get("/", follow=False)


def test_a_verified_session_loads_the_person_and_their_device_in_one_query(school, make_user, verified_client):
    user = make_user(Role.IB, school)
    client = verified_client(user)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    device_queries = [q["sql"] for q in captured.captured_queries if "otp_totp_totpdevice" in q["sql"]]
    assert len(device_queries) == 1 and "accounts_user" in device_queries[0]


def test_a_deleted_device_makes_the_session_unverified_again(school, make_user, verified_client):
    user = make_user(Role.IB, school)
    client = verified_client(user)
    assert _home_status(client).status_code == 200
    TOTPDevice.objects.filter(user=user).delete()
    response = _home_status(client)
    assert response.status_code == 302 and "/account/" in response["Location"]


def test_an_unconfirmed_device_does_not_verify_the_session(school, make_user, verified_client):
    user = make_user(Role.IB, school)
    client = verified_client(user)
    TOTPDevice.objects.filter(user=user).update(confirmed=False)
    response = _home_status(client)
    assert response.status_code == 302 and "/account/" in response["Location"]


def test_someone_elses_device_in_the_session_does_not_verify_it(school, make_user, verified_client):
    user, other = make_user(Role.IB, school), make_user(Role.LEERKRACHT, school)
    client = verified_client(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=other).persistent_id
    session.save()
    response = _home_status(client)
    assert response.status_code == 302 and "/account/" in response["Location"]


def test_a_deactivated_account_is_signed_out_although_its_device_is_fine(school, make_user, verified_client):
    user = make_user(Role.IB, school)
    client = verified_client(user)
    user.is_active = False
    user.save()
    response = _home_status(client)
    assert response.status_code == 302 and "/account/" in response["Location"]
