"""The Inverse problems tab (playground/ui/inverse_tab.py) in a real browser: a link restores the settings and
restores its image at once; then a mask painted on the editor is filled, several samples, their mean and the
per-pixel spread map appear."""
import re

import pytest
from browser_moves import TOAST, paint_stroke, set_number
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_link_restores_then_a_painted_mask_is_inpainted(page, app_url):
    page.goto(app_url + "/?tab=inverse&index=3&region=centre+square&k=3&steps=15&seed=4")
    expect(page.get_by_role("tab", name="Inverse problems", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("radio", name="centre square", exact=True)).to_be_checked()
    expect(page.get_by_role("spinbutton", name="Samples")).to_have_value("3")
    status = page.locator("#inv-status")
    expect(status).to_contain_text("3 posterior samples of test image 3", timeout=90_000)  # the link ran
    expect(page.locator("#inv-spread .js-plotly-plot")).to_be_visible()
    expect(page.locator("#inv-scores")).to_contain_text("mean fill")

    paint_stroke(page, "#inv-editor", (0.15, 0.45), (0.85, 0.45))
    page.get_by_role("radio", name="painted region", exact=True).check()
    set_number(page, "Samples", "4")
    expect(page).to_have_url(re.compile(r"[?&]region=painted(\+|%20)region(&|$)"))
    page.locator("#inv-go").click()
    expect(status).to_contain_text("4 posterior samples of test image 3", timeout=90_000)
    expect(status).to_contain_text("every known pixel is kept")
    for box_id in ("#inv-observed", "#inv-samples", "#inv-mean"):
        expect(page.locator(f"{box_id} img")).to_be_visible()
    expect(page.locator("#inv-spread .gtitle")).to_contain_text("over 4 samples")
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors
