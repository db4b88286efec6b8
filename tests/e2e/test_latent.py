"""The Latent variables tab (playground/ui/latent_tab.py) in a real browser: a link restores the model and
the interpolation; a digit drawn on the sketchpad interpolates to a test digit; each lesson's link restores its
widgets, and picking a lesson sets them, draws and writes the link."""
import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from browser_moves import TOAST, paint_stroke
from playwright.sync_api import expect

from playground.ui.latent_tab import TABLE

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


def lesson_link(name: str) -> str:
    """The link a lesson writes: ?tab=latent&v=1 and its linked settings."""
    values = TABLE.values(name)
    return "/?" + urlencode({"tab": TABLE.tab_id, "v": TABLE.version, "run": 0,
                             **{k: v for k, v in values.items() if TABLE.settings[k].linked}})


def test_each_lesson_link_restores_its_widgets_then_picking_a_lesson_draws(page, app_url):
    """One page per lesson link; on the last one (linear against slerp), pick the posterior-collapse lesson: it sets
    the widgets, draws, shows its note and writes its link."""
    for name in TABLE.lessons:
        values = TABLE.values(name)
        page.goto(app_url + lesson_link(name))
        expect(page.get_by_role("tab", name="Latent variables", exact=True)).to_have_attribute("aria-selected", "true")
        for key in ("family", "size", "method"):
            expect(page.get_by_role("radio", name=values[key], exact=True)).to_be_checked()
        expect(page.locator("#latent-src-a").get_by_role("radio", name=values["a_src"], exact=True)).to_be_checked()
        expect(page.get_by_role("spinbutton", name="Frames")).to_have_value(str(values["frames"]))
        expect(page.get_by_role("spinbutton", name="Temperature (scale of z)")).to_have_value(f"{values['temp']:g}")
        expect(page.get_by_label("A: test digit index (0 to 9,999)", exact=True)).to_have_value(str(values["a"]))
        expect(page.get_by_label("b: test digit index", exact=True)).to_have_value(str(values["y"]))

    assert name == "Linear against slerp interpolation"
    page.goto(app_url + lesson_link(name).replace("run=0&", ""))  # this time the link runs
    expect(page.locator("#latent-inter-note")).to_contain_text("at its shortest", timeout=60_000)  # the link drew
    expect(page.locator("#latent-inter-note")).to_contain_text("linear interpolation in 10 frames")
    expect(page.locator("#latent-strip img")).to_have_attribute("src", re.compile(r"\.png$"))
    name = "Posterior collapse in the beta-VAE"
    page.locator("#latent-lesson input").click()
    page.get_by_role("option", name=name).click()
    expect(page.locator("#latent-lesson-note")).to_contain_text("about 0 nats")
    expect(page.locator("#latent-note")).to_contain_text("beta-VAE (beta = 4), 16-D latent", timeout=60_000)
    expect(page.locator("#latent-inter-note")).to_contain_text("slerp interpolation in 10 frames")
    expect(page.locator("#latent-kl .js-plotly-plot")).to_be_attached()
    expect(page).to_have_url(re.compile(r"[?&]family=beta-VAE"))
    query = parse_qs(urlparse(page.url).query)
    for key, value in TABLE.lessons[name].values.items():
        assert query[key] == [str(value)], (key, query.get(key))
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors
