"""Saved entries are rendered once per process and their content is then not decrypted again
(cases/rendered.py): what a reader sees must stay exactly what is in the dossier, for every reader."""

from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from cases import rendered
from vault import fields


def _page(client, case):
    return client.get(f"/dossiers/d/{case.reference}/").content.decode()


def test_a_second_visit_shows_the_entries_without_decrypting_them_again(make_case, pupil, people, verified_client,
                                                                         add_entry):
    ib = people[Role.IB]
    case = make_case(pupil)
    add_entry(case, ib, content={"observation": "Een blauwe plek op de arm."})
    client = verified_client(ib)
    assert "Een blauwe plek op de arm." in _page(client, case)
    with mock.patch.object(fields.EncryptedJSONField, "decrypt_value",
                           side_effect=AssertionError("decrypted again")):
        assert "Een blauwe plek op de arm." in _page(client, case)


def test_a_reader_in_another_language_or_without_write_access_gets_their_own_rendering_with_the_content(
        make_case, pupil, people, verified_client, add_entry):
    ib, teacher = people[Role.IB], people[Role.LEERKRACHT]
    case = make_case(pupil, team=[teacher])
    add_entry(case, ib, content={"observation": "Zegt dat vader vaak boos is."})
    assert "Zegt dat vader vaak boos is." in _page(verified_client(ib), case)
    # The privacy officer reads no content at all; the teacher on the team does, through their own key.
    assert "Zegt dat vader vaak boos is." not in _page(verified_client(people[Role.PRIVACY]), case)
    english = verified_client(teacher)
    english.cookies["django_language"] = "en"
    assert "Zegt dat vader vaak boos is." in _page(english, case)


def test_a_draft_always_shows_what_was_last_saved_in_it(make_case, pupil, people, verified_client, add_entry):
    ib = people[Role.IB]
    case = make_case(pupil)
    draft = add_entry(case, ib, content={"observation": "Eerste versie."}, saved=False)
    client = verified_client(ib)
    assert "Eerste versie." in _page(client, case)
    draft.content = {"observation": "Tweede versie."}
    draft.revision += 1
    draft.save()
    page = _page(client, case)
    assert "Tweede versie." in page and "Eerste versie." not in page


def test_a_rendering_dropped_between_loading_and_showing_costs_a_query_not_the_content(
        make_case, pupil, people, verified_client, add_entry):
    ib = people[Role.IB]
    case = make_case(pupil)
    add_entry(case, ib, content={"observation": "Komt vaak te laat."})
    client = verified_client(ib)
    _page(client, case)
    real_render = rendered.render

    def render_after_eviction(*args):
        rendered._RENDERED.clear()  # as if other requests pushed it out of this process's memory
        return real_render(*args)

    with mock.patch.object(rendered, "render", side_effect=render_after_eviction), \
            CaptureQueriesContext(connection) as queries:
        page = _page(client, case)
    assert "Komt vaak te laat." in page
    assert any('"cases_entry"."content"' in q["sql"] for q in queries.captured_queries)


def test_the_kept_guidance_follows_a_flag_set_after_a_visit(make_case, pupil, people, verified_client, add_entry):
    """The guidance is kept per case state (cases.journal.cached_guidance); an FGM or honour flag changes what the
    meldcode asks at once (Landelijk model 2019: contact Veilig Thuis with urgency before the parents)."""
    from cases.models import Case

    ib = people[Role.IB]
    case = make_case(pupil)
    add_entry(case, ib)
    client = verified_client(ib)
    assert "Neem met spoed contact op" not in _page(client, case)
    Case.objects.filter(pk=case.pk).update(flag_fgm=True)
    assert "Neem met spoed contact op" in _page(client, case)


def test_the_kept_guidance_is_in_the_readers_language(make_case, pupil, people, verified_client, add_entry):
    from cases.models import Case

    ib = people[Role.IB]
    case = make_case(pupil)
    add_entry(case, ib)
    Case.objects.filter(pk=case.pk).update(flag_honour=True)
    assert "Neem met spoed contact op" in _page(verified_client(ib), case)
    english = verified_client(people[Role.LEERKRACHT])
    english.cookies["django_language"] = "en"
    Case.objects.get(pk=case.pk).members.get_or_create(user=people[Role.LEERKRACHT])
    page = _page(english, case)
    assert "Neem met spoed contact op" not in page
    assert "urgently (in acute danger, the police: 112)" in page


def test_a_new_name_of_the_author_shows_at_once_on_entries_already_rendered(make_case, pupil, people, verified_client,
                                                                            add_entry):
    ib = people[Role.IB]
    case = make_case(pupil)
    add_entry(case, ib, content={"observation": "Huilt bij het ophalen."})
    client = verified_client(ib)
    assert f"vastgelegd door {ib.full_name}" in _page(client, case)
    ib.full_name = "Iris de Boer-Jansen"
    ib.save(update_fields=["full_name"])
    assert "vastgelegd door Iris de Boer-Jansen" in _page(client, case)
