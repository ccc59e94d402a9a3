"""The converter's upload page: access, decisions with the validator's verdict, storing and adopting (issue 18)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from protocol.convert.drafts import ConversionDraft
from protocol.convert.writer import load_plain
from protocol.models import Adoption, MeldcodeVersion, current_version

TEMPLATE_TEXT = (Path(__file__).resolve().parents[1] / "convert" / "templates_ref" / "jso-2010.txt").read_text(
    encoding="utf-8")


def de_linde_document() -> bytes:
    """The 2010 template as a made-up school filled it in: its name, the IB at the parent conversation, and
    Veilig Thuis Utrecht instead of the AMK."""
    text = "\n".join(line for line in TEMPLATE_TEXT.splitlines() if not line.startswith("#"))
    text = text.replace("[naam basisschool]", "OBS De Linde")
    text = text.replace("Bespreek de signalen met de ouder.",
                        "Bespreek de signalen met de ouder. Dit gesprek voert u altijd samen met de intern begeleider.")
    text = text.replace("het Advies- en Meldpunt Kindermishandeling", "Veilig Thuis Utrecht")
    return text.encode("utf-8")


@pytest.fixture
def ib_client(school, people, verified_client):
    return verified_client(people[Role.IB])


def upload(client, school, data=None, name="meldcode-de-linde.txt"):
    return client.post(reverse("protocol:convert", args=[school.slug]),
                       {"document": SimpleUploadedFile(name, data if data is not None else de_linde_document())})


@pytest.mark.parametrize("role", [Role.IB, Role.DIRECTIE, Role.BESTUUR])
def test_the_roles_that_upload_meldcode_versions_may_convert_a_document(role, school, people, verified_client):
    client = verified_client(people[role])
    response = upload(client, school)
    draft = ConversionDraft.objects.get(school=school)
    assert response.status_code == 302 and response.url.endswith(f"/omzetten/{draft.pk}/")
    assert draft.template_key == "jso-2010" and draft.uploaded_by == people[role]
    assert AuditEvent.objects.filter(action="meldcode.convert_upload", school_id=school.pk).count() == 1


@pytest.mark.parametrize("role", [Role.LEERKRACHT, Role.PRIVACY, Role.BEHEER])
def test_other_roles_get_a_404_and_nothing_is_stored(role, school, people, verified_client):
    client = verified_client(people[role])
    assert client.get(reverse("protocol:convert", args=[school.slug])).status_code == 404
    assert upload(client, school).status_code == 404
    assert not ConversionDraft.objects.exists()


def test_another_schools_draft_is_a_404(school, other_school, people, verified_client, make_user):
    upload(verified_client(people[Role.IB]), school)
    draft = ConversionDraft.objects.get()
    outsider = verified_client(make_user(Role.IB, other_school))
    assert outsider.get(reverse("protocol:convert_draft", args=[other_school.slug, draft.pk])).status_code == 404
    assert outsider.get(reverse("protocol:convert_draft", args=[school.slug, draft.pk])).status_code == 404


def test_an_unreadable_file_shows_the_error_summary_and_stores_nothing(school, ib_client):
    response = upload(ib_client, school, b"%PDF-1.4 kapot", "meldcode.pdf")
    assert response.status_code == 400
    assert response.content.decode().count('class="error-summary"') == 1
    assert not ConversionDraft.objects.exists()


def test_the_draft_page_shows_each_proposal_beside_its_source_sentence(school, ib_client):
    upload(ib_client, school)
    draft = ConversionDraft.objects.get()
    page = ib_client.get(reverse("protocol:convert_draft", args=[school.slug, draft.pk])).content.decode()
    assert "Veilig Thuis Utrecht" in page
    assert "Dit gesprek voert u altijd samen met de intern begeleider." in page
    assert "OBS De Linde" in page
    assert "wettelijk minimum" in page  # the 2019 afwegingskader on top of the 2010 template, marked
    assert "Vaststellen kan pas" in page  # nothing decided yet: no adopt button
    assert 'name="action" value="adopt"' not in page


def test_a_decision_through_htmx_returns_the_proposal_and_the_validators_verdict(school, ib_client):
    upload(ib_client, school)
    draft = ConversionDraft.objects.get()
    response = ib_client.post(reverse("protocol:convert_decide", args=[school.slug, draft.pk]),
                              {"proposal": "attends:3", "action": "accept", "number": "0"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="verdict"' in body and 'id="opslaan-sectie" hx-swap-oob="true"' in body and "geaccepteerd" in body
    draft.refresh_from_db()
    assert draft.decisions["attends:3"]["status"] == "accepted"
    assert AuditEvent.objects.filter(action="meldcode.convert_decide").count() == 1


def test_a_bad_decision_is_refused_and_changes_nothing(school, ib_client):
    upload(ib_client, school)
    draft = ConversionDraft.objects.get()
    url = reverse("protocol:convert_decide", args=[school.slug, draft.pk])
    assert ib_client.post(url, {"proposal": "attends:3", "action": "edit", "value": ""}).status_code == 400
    assert ib_client.post(url, {"proposal": "nonsense", "action": "accept"}).status_code == 400
    assert ib_client.post(url, {"proposal": "afwegingskader_2019", "action": "edit", "value": "x"}).status_code == 400
    draft.refresh_from_db()
    assert draft.decisions == {}


def test_adopt_is_refused_while_a_proposal_waits_for_a_person(school, ib_client):
    upload(ib_client, school)
    draft = ConversionDraft.objects.get()
    response = ib_client.post(reverse("protocol:convert_store", args=[school.slug, draft.pk]),
                              {"action": "adopt", "confirm": "on"})
    assert response.status_code == 400
    assert not MeldcodeVersion.objects.filter(owner_school=school).exists()
    assert current_version(school) is None


def test_accepted_with_two_edits_the_draft_becomes_a_new_version_the_school_adopts(school, ib_client):
    upload(ib_client, school)
    draft = ConversionDraft.objects.get()
    decide = reverse("protocol:convert_decide", args=[school.slug, draft.pk])
    ib_client.post(decide, {"proposal": "template:names:care_team", "action": "edit", "value": "ondersteuningsteam"})
    ib_client.post(decide, {"proposal": "school_name", "action": "edit", "value": "O.B.S. De Linde"})
    ib_client.post(decide, {"action": "accept_all"})
    page = ib_client.get(reverse("protocol:convert_draft", args=[school.slug, draft.pk])).content.decode()
    assert "De controle keurt het concept goed." in page
    store = reverse("protocol:convert_store", args=[school.slug, draft.pk])
    assert ib_client.post(store, {"action": "adopt"}).status_code == 400  # the confirmation is not ticked
    assert current_version(school) is None
    response = ib_client.post(store, {"action": "adopt", "confirm": "on"})
    assert response.status_code == 302
    version = current_version(school)
    assert version.owner_school == school and version.version == "1"
    definition = version.definition()
    assert definition.names.report_point == "Veilig Thuis Utrecht"
    assert definition.names.care_team == "ondersteuningsteam"
    assert definition.title.endswith("O.B.S. De Linde")
    step3 = next(step for step in definition.steps if step.id == "3")
    assert step3.requires[0].roles_present == ("ib",)
    assert len(definition.afwegingskader) == 5  # the 2019 legal minimum, accepted with the rest
    assert Adoption.objects.get(school=school).adopted_by is not None
    actions = set(AuditEvent.objects.filter(school_id=school.pk).values_list("action", flat=True))
    assert {"meldcode.upload", "meldcode.adopt"} <= actions
    draft.refresh_from_db()
    assert draft.version == version
    # once stored, the draft does not change any more
    assert ib_client.post(decide, {"proposal": "school_name", "action": "reject"}).status_code == 302
    draft.refresh_from_db()
    assert draft.decisions["school_name"]["status"] == "edited"


def test_the_documents_sociale_kaart_goes_to_the_existing_importer(school, ib_client):
    text = de_linde_document().decode() + (
        "\nIII Sociale kaart van OBS De Linde\n\nOrganisatie: Veilig Thuis Utrecht\nTelefoonnummer: 0800-2000\n\n"
        "Organisatie: Politie\nTelefoonnummer: 0900-8844\n")
    upload(ib_client, school, text.encode())
    draft = ConversionDraft.objects.get()
    response = ib_client.post(reverse("protocol:convert_socialmap", args=[school.slug, draft.pk]))
    assert response.status_code == 302 and response.url == reverse("socialmap:import", args=[school.slug])
    preview = ib_client.get(response.url).content.decode()
    assert "Veilig Thuis Utrecht" in preview


def test_the_last_decision_through_htmx_brings_the_adopt_button_with_it(school, ib_client):
    upload(ib_client, school)
    draft = ConversionDraft.objects.get()
    decide = reverse("protocol:convert_decide", args=[school.slug, draft.pk])
    ib_client.post(decide, {"action": "accept_all"})
    response = ib_client.post(decide, {"proposal": "attends:3", "action": "reject", "number": "3"},
                              HTTP_HX_REQUEST="true")
    assert 'name="action" value="adopt"' in response.content.decode()
    draft_data = load_plain(ConversionDraft.objects.get().conversion().build())
    step3 = next(step for step in draft_data["steps"] if step["id"] == "3")
    assert "roles_present" not in step3["requires"][0]
