"""Every page that belongs to a school is a 404 for people of another school, whatever their role there.

The list of pages is taken from the URL configuration itself, so a page added later is covered too.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.roles import Role


def school_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from school_patterns(entry, route)
        elif isinstance(entry, URLPattern) and "<slug:school_slug>" in route:
            yield route


def build(route, slug):
    path = route.replace("<slug:school_slug>", slug)
    for converter in ("int", "str", "slug", "path"):
        while f"<{converter}:" in path:
            start = path.index(f"<{converter}:")
            path = path[:start] + ("1" if converter == "int" else "x") + path[path.index(">", start) + 1:]
    return "/" + path.lstrip("^").replace("\\Z", "")


ROUTES = sorted(set(school_patterns()))


def test_the_route_list_is_not_empty():
    assert len(ROUTES) > 20, ROUTES


@pytest.mark.parametrize("route", ROUTES)
def test_it_hides_every_school_page_from_another_schools_staff(route, school, other_school, make_user,
                                                              verified_client):
    outsider = make_user(Role.IB, other_school)
    for role in Role:
        outsider.memberships.get_or_create(school=other_school, role=role)
    client = verified_client(outsider)
    url = build(route, school.slug)
    for method in (client.get, client.post):
        # 405 (wrong method) is decided before anything is looked up, so it says nothing about the school.
        assert method(url).status_code in (404, 405), url
    assert client.get(url).status_code == 404 or client.post(url, {}).status_code == 404, url
