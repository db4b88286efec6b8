"""The Joint distributions tab (playground/ui/joint_tab.py) in a real browser: a link restores the sampling
and EM settings; moving the EM step changes the figure; the three pixel models sample side by side; each
lesson's link restores its widgets, and picking a lesson runs EM and writes the link."""
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from playground.ui.joint_tab import TABLE

pytestmark = pytest.mark.e2e


def test_link_restores_then_em_steps_and_pixel_models(page, app_url):
    page.goto(app_url + "/?tab=joint&probs=1+3&draws=400&data=moons&k=3&cov=diag&iters=20&step=2")
    expect(page.get_by_role("tab", name="Joint distributions", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Probabilities (one p for a Bernoulli, or weights)")).to_have_value("1 3")
    expect(page.get_by_role("radio", name="diag", exact=True)).to_be_checked()
    gmm_note = page.locator("#gmm-note")
    expect(gmm_note).to_contain_text("Step 2 of 20", timeout=60_000)  # the link drew the EM step
    expect(gmm_note).to_contain_text("K = 3 diag components")
    expect(page.locator("#joint-draws")).to_contain_text("First draws")
    expect(page.locator("#gmm-figure .js-plotly-plot")).to_be_visible()
    before = gmm_note.inner_text()

    step = page.get_by_role("spinbutton", name="Show EM step")
    step.fill("15")
    step.press("Enter")
    expect(gmm_note).to_contain_text("Step 15 of 20")
    assert gmm_note.inner_text() != before
    expect(page).to_have_url(re.compile(r"[?&]step=15(&|$)"))

    page.locator("#joint-models-go").click()
    expect(page.locator("#joint-models-note")).to_contain_text("NLL on the first", timeout=90_000)
    for box in ("#joint-independent", "#joint-markov", "#joint-pixelcnn"):
        expect(page.locator(f"{box} img")).to_be_visible()
    expect(page.locator("#joint-table")).to_contain_text("1,567")
    assert not page.js_errors, page.js_errors


def lesson_link(table, name: str) -> str:
    """The link a lesson writes: `?tab=<id>&v=<version>` and every linked setting's value."""
    values = table.values(name)
    return "/?" + urlencode({"tab": table.tab_id, "v": table.version, "run": 0,
                             **{k: v for k, v in values.items() if table.settings[k].linked and v != ""}})


def expect_widgets(page, table, values: dict) -> None:
    """Every linked setting's widget in the tab shows `values` (found by role and label, as a user sees it)."""
    panel = page.locator(f"#tab-{table.tab_id}")
    for key, setting in table.settings.items():
        if not setting.linked:
            continue
        value = values[key]
        if setting.kind == "slider":
            expect(panel.get_by_role("spinbutton", name=setting.label)).to_have_value(f"{value:g}")
        elif setting.kind == "radio":
            expect(panel.get_by_role("radio", name=str(value), exact=True)).to_be_checked()
        else:  # number and seed boxes, dropdowns, text
            expect(panel.get_by_label(setting.label, exact=True)).to_have_value(str(value))


def test_lesson_links_restore_their_widgets_then_picking_a_lesson_runs_em_and_writes_the_link(page, app_url):
    for name in TABLE.lessons:  # the last one stays open
        page.goto(app_url + lesson_link(TABLE, name))
        expect(page.get_by_role("tab", name="Joint distributions", exact=True)).to_have_attribute("aria-selected", "true")
        expect_widgets(page, TABLE, TABLE.values(name))
    gmm_note = page.locator("#gmm-note")
    expect(gmm_note).to_contain_text("K = 10 full components", timeout=60_000)  # the link drew its EM step

    page.locator("#joint-lesson input").click()
    page.get_by_role("option", name="EM from a bad start", exact=True).click()
    expect(page.locator("#joint-lesson-note")).to_contain_text("poor local optimum")
    expect(gmm_note).to_contain_text("K = 8 full components", timeout=60_000)
    expect(gmm_note).to_contain_text("Step 100 of 100: mean log-likelihood -1.961")
    expect(page.locator("#gmm-figure .js-plotly-plot")).to_be_visible()
    for pair in ("data=8+gaussians", "k=8", "gseed=103", "iters=100", "step=100", "v=1"):
        expect(page).to_have_url(re.compile(r"[?&]" + re.escape(pair) + r"(&|$)"))
    assert not page.js_errors, page.js_errors
