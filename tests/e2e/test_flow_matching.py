"""The Flow matching tab (playground/ui/flow_matching_tab.py) in a real browser: a share link draws the
three ODEs; moving the steps and the solver redraws; each lesson's link restores its widgets, and picking a lesson
runs it and writes the link."""
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from playground.ui.flow_matching_tab import TABLE

pytestmark = pytest.mark.e2e

PLOT, TABLE_BOX, TOAST = "#flow-plot", "#flow-table", "[data-testid='toast-body']"
TABLE_ROW = f"{TABLE_BOX} tr:has-text('network evaluations')"


def evaluations(page) -> str:
    """The 'network evaluations per particle' row of the comparison table."""
    return page.locator(TABLE_ROW).inner_text()


def test_link_draws_both_models_and_steps_redraw(page, app_url):
    page.goto(app_url + "/?tab=flow-matching&shape=spirals&steps=4&solver=heun&n=500&seed=1")
    tab = page.get_by_role("tab", name="Flow matching", exact=True)
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("radio", name="heun", exact=True)).to_be_checked()
    expect(page.get_by_role("spinbutton", name="ODE steps")).to_have_value("4")
    expect(page.locator(f"{TABLE_BOX} table")).to_be_visible(timeout=60_000)  # the first run loads both models
    assert re.search(r"\b8\b.*\b4\b", evaluations(page)), evaluations(page)  # heun: 2 evaluations per step
    expect(page.locator(f"{PLOT} .js-plotly-plot .scatterlayer .trace").first).to_be_attached()
    titles = page.locator(f"{PLOT} .annotation-text").all_text_contents()
    assert any("flow matching" in t for t in titles) and any("diffusion" in t for t in titles), titles

    box = page.get_by_role("spinbutton", name="ODE steps")
    box.fill("30")
    box.press("Enter")
    expect(page.locator(TABLE_ROW)).to_contain_text("60")
    expect(page).to_have_url(re.compile(r"[?&]steps=30(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]tab=flow-matching(&|$)"))

    page.get_by_role("radio", name="euler", exact=True).check()
    expect(page.locator(TABLE_ROW)).to_contain_text("30")
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors


def lesson_link(table, name: str) -> str:
    """The link a lesson writes: `?tab=<id>&v=<version>` and every linked setting's value."""
    values = table.values(name)
    return "/?" + urlencode({"tab": table.tab_id, "v": table.version, "run": 0,
                             **{k: v for k, v in values.items() if table.settings[k].linked}})


def expect_widgets(page, table, values: dict) -> None:
    """Every linked setting's widget shows `values`, found by role and label as a user sees it."""
    panel = page.locator(f"#tab-{table.tab_id}")
    for key, setting in table.settings.items():
        value = values[key]
        if setting.kind == "slider":
            box = panel.get_by_role("spinbutton", name=f"number input for {setting.label}", exact=True)
            expect(box).to_have_value(f"{value:g}")
        elif setting.kind == "radio":
            expect(panel.get_by_role("radio", name=str(value), exact=True)).to_be_checked()
        else:  # number boxes and dropdowns
            expect(panel.get_by_label(setting.label, exact=True)).to_have_value(str(value))


def test_lesson_links_restore_their_widgets_then_a_lesson_runs_and_writes_the_link(page, app_url):
    for name in reversed(TABLE.lessons):  # "One step" last: its picture stays
        page.goto(app_url + lesson_link(TABLE, name))
        expect(page.get_by_role("tab", name="Flow matching", exact=True)).to_have_attribute("aria-selected", "true")
        expect_widgets(page, TABLE, TABLE.values(name))
    expect(page.locator(TABLE_ROW)).to_have_text(re.compile(r"particle\s+1\s+1\s+1\s*$"), timeout=60_000)  # drawn

    page.locator("#flow-matching-lesson input").click()
    page.get_by_role("option", name="Reflow still lands", exact=True).click()
    expect(page.locator("#flow-matching-lesson-note")).to_contain_text("straightness stays at 1.000")
    expect(page.locator(TABLE_ROW)).to_have_text(re.compile(r"particle\s+2\s+2\s+2\s*$"), timeout=60_000)
    expect(page.locator(f"{PLOT} .gtitle")).to_contain_text("moons: 2 steps")
    expect(page.locator(f"{PLOT} .js-plotly-plot .scatterlayer .trace").first).to_be_attached()
    for pair in ("shape=moons", "steps=2", "solver=euler", "v=1"):
        expect(page).to_have_url(re.compile(r"[?&]" + re.escape(pair) + r"(&|$)"))
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors
