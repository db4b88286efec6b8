"""The Flow matching tab (playground/ui/flow_matching_tab.py) in a real browser: a share link draws the
three ODEs; moving the steps and the solver redraws."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PLOT, TABLE, TOAST = "#flow-plot", "#flow-table", "[data-testid='toast-body']"


def evaluations(page) -> str:
    """The 'network evaluations per particle' row of the comparison table."""
    return page.locator(f"{TABLE} tr", has_text="network evaluations").inner_text()


def test_link_draws_both_models_and_steps_redraw(page, app_url):
    page.goto(app_url + "/?tab=flow-matching&shape=spirals&steps=4&solver=heun&n=500&seed=1")
    tab = page.get_by_role("tab", name="Flow matching", exact=True)
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("radio", name="heun", exact=True)).to_be_checked()
    expect(page.get_by_role("spinbutton", name="ODE steps")).to_have_value("4")
    expect(page.locator(f"{TABLE} table")).to_be_visible(timeout=60_000)  # the first run loads both models
    assert re.search(r"\b8\b.*\b4\b", evaluations(page)), evaluations(page)  # heun: 2 evaluations per step
    expect(page.locator(f"{PLOT} .js-plotly-plot .scatterlayer .trace").first).to_be_attached()
    titles = page.locator(f"{PLOT} .annotation-text").all_text_contents()
    assert any("flow matching" in t for t in titles) and any("diffusion" in t for t in titles), titles

    box = page.get_by_role("spinbutton", name="ODE steps")
    box.fill("30")
    box.press("Enter")
    expect(page.locator(f"{TABLE} tr", has_text="network evaluations")).to_contain_text("60")
    expect(page).to_have_url(re.compile(r"[?&]steps=30(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]tab=flow-matching(&|$)"))

    page.get_by_role("radio", name="euler", exact=True).check()
    expect(page.locator(f"{TABLE} tr", has_text="network evaluations")).to_contain_text("30")
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors
