"""The emergency sheet on a phone: every number is one tap to call, and it names the school's key people."""

import re

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.roles import Role
from socialmap.models import Organisation, PhoneNumber

pytestmark = pytest.mark.django_db


def sheet(client, school):
    return client.get(reverse("socialmap:emergency", args=[school.slug])).content.decode()


def main_of(page):
    return page.split('<main id="main"')[1].split("</main>")[0]


def test_every_number_on_the_sheet_is_a_tap_to_call_link(school, people, verified_client):
    crisis = Organisation.objects.create(school=school, name="Crisisdienst Jeugd", kind="crisis",
                                         on_emergency_sheet=True)
    PhoneNumber.objects.create(organisation=crisis, number="030-230 62 22", note="dag en nacht")
    PhoneNumber.objects.create(organisation=crisis, number="+31 (0)30 123 4567")
    school.phone = "0591-123456"
    school.save()
    page = main_of(sheet(verified_client(people[Role.LEERKRACHT]), school))

    for href, shown in [("tel:112", "112"), ("tel:08002000", "0800-2000"), ("tel:0302306222", "030-230 62 22"),
                        ("tel:+31301234567", "+31 (0)30 123 4567"), ("tel:0591123456", "0591-123456")]:
        assert re.search(rf'<a class="sheet-number" href="{re.escape(href)}">{re.escape(shown)}</a>', page), href
    # No number is left as plain text: every sheet-number is a link, and so are the numbers in the steps.
    assert 'span class="sheet-number"' not in page
    steps = page.split('id="sheet-steps-title"')[1].split("</section>")[0]
    assert re.sub(r'<a class="sheet-call" href="tel:(112|08002000)">(112|0800-2000)</a>', "", steps).count("112") == 0
    assert '<a class="sheet-call" href="tel:08002000">0800-2000</a>' in steps
    assert "0800-2000" not in re.sub(r"<a [^>]*>[^<]*</a>", "", steps)


def test_the_sheet_names_the_ib_aandachtsfunctionaris_and_directie_with_their_roles(
        school, people, make_user, verified_client):
    both = make_user(Role.IB, school, name="Anna Beide")
    Membership.objects.create(user=both, school=school, role=Role.DIRECTIE)
    make_user(Role.IB, school, name="Oud Collega", is_active=False)
    page = sheet(verified_client(people[Role.LEERKRACHT]), school)
    people_section = page.split('id="sheet-people-title"')[1].split("</section>")[0]

    assert "Anna Beide</th><td>Intern begeleider / aandachtsfunctionaris, Directie</td>" in people_section
    assert people_section.count("Anna Beide") == 1
    assert f"{people[Role.IB].full_name}</th><td>Intern begeleider / aandachtsfunctionaris</td>" in people_section
    assert f"{people[Role.DIRECTIE].full_name}</th><td>Directie</td>" in people_section
    assert people[Role.LEERKRACHT].full_name not in people_section
    assert "Oud Collega" not in page
    assert "geen telefoonnummers van medewerkers" in people_section


def test_the_header_of_every_signed_in_page_leads_to_the_schools_sheet_in_one_tap(school, people, verified_client):
    client = verified_client(people[Role.LEERKRACHT])
    target = reverse("socialmap:emergency", args=[school.slug])
    for url in [reverse("core:home"), reverse("socialmap:list", args=[school.slug]),
                reverse("protocol:show", args=[school.slug])]:
        header = client.get(url).content.decode().split("</header>")[0]
        assert f'<a class="sos-sheet" href="{target}">Noodblad</a>' in header, url
        assert 'href="tel:112"' in header and 'href="tel:08002000"' in header, url


def test_someone_at_two_schools_chooses_the_sheet_from_a_short_list(school, other_school, make_user, verified_client):
    teacher = make_user(Role.LEERKRACHT, school)
    Membership.objects.create(user=teacher, school=other_school, role=Role.LEERKRACHT)
    client = verified_client(teacher)
    header = client.get(reverse("core:home")).content.decode().split("</header>")[0]
    assert f'<a class="sos-sheet" href="{reverse("core:emergency")}">Noodblad</a>' in header
    page = main_of(client.get(reverse("core:emergency")).content.decode())
    for each in (school, other_school):
        assert f'href="{reverse("socialmap:emergency", args=[each.slug])}">{each.name}</a>' in page
    assert 'href="tel:112"' in page and 'href="tel:08002000"' in page


def test_the_key_people_do_not_push_the_printed_sheet_onto_a_second_page(school, people):
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML

    from socialmap.views import _emergency_context

    school.phone = "0591-123456"
    school.save()
    for n in range(8):
        organisation = Organisation.objects.create(school=school, name=f"Organisatie {n}", kind="other",
                                                   on_emergency_sheet=True)
        PhoneNumber.objects.create(organisation=organisation, number=f"030-230622{n}", note="dag en nacht")
    html = render_to_string("socialmap/emergency_pdf.html", _emergency_context(school))
    assert people[Role.IB].full_name in html  # named in step 3 on paper too
    document = HTML(string=html).render(stylesheets=[CSS(filename=finders.find("socialmap/emergency.css"))])
    assert len(document.pages) == 1
