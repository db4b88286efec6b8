"""The Imputation lab tab (playground/ui/imputation_tab.py) in a real browser: a link restores the settings and
imputes at once; a cell typed as NA becomes one more gap; a non-numeric cell is a clear error; changing the
mechanism rewrites the link and the results; each lesson's link restores its widgets, and picking a lesson sets
them, imputes and writes the link."""
import json
import re
from urllib.parse import parse_qs, quote, urlencode, urlparse

import pytest
from playwright.sync_api import expect

from playground.ui.imputation_tab import METHODS, TABLE

pytestmark = pytest.mark.e2e


def _type_in_cell(page, row: int, col: int, text: str) -> None:
    cell = page.locator(f"#imp-table [data-testid='cell-{row}-{col}']")
    cell.dblclick()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    expect(cell).to_contain_text(text)  # the edit is in the table before anything reads it


def test_link_restores_then_impute_edit_and_change_mechanism(page, app_url):
    methods = quote(json.dumps(["mean", "stochastic regression", "GMM multiple imputation"]))
    page.goto(app_url + f"/?tab=imputation&mech=MAR&rate=0.2&m=4&k=1&x=bp&y=s5&methods={methods}")
    expect(page.get_by_role("tab", name="Imputation lab", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("radio", name="MAR", exact=True)).to_be_checked()
    expect(page.get_by_role("spinbutton", name="Missing rate")).to_have_value("0.2")
    expect(page.get_by_role("spinbutton", name="Imputations m")).to_have_value("4")
    expect(page.get_by_label("Column x (scatter, correlation, slope)")).to_have_value("bp")
    expect(page.get_by_role("checkbox", name="MIWAE multiple imputation")).not_to_be_checked()
    status, stats = page.locator("#imp-status"), page.locator("#imp-stats")
    expect(status).to_contain_text("missing cells imputed", timeout=60_000)  # the link imputed at once
    expect(page.locator("#imp-made")).to_contain_text("removed MAR")
    gaps = int(re.search(r"(\d+) missing cells", status.inner_text()).group(1))

    _type_in_cell(page, 0, 1, "NA")  # one more gap, typed in the browser
    page.locator("#imp-go").click()
    expect(status).to_contain_text(f"{gaps + 1} missing cells imputed")
    expect(stats).to_contain_text("correlation of bp and s5")
    expect(stats).to_contain_text("GMM multiple imputation")
    expect(page.locator("#imp-scatter .js-plotly-plot")).to_be_visible()
    expect(page.locator("#imp-forest .js-plotly-plot")).to_be_visible()
    before = stats.inner_text()

    _type_in_cell(page, 0, 2, "abc")
    page.locator("#imp-go").click()
    expect(page.get_by_text("Column 's5' has a non-numeric value 'abc' in row 1")).to_be_visible(timeout=60_000)

    page.get_by_role("radio", name="MNAR", exact=True).check()  # a new table is made and imputed
    expect(page).to_have_url(re.compile(r"[?&]mech=MNAR(&|$)"))
    expect(page.locator("#imp-made")).to_contain_text("removed MNAR")
    expect(stats).not_to_have_text(before, timeout=60_000)
    expect(status).to_contain_text("missing cells imputed")
    assert not page.js_errors, page.js_errors


def test_impute_waits_for_the_first_table(page, app_url):
    """Opening the lab makes its first table; Impute is unavailable until the table is there (pressed earlier it
    answered 'The table is empty' before the table appeared)."""
    page.goto(app_url)
    page.get_by_role("tab", name="Imputation lab", exact=True).click()
    go = page.locator("#imp-go")
    go.click()  # Playwright waits until the button is enabled: that is, until the table exists
    expect(page.locator("#imp-table [data-testid='cell-0-0']")).not_to_have_text("")
    expect(page.locator("#imp-status")).to_contain_text("missing cells imputed", timeout=60_000)
    expect(page.get_by_text("The table is empty")).to_have_count(0)
    assert not page.js_errors, page.js_errors


def link_text(value) -> str:
    """A value as the page's script writes it into the link (a list as JSON)."""
    return json.dumps(value, separators=(",", ":")) if isinstance(value, list) else str(value)


def lesson_link(name: str) -> str:
    values = TABLE.values(name)
    return "/?" + urlencode({"tab": TABLE.tab_id, "v": TABLE.version, "run": 0,
                             **{k: link_text(v) for k, v in values.items() if TABLE.settings[k].linked}})


def test_each_lesson_link_restores_its_widgets_then_picking_a_lesson_imputes(page, app_url):
    """One page per lesson link (MNAR first: its MIWAE runs while the others load); on the last one, MCAR's, pick
    the MAR lesson: it sets the widgets, makes and imputes its table and writes its link."""
    order = ["MNAR fools every method", "MAR: regression repairs what the mean breaks",
             "MCAR: the mean survives, the spread does not"]
    assert sorted(order) == sorted(TABLE.lessons)
    for name in order:
        values = TABLE.values(name)
        page.goto(app_url + lesson_link(name))
        expect(page.get_by_role("tab", name="Imputation lab", exact=True)).to_have_attribute("aria-selected", "true")
        expect(page.get_by_role("radio", name=values["mech"], exact=True)).to_be_checked()
        expect(page.get_by_role("radio", name=values["table"], exact=True)).to_be_checked()
        expect(page.get_by_role("spinbutton", name="Missing rate")).to_have_value(f"{values['rate']:g}")
        expect(page.get_by_role("spinbutton", name="Imputations m")).to_have_value(str(values["m"]))
        for method in METHODS:
            box = expect(page.get_by_role("checkbox", name=method, exact=True))
            box.to_be_checked() if method in values["methods"] else box.not_to_be_checked()
        expect(page.get_by_label("Column x (scatter, correlation, slope)")).to_have_value(values["x"])

    name = "MAR: regression repairs what the mean breaks"
    status = page.locator("#imp-status")
    expect(page.locator("#imp-made")).to_contain_text("removed MCAR", timeout=60_000)  # the MCAR link's own table
    expect(status).to_contain_text("missing cells imputed", timeout=60_000)
    page.locator("#imputation-lesson input").click()
    page.get_by_role("option", name=name).click()
    expect(page.locator("#imputation-lesson-note")).to_contain_text("blood pressure")
    expect(page.locator("#imp-made")).to_contain_text("removed MAR", timeout=60_000)
    expect(status).to_contain_text("regression", timeout=60_000)  # the lesson's three methods
    expect(status).not_to_contain_text("MIWAE")
    expect(page.locator("#imp-stats")).to_contain_text("slope of progression on bmi")
    expect(page.locator("#imp-forest .js-plotly-plot")).to_be_attached()
    expect(page).to_have_url(re.compile(r"[?&]mech=MAR(&|$)"))
    query = parse_qs(urlparse(page.url).query)
    for key, value in TABLE.lessons[name].values.items():
        assert (json.loads(query[key][0]) if isinstance(value, list) else query[key][0]) == value, key
    assert not page.js_errors, page.js_errors
