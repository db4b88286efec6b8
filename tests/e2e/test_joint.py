"""The Joint distributions tab (playground/ui/joint_tab.py) in a real browser: a link restores the sampling
and EM settings; moving the EM step changes the figure; the three pixel models sample side by side."""
import re

import pytest
from playwright.sync_api import expect

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
