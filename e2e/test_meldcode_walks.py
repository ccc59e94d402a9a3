"""Each shipped meldcode (landelijk-2019, jso-2010, de-sprong) and the example De Vlinder walk a case through their
steps in the browser (issue 13), and at each step the case page quotes that school's own guidance, role rules and
checklist from its file, and its forms use the school's names (report point, care team, acute route)."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from cases.models import Case
from e2e.journal import fill_fields, open_entry_form, save_entry
from protocol.definition import shipped_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VLINDER = shipped_path("landelijk-2019").parent / "examples" / "de-vlinder.yaml"

# Sentences only that school's file has (quoted from the YAML), by step: the guidance must quote them there.
OWN_SENTENCES = {
    "landelijk-2019": {"1": "Observeer de leerling en leg signalen direct vast: datum, plaats, situatie en wie er nog "
                            "bij waren."},
    "jso-2010": {"2": "Bespreek de signalen met de intern begeleider, de directie, de aandachtsfunctionaris, een "
                      "collega of de jeugdarts of jeugdverpleegkundige, en zo nodig in het zorgadviesteam of met het "
                      "Centrum voor Jeugd en Gezin.",
                 "4": "Het basisonderwijs gebruikt geen risicotaxatie-instrument."},
    "de-sprong": {"2": "Bespreek de signalen met de IB.",
                  "3": "Bespreek de signalen met de ouder en doe dit samen met de ib'er.",
                  "5": "Kunt u dat niet, of twijfelt u daaraan, meld dan bij Veilig Thuis Drenthe (5b)."},
    "de-vlinder": {},
}
# The care team as the consultation form offers it, and the acute route as the case page's button names it.
CARE_TEAM_CHOICE = {"landelijk-2019": "Het zorgteam", "jso-2010": "Het zorgadviesteam (ZAT)",
                    "de-sprong": "Het zorgadviesteam", "de-vlinder": "Het RET (regionaal expertiseteam)"}
ACUTE_BUTTON = {"landelijk-2019": "Acuut gevaar", "jso-2010": "Noodsituatie", "de-sprong": "Noodsituatie",
                "de-vlinder": "Acuut gevaar"}
REPORT_POINT = {"landelijk-2019": "Veilig Thuis", "jso-2010": "Veilig Thuis", "de-sprong": "Veilig Thuis Drenthe",
                "de-vlinder": "Veilig Thuis Utrecht"}


def flat(text: str) -> str:
    return " ".join(text.split())


def version_for(key, school, people):
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions, store_version

    if key == "de-vlinder":
        version = store_version(VLINDER.read_text(encoding="utf-8"), filename="de-vlinder.yaml", school=school,
                                uploaded_by=people[Role.DIRECTIE])
    else:
        ensure_shipped_versions()
        version = MeldcodeVersion.objects.get(key=key, owner_school__isnull=True, owner_board__isnull=True)
    if not version.legal_problems():
        adopt(school, version, people[Role.DIRECTIE])
    return version


def assert_step_guidance(page, case, key):
    """The case page shows the current step's own guidance, role rules and checklist, quoting the school's file."""
    case.refresh_from_db()
    step = case.definition().step(case.current_step)
    section = page.get_by_test_id("step-guidance")
    expect(section).to_have_attribute("data-step", step.id)
    text = flat(section.inner_text())
    assert flat(step.guidance) in text, (key, step.id)
    for line in (*step.role_rules, *step.actions):
        assert flat(line) in text, (key, step.id, line)
    own = OWN_SENTENCES[key].get(step.id)
    if own:
        assert own in text, (key, step.id, own)
    return step.id


@pytest.mark.parametrize("key", ["landelijk-2019", "jso-2010", "de-sprong", "de-vlinder"])
def test_a_case_walks_the_schools_own_meldcode_with_its_own_words_at_each_step(key, signed_in, people, school, pupil):
    version = version_for(key, school, people)
    ib = people[Role.IB]
    page = signed_in(ib)
    if version.legal_problems():
        # A meldcode short of the legal minimum cannot be adopted (issue 13); its cases still run as written.
        case = Case.objects.create(school=school, pupil=pupil, meldcode_version=version, opened_by=ib, coordinator=ib)
        case.members.create(user=ib)
        page.goto(f"/dossiers/d/{case.reference}/")
    else:
        page.goto(f"/dossiers/{school.slug}/nieuw/")
        fill_fields(page, {"pupil": str(pupil.pk)})
        page.get_by_role("button", name="Dossier openen").click()
        case = Case.objects.get(pupil=pupil)
        assert case.meldcode_version == version
        page.goto(f"/dossiers/d/{case.reference}/")
    expect(page.get_by_role("link", name=ACUTE_BUTTON[key], exact=True)).to_be_visible()

    # Step 1: the signal.
    assert assert_step_guidance(page, case, key) == "1"
    open_entry_form(page, "Signaal of observatie")
    fill_fields(page, {"place": "Gymzaal", "situation": "Bij het omkleden.", "observation": "Blauwe plekken.",
                       "is_hypothesis": "0"})
    save_entry(page)

    # Step 2: the consultation offers the school's care team and report point by the school's names.
    assert assert_step_guidance(page, case, key) == "2"
    open_entry_form(page, "Consultatie")
    options = [flat(o) for o in page.locator('[name="with_"] option').all_inner_texts()]
    assert CARE_TEAM_CHOICE[key] in options and REPORT_POINT[key] in options, options
    fill_fields(page, {"with_": "colleague", "colleague_role": "leerkracht", "anonymous": "0",
                       "question": "Wat ziet de leerkracht?", "advice": "Het gesprek met de ouder voorbereiden."})
    save_entry(page)

    # Step 3: the parent conversation.
    assert assert_step_guidance(page, case, key) == "3"
    open_entry_form(page, "Gespreksverslag")
    fill_fields(page, {"purpose": "parent", "participants": "Anna de Vries, moeder\nIB Test, intern begeleider",
                       "roles_present": ["ib", "leerkracht"], "purpose_explained": "Wij maken ons zorgen.",
                       "facts_presented": "De blauwe plekken.", "reaction": "Moeder zegt dat Sanne viel."})
    save_entry(page)

    # Step 4 (weighing) where the file still asks for something there, else the decision of step 5 (De Sprong's
    # step 4 only asks that hypotheses are resolved): the school's own words for it.
    assert assert_step_guidance(page, case, key) in ("4", "5")

    # The acute page quotes the school's own acute route, with the national numbers beside it.
    page.goto(f"/dossiers/d/{case.reference}/acuut/")
    acute = case.definition().routes.acute
    expect(page.locator("h1")).to_have_text(ACUTE_BUTTON[key])
    assert flat(acute.guidance) in flat(page.get_by_test_id("school-acute-route").inner_text())
    expect(page.locator('main a[href="tel:112"]')).to_have_count(1)
