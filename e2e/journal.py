"""Page helpers for the dossier journeys: reading the guidance and filling entry forms like a person would."""

from playwright.sync_api import expect


def route_states(page) -> dict[str, str]:
    """The route diagram as {step id: state}, e.g. {"1": "done", "2": "current", ...}."""
    states = {}
    for step in page.locator(".route-step").all():
        state = next(c.removeprefix("state-") for c in step.get_attribute("class").split() if c.startswith("state-"))
        states[step.locator(".route-id").inner_text().strip()] = state
    return states


def current_step(page) -> str | None:
    current = page.locator('.route-step[aria-current="step"] .route-id')
    return current.inner_text().strip() if current.count() else None


def needs(page) -> list[str]:
    """The lines of the "Wat is er nog nodig?" box (requirements first, then advice)."""
    box = page.locator("section.guidance")
    expect(box.get_by_role("heading", name="Wat is er nog nodig?")).to_be_visible()
    return [line.strip() for line in box.locator("li").all_inner_texts()]


def open_entry_form(page, label: str):
    """Through the secondary menu ("Iets anders vastleggen"), opened first when it is closed."""
    menu = page.locator("details.more-actions")
    if menu.count() and not menu.evaluate("el => el.open"):
        menu.locator("summary").click()
    page.locator(".entry-menu").get_by_role("link", name=label, exact=True).click()
    expect(page.locator("h1")).to_contain_text(label)


def save_entry(page):
    """Save the form; a decision first shows its confirmation page, which is then confirmed."""
    check = page.get_by_role("button", name="Verder naar controleren")
    if check.count():
        check.click()
        expect(page.get_by_role("heading", name="Wat er gebeurt")).to_be_visible()
        page.get_by_role("button", name="Bevestigen", exact=False).first.click()
    else:
        page.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_text("Vastgelegd in het journaal.")).to_be_visible()


def fill_fields(page, values: dict[str, str]):
    """Fill form fields by their HTML name: text fields, selects, radio buttons and checkboxes."""
    for name, value in values.items():
        field = page.locator(f'[name="{name}"]')
        tag = field.first.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if tag.endswith(":radio"):
            page.locator(f'[name="{name}"][value="{value}"]').check()
        elif tag.endswith(":checkbox"):
            for item in value if isinstance(value, (list, tuple)) else [value]:
                page.locator(f'[name="{name}"][value="{item}"]').check()
        elif tag.startswith("select"):
            field.select_option(value)
        else:
            field.fill(value)


def notices(page) -> list[str]:
    """The warnings at the top of the guidance box, e.g. about refused consent or open hypotheses."""
    return [text.strip() for text in page.locator("section.guidance .notice strong").all_inner_texts()]


def outcome(page) -> str | None:
    """The outcome of the afwegingskader as the engine names it (report, start_help, ...), if any."""
    found = page.get_by_test_id("outcome")
    return found.get_attribute("data-outcome") if found.count() else None


def tasks(page) -> list[str]:
    return [text.strip() for text in page.locator('section[aria-labelledby="tasks-title"] li').all_inner_texts()]
