"""Exporting a dossier: re-authentication first, then the PDF is made and can be downloaded once."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Case, CaseMember, Route
from e2e.conftest import PASSWORD, current_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(adopted, pupil, people):
    from cases.models import Entry, record_entry

    case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=adopted, route=Route.REGULAR,
                               opened_by=people[Role.IB], coordinator=people[Role.IB])
    CaseMember.objects.create(case=case, user=people[Role.IB])
    entry = Entry.objects.create(case=case, kind="signal", author=people[Role.IB],
                                 content={"place": "Gymzaal", "situation": "Omkleden",
                                          "observation": "Blauwe plekken op de armen."},
                                 facts={"is_hypothesis": False, "has_source": False})
    record_entry(entry)
    return case


def test_an_export_asks_to_confirm_who_you_are_and_then_delivers_the_pdf_once(signed_in, people, case):
    ib = people[Role.IB]
    page = signed_in(ib)
    page.goto(f"/dossiers/d/{case.reference}/")
    page.get_by_role("link", name="Samenvatting voor Veilig Thuis").click()

    expect(page.get_by_role("heading", name="Bevestig dat u het bent")).to_be_visible()
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Code").fill(current_totp(ib, steps_ahead=1))
    page.get_by_role("button", name="Bevestigen").click()

    page.get_by_role("button", name="Maak de pdf").click()
    expect(page.get_by_text("Het document is klaar.")).to_be_visible(timeout=30_000)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download de pdf").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert case.pupil.last_name.lower().replace(" ", "") not in download.suggested_filename.lower()
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    actions = set(AuditEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))
    assert {"export.download"} <= actions
    assert AuditEvent.objects.filter(action="auth.reauth", actor_id=ib.pk).exists()

    page.reload()
    expect(page.get_by_text("Dit document is al gedownload en daarna verwijderd.")).to_be_visible()
