"""The Latent variables tab (playground/ui/latent_tab.py) in a real browser: a link restores the model and
the interpolation; a digit drawn on the sketchpad interpolates to a test digit."""
import re

import pytest
from browser_moves import TOAST, paint_stroke
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def draw_stroke(page, editor: str) -> None:
    """A vertical stroke, like a '1', on the editor's canvas."""
    paint_stroke(page, editor, (0.5, 0.2), (0.53, 0.8))


def test_link_restores_then_a_drawn_digit_interpolates(page, app_url):
    page.goto(app_url + "/?tab=latent&family=VAE+(beta+%3D+1)&size=2-D+latent&a=4&b=9&method=linear&frames=8")
    expect(page.get_by_role("tab", name="Latent variables", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("radio", name="linear", exact=True)).to_be_checked()
    expect(page.get_by_role("spinbutton", name="Frames")).to_have_value("8")
    note = page.locator("#latent-inter-note")
    expect(note).to_contain_text("linear interpolation in 8 frames", timeout=60_000)  # the link interpolated
    expect(page.locator("#latent-note")).to_contain_text("VAE (beta = 1), 2-D latent")
    expect(page.locator("#latent-samples img")).to_be_visible()
    expect(page.locator("#latent-map .js-plotly-plot")).to_be_visible()
    strip = page.locator("#latent-strip img")
    before = strip.get_attribute("src")

    page.locator("#latent-src-a").get_by_role("radio", name="drawing", exact=True).check()
    draw_stroke(page, "#latent-editor-a")
    page.get_by_role("radio", name="slerp", exact=True).check()  # runs on input: no drawing yet is fine too
    page.locator("#latent-interpolate").click()
    expect(note).to_contain_text("slerp interpolation in 8 frames")
    expect(note).to_contain_text("A: ")  # the drawing was read and converted (inverted to MNIST's ink)
    expect(strip).not_to_have_attribute("src", before or "")
    expect(page).to_have_url(re.compile(r"[?&]method=slerp(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]a_src=drawing"))
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors
