"""core.idempotency on its own: a view that writes through `once` never writes without a key."""

from django.test import RequestFactory

from accounts.roles import Role
from core import idempotency
from core.models import SubmittedForm
from schools.models import Pupil


def test_a_view_that_skips_the_check_still_writes_nothing_without_a_key(people, school):
    @idempotency.guarded
    def careless_view(request):
        with idempotency.once(request):
            Pupil.objects.create(school=school, first_name="Nooit", last_name="Opgeslagen",
                                 date_of_birth="2018-01-01", group="3")
        raise AssertionError("not reached")

    request = RequestFactory().post("/", {"first_name": "Nooit"})
    request.user = people[Role.IB]
    response = careless_view(request)
    assert response.status_code == 400
    assert "Er is niets vastgelegd." in response.content.decode()
    assert not Pupil.objects.filter(first_name="Nooit").exists()
    assert not SubmittedForm.objects.exists()


def test_the_key_of_an_exception_is_not_kept(people, school):
    request = RequestFactory().post("/", {idempotency.FIELD: idempotency.new_key()})
    request.user = people[Role.IB]

    class Failed(Exception):
        pass

    try:
        with idempotency.once(request):
            Pupil.objects.create(school=school, first_name="Half", last_name="Geschreven",
                                 date_of_birth="2018-01-01", group="3")
            raise Failed
    except Failed:
        pass
    assert not Pupil.objects.filter(first_name="Half").exists()
    assert not SubmittedForm.objects.exists()
