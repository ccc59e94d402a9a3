import pytest
from django.test import RequestFactory

from audit.log import record
from audit.queries import case_viewers


@pytest.mark.django_db
def test_it_lists_who_viewed_a_dossier_most_recent_first_in_one_query(make_user, django_assert_num_queries):
    ib, directie = make_user(name="Ilse Bakker"), make_user(name="Dirk de Boer")
    request = RequestFactory().get("/")
    for user, times in ((ib, 3), (directie, 1)):
        request.user = user
        for _ in range(times):
            record("case.view", request=request, case=8)
    request.user = ib
    record("entry.create", request=request, case=8)  # writing is not viewing
    record("case.view", request=request, case=9)  # another dossier
    last_directie_view = record("case.view", actor=directie, case=8)

    with django_assert_num_queries(1):
        viewers = case_viewers(8)

    assert viewers == [
        (f"Dirk de Boer <{directie.email}>", last_directie_view.at, 2),
        (f"Ilse Bakker <{ib.email}>", viewers[1][1], 3),
    ]
