"""The Inverse problems tab (playground/ui/inverse_tab.py) in a real browser: a link restores the settings and
restores its image at once; then a mask painted on the editor is filled, several samples, their mean and the
per-pixel spread map appear. Each lesson's link restores its widgets; picking a lesson runs it and writes the link."""
import re
from urllib.parse import urlencode

import pytest
from browser_moves import TOAST, paint_stroke, set_number
from playwright.sync_api import expect

from playground.ui.inverse_tab import TABLE

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


def lesson_link(name: str) -> str:
    """The link a lesson writes: `?tab=inverse&v=<version>` and every linked setting's value."""
    values = TABLE.values(name)
    return "/?" + urlencode({"tab": TABLE.tab_id, "v": TABLE.version, "run": 0,
                             **{k: v for k, v in values.items() if TABLE.settings[k].linked}})


def expect_widgets(page, values: dict) -> None:
    """Every setting's widget shows `values` (found by role and label; the accordion's settings once it is open)."""
    panel = page.locator(f"#tab-{TABLE.tab_id}")
    for key, setting in TABLE.settings.items():
        if setting.kind == "slider":
            box = panel.get_by_role("spinbutton", name=f"number input for {setting.label}", exact=True)
            expect(box).to_have_value(f"{values[key]:g}")
        elif setting.kind == "radio":
            expect(panel.get_by_role("radio", name=values[key], exact=True)).to_be_checked()
        else:  # the number and seed boxes, the class dropdown
            expect(panel.get_by_label(setting.label, exact=True)).to_have_value(str(values[key]))


def test_lesson_links_restore_their_widgets_then_picking_a_lesson_runs_it_and_writes_the_link(page, app_url):
    for name in TABLE.lessons:
        page.goto(app_url + lesson_link(name))
        expect(page.get_by_role("tab", name="Inverse problems", exact=True)).to_have_attribute("aria-selected", "true")
        page.get_by_role("button", name="More settings").click()
        expect_widgets(page, TABLE.values(name))

    page.goto(app_url + "/?tab=inverse")
    page.locator("#inverse-lesson input").click()
    page.get_by_role("option", name="A hole the rest explains", exact=True).click()
    expect(page.locator("#inverse-lesson-note")).to_contain_text("the visible half already says 5")
    expect(page.locator("#inv-status")).to_contain_text("8 posterior samples of test image 23", timeout=90_000)
    for box_id in ("#inv-observed", "#inv-samples", "#inv-mean"):
        expect(page.locator(f"{box_id} img")).to_be_visible()
    expect(page.locator("#inv-spread .gtitle")).to_contain_text("over 8 samples")
    for pair in ("tab=inverse", "v=1", "index=23", "region=left(\\+|%20)half", "k=8"):
        expect(page).to_have_url(re.compile(r"[?&]" + pair + r"(&|$)"))
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors
