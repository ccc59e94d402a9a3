"""Every form has the error summary at the top (GOV.UK / NL Design System pattern), labels without colons and
"(niet verplicht)" on optional fields.

Two checks: every template with a POST form that renders fields carries the shared summary (so that a new
hand-written form without one is caught, whatever its URL), and for the forms the coordinator, directie, privacy
officer and the signal-only roles fill in by hand (the table FORMS below) an invalid submission gives a 400, a
summary that links to each invalid field, and stores nothing.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.reauth import SESSION_KEY as REAUTH_KEY
from accounts.roles import Role
from core.testing import with_key
from documents.tests.conftest import add_entry, adopted, make_case  # noqa: F401

pytestmark = pytest.mark.django_db

# Ways a template includes the shared summary: the form include (which starts with it) or the summary itself.
SHARED_SUMMARY = ("includes/form.html", "includes/error_summary.html")
# A POST form that shows fields of a Django form (as opposed to a button with hidden inputs only).
RENDERS_FIELDS = re.compile(r"\{\{\s*[a-z_]*form\.[a-z_]+|\{%\s*field_input|\{\{\s*field\b"
                            r"|\{\{\s*(withhold|ground|reason)\.(label|errors|id_for_label)")


def _templates():
    base = Path(settings.BASE_DIR)
    for path in base.rglob("*.html"):
        if not {"node_modules", ".venv", "static", "e2e"} & set(path.relative_to(base).parts):
            yield path


def test_every_template_with_a_post_form_that_shows_fields_carries_the_shared_error_summary():
    missing = []
    for path in _templates():
        text = path.read_text()
        if 'method="post"' not in text or path.name in ("form.html", "error_summary.html") and "includes" in path.parts:
            continue
        if RENDERS_FIELDS.search(text) and not any(name in text for name in SHARED_SUMMARY):
            missing.append(str(path))
    assert missing == []


def test_no_template_renders_a_label_with_django_s_colon():
    # label_tag adds ':' after the label (Django's label_suffix); the house style has labels without colons.
    assert [str(path) for path in _templates() if "label_tag" in path.read_text()] == []


# --- behaviour: an invalid submission per hand-written form ------------------------------------------------------

def _inspection(world):
    client, case, entry = world["exporting"](world["people"][Role.IB]), world["case"], world["entry"]
    return client, reverse("documents:inspection", args=[case.reference]), {
        "for_whom": "", f"withhold_{entry.pk}": "on", f"ground_{entry.pk}": "", f"reason_{entry.pk}": ""}, [
        "id_for_whom", f"id_ground_{entry.pk}", f"id_reason_{entry.pk}"], lambda: case.inspections.count()


def _information_answer(world):
    from inquiries.models import InformationRequest

    case, entry = world["case"], world["entry"]
    inquiry = InformationRequest.objects.create(
        case=case, recorded_by=world["people"][Role.IB], requester_kind="raad", requester="Raad Noord",
        legal_basis="bw_1_240", asked="Hoe gaat het op school?", received_on=timezone.localdate(),
        parents_told="not", not_told_reason="Gevaar voor het kind.")
    client = world["exporting"](world["people"][Role.IB])
    return client, reverse("inquiries:answer", args=[case.reference, inquiry.pk]), {
        f"ground_{entry.pk}": "third_party", f"reason_{entry.pk}": "",
        "answered_on": "geen datum"}, [f"id_reason_{entry.pk}", "id_answered_on"], \
        lambda: InformationRequest.objects.exclude(answered_on=None).count()


def _protocol_upload(world):
    from protocol.models import MeldcodeVersion

    school = world["school"]
    return world["client"](world["people"][Role.DIRECTIE]), reverse("protocol:versions", args=[school.slug]), {
        "action": "upload", "text": ""}, ["form-errors"], lambda: MeldcodeVersion.objects.count()


def _protocol_adopt(world):
    from protocol.models import Adoption, MeldcodeVersion

    school = world["school"]
    other = MeldcodeVersion.objects.exclude(pk=world["case"].meldcode_version_id).first()
    assert other is not None
    return world["client"](world["people"][Role.DIRECTIE]), reverse("protocol:versions", args=[school.slug]), {
        "action": "adopt", "version": other.pk}, ["id_confirm"], lambda: Adoption.objects.count()


def _pupil_search(world):
    from schools.models import Pupil

    school = world["school"]
    return world["client"](world["people"][Role.IB]), reverse("schools:pupils", args=[school.slug]), {
        "q": "Sanne", "status": "verzonnen"}, ["id_status"], lambda: Pupil.objects.count()


def _socialmap_organisation(world):
    from socialmap.models import Organisation

    school = world["school"]
    return world["client"](world["people"][Role.IB]), reverse("socialmap:create", args=[school.slug]), {
        "name": "", "phones-TOTAL_FORMS": "2", "phones-INITIAL_FORMS": "0", "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "10", "phones-0-number": "geen nummer", "phones-0-note": "",
        "phones-1-number": "", "phones-1-note": ""}, ["id_name", "id_phones-0-number"], \
        lambda: Organisation.objects.count()


def _socialmap_import(world):
    from socialmap.models import Organisation
    from socialmap.parser import ParsedOrganisation
    from socialmap.views import SESSION_KEY

    school = world["school"]
    client = world["client"](world["people"][Role.DIRECTIE])
    session = client.session
    session[SESSION_KEY] = {"school": school.pk, "filename": "meldcode.docx", "organisations": [
        ParsedOrganisation(name="Veilig Thuis Noord", phones=[("0800-2000", "")]).to_json()]}
    session.save()
    return client, reverse("socialmap:import", args=[school.slug]), {
        "action": "confirm", "rows-TOTAL_FORMS": "1", "rows-INITIAL_FORMS": "1", "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000", "rows-0-decision": "", "rows-0-name": "Veilig Thuis Noord",
        "rows-0-email": "geen-adres"}, ["id_rows-0-decision_0", "id_rows-0-email"], \
        lambda: Organisation.objects.count()


def _own_signal(world):
    from cases.models import Entry

    school = world["school"]
    return world["client"](world["people"][Role.STAGIAIR]), reverse("mysignals:own", args=[school.slug]), \
        with_key({"pupil": "", "observation": "", "occurred_at": ""}), ["id_pupil", "id_observation"], \
        lambda: Entry.objects.count()


def _recorded_signal(world):
    from cases.models import Entry

    school = world["school"]
    return world["client"](world["people"][Role.LEERKRACHT]), reverse("cases:signal", args=[school.slug]), \
        with_key({"action": "save", "leerling": "", "observation": ""}), ["pupil-q", "id_observation"], \
        lambda: Entry.objects.count()


def _information_request(world):
    from inquiries.models import InformationRequest

    case = world["case"]
    return world["client"](world["people"][Role.IB]), reverse("inquiries:new", args=[case.reference]), \
        with_key({"requester": "", "asked": ""}), ["id_requester", "id_asked"], \
        lambda: InformationRequest.objects.count()


def _conversion_upload(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from protocol.models import ConversionDraft

    school = world["school"]
    return world["client"](world["people"][Role.IB]), reverse("protocol:convert", args=[school.slug]), {
        "document": SimpleUploadedFile("meldcode.pdf", b"%PDF-1.4 kapot")}, ["id_document"], \
        lambda: ConversionDraft.objects.count()


# (name, builder): the builder gives the client of the role that uses the form, the URL, the invalid data, the
# ids the summary must link to, and a count of what a valid submission would have stored.
FORMS = [
    ("inspection review", _inspection),
    ("answer to an information request", _information_answer),
    ("protocol version upload", _protocol_upload),
    ("protocol version adoption", _protocol_adopt),
    ("pupil search", _pupil_search),
    ("sociale kaart organisation", _socialmap_organisation),
    ("sociale kaart import", _socialmap_import),
    ("mijn signalen", _own_signal),
    ("signal by a teacher", _recorded_signal),
    ("information request", _information_request),
    ("meldcode conversion upload", _conversion_upload),
]

# Optional fields that are required in a combination, which the form says in its own words: the grounds and reasons
# when an entry is withheld, and the upload that needs either a file or pasted text.
CONDITIONAL = re.compile(r"^(ground_|reason_)\d+$|^(file|text)$")


@pytest.fixture
def world(school, pupil, people, make_case, add_entry, verified_client):  # noqa: F811
    from protocol.models import MeldcodeVersion, ensure_shipped_versions

    ensure_shipped_versions()
    assert MeldcodeVersion.objects.count() > 1
    case = make_case(pupil)

    def exporting(user):
        client = verified_client(user)
        session = client.session
        session[REAUTH_KEY] = timezone.now().timestamp()
        session.save()
        return client

    return {"school": school, "people": people, "case": case, "entry": add_entry(case, people[Role.IB]),
            "client": verified_client, "exporting": exporting}


def _summary(page: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert match, "no error summary"
    return match.group(0)


def _labels(page: str) -> dict[str, str]:
    return {for_id: re.sub(r"<[^>]+>", "", text).strip()
            for for_id, text in re.findall(r'<label[^>]*\bfor="([^"]+)"[^>]*>(.*?)</label>', page, re.S)}


@pytest.mark.parametrize("name,build", FORMS, ids=[name for name, _build in FORMS])
def test_an_invalid_submission_gets_a_400_an_error_summary_linking_each_field_and_stores_nothing(world, name,
                                                                                                  build):
    client, url, data, invalid_ids, stored = build(world)
    before = stored()
    response = client.post(url, data)
    assert response.status_code == 400, name
    page = response.content.decode()
    summary = _summary(page)
    assert page.count('class="error-summary"') == 1
    links = re.findall(r'href="#([^"]+)"', summary)
    for field_id in invalid_ids:
        assert field_id in links, f"{name}: no link to {field_id}"
    for target in links:
        assert f'id="{target}"' in page, f"{name}: the summary links to #{target}, which is not on the page"
    assert stored() == before, name
    # Labels without colons, and "(niet verplicht)" on optional fields.
    labels = _labels(page)
    assert [text for text in labels.values() if text.endswith(":")] == [], name
    forms = [form for key in ("form", "search", "upload", "pupil_form") if (form := response.context.get(key)) is not None]
    for formset_key in ("phones", "preview"):
        forms += list(response.context.get(formset_key) or [])
    assert forms, name
    for form in forms:
        for field in form.visible_fields():
            widget = field.field.widget
            if (field.field.required or getattr(widget, "input_type", "") in ("checkbox", "radio")
                    or CONDITIONAL.match(field.name) or getattr(field.field, "required_when", False)):
                continue  # required with some answers only: the hint says when (core.templatetags.forms)
            label = labels.get(field.id_for_label, "")
            if label:
                assert label.endswith("(niet verplicht)"), f"{name}: {field.name} is optional: {label!r}"


# --- the sweep: every page in the URLconf -------------------------------------------------------------------------

def _named_urls(resolver=None, namespace="", kwargs=()):
    """(name, keyword arguments) of every named URL in the URLconf."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for entry in (resolver or get_resolver()).url_patterns:
        names = (*kwargs, *getattr(entry.pattern, "converters", {}).keys())
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_urls(entry, inner, names)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", names


VISIBLE_FIELD = re.compile(r'<(textarea|select)\b|<input\b(?![^>]*type="(hidden|submit|button)")', re.S)


def test_every_page_in_the_urlconf_that_refuses_an_empty_form_shows_one_summary_linking_its_fields(world):
    """For each role that fills in forms, every page of the URLconf it can open with a form of its own gets an empty
    POST; a refusal (400) must come with one error summary whose links all land on the page."""
    school, case = world["school"], world["case"]
    values = {"school_slug": school.slug, "reference": case.reference, "slug": school.slug}
    checked = set()
    for role in (Role.IB, Role.DIRECTIE, Role.PRIVACY, Role.BEHEER, Role.STAGIAIR):
        client = world["exporting"](world["people"][role])
        for name, kwarg_names in _named_urls():
            if set(kwarg_names) - set(values) or name.startswith(("admin:", "accounts:", "two_factor")):
                continue
            url = reverse(name, kwargs={key: values[key] for key in kwarg_names})
            page = client.get(url)
            if page.status_code != 200 or page.streaming or not page["Content-Type"].startswith("text/html"):
                continue
            if 'method="post"' not in page.content.decode() \
                    or not VISIBLE_FIELD.search(page.content.decode()):
                continue
            # What a browser sends for an untouched form: never an empty body (the CSRF token, the idempotency key).
            response = client.post(url, with_key({"csrfmiddlewaretoken": "untouched"}))
            if response.status_code != 400:
                continue
            checked.add(name)
            html = response.content.decode()
            assert html.count('class="error-summary"') == 1, f"{role} {name}"
            for target in re.findall(r'href="#([^"]+)"', _summary(html)):
                assert f'id="{target}"' in html, f"{role} {name}: #{target}"
    # The sweep is not empty: the pages of the table above that take an empty POST are among what it checked.
    assert {"protocol:versions", "mysignals:own", "socialmap:create"} <= checked, checked
