"""What a teacher does, in a real browser, on the Density tab: pick a lesson (it sets the widgets, runs and writes
the link), open each lesson's link, click the plot to add points, copy the link, and switch to projector view."""
import os
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect
from test_density import INFO, PLOT, bandwidth_box, density_tab, wait_for_plot, wait_settled

from playground.ui.density_tab import TABLE

pytestmark = pytest.mark.e2e
TOAST = "[data-testid='toast-body']"


def lesson_link(name: str, **extra) -> str:
    values = TABLE.values(name)
    query = {"tab": "density", "v": TABLE.version, "run": 0, **extra}
    query |= {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in values.items()
              if TABLE.settings[k].linked and v != ""}
    return "/?" + urlencode(query)


def test_picking_a_lesson_sets_the_widgets_runs_and_writes_the_link(page, app_url):
    page.goto(app_url + "/?tab=density")
    wait_for_plot(page)
    wait_settled(page)
    page.get_by_label("Lesson", exact=True).click()
    page.get_by_role("option", name="Six points, h too small").click()
    note = page.locator("#density-lesson-note")
    expect(note).to_contain_text("under-smoothing")
    expect(page.locator(f"{PLOT} .gtitle")).to_contain_text("N = 6")
    expect(page.locator(INFO)).to_contain_text("h = 0.05012")  # 10^-1.3
    for pair in ("data=six+points", "rule=manual", "bw=-1.3", "v=2"):
        expect(page).to_have_url(re.compile(r"[?&]" + re.escape(pair) + r"(&|$)"))
    assert not page.js_errors, page.js_errors


def test_each_lesson_link_restores_its_widgets(page, app_url):
    for name, lesson in TABLE.lessons.items():
        page.goto(app_url + lesson_link(name))
        expect(density_tab(page)).to_have_attribute("aria-selected", "true")
        values = TABLE.values(name)
        expect(page.get_by_label("Data", exact=True)).to_have_value(values["data"])
        expect(page.get_by_label("Sample size N", exact=True)).to_have_value(str(values["n"]))
        expect(page.get_by_role("radio", name=dict((v, k) for k, v in
                                                   TABLE.settings["rule"].choices)[values["rule"]])).to_be_checked()
        if values["rule"] == "manual":
            expect(bandwidth_box(page)).to_have_value(f"{values['bw']:g}")


def test_clicking_the_plot_adds_points(page, app_url):
    page.goto(app_url + "/?tab=density&data=six+points")
    wait_for_plot(page)
    wait_settled(page)
    area = page.locator(f"{PLOT} .nsewdrag").first.bounding_box()
    page.mouse.click(area["x"] + area["width"] * 0.3, area["y"] + area["height"] * 0.5)
    expect(page.locator(INFO)).to_contain_text("click again")
    page.mouse.click(area["x"] + area["width"] * 0.7, area["y"] + area["height"] * 0.5)
    expect(page.locator(INFO)).not_to_contain_text("click again")
    typed = page.get_by_label("Your numbers").input_value()
    points = [float(v) for v in typed.split(",")]
    assert len(points) == 2 and points[0] < points[1], typed
    expect(page.get_by_label("Data", exact=True)).to_have_value("typed numbers")
    expect(page.locator(INFO)).to_contain_text("2 points")
    expect(page).to_have_url(re.compile(r"[?&]pts=" + re.escape(typed.replace(",", "%2C").replace(" ", "+"))))


def test_copy_link_copies_the_address_and_says_so(page, app_url):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(app_url + lesson_link("Six points, h too large"))
    wait_for_plot(page)
    wait_settled(page)
    page.locator("#density-copy-link").click()
    expect(page.locator(TOAST).first).to_contain_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == page.url


def test_projector_view_has_large_text_and_folds_secondary_settings(page, app_url, tmp_path):
    page.goto(app_url + lesson_link("Six points, h too small", view="projector"))
    wait_for_plot(page)
    wait_settled(page)
    toggle = page.get_by_label("Projector view")
    expect(toggle).to_be_checked()
    size = page.locator("#tab-density .prose p").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 24, size
    expect(page.get_by_label("Seed", exact=True)).to_be_hidden()  # secondary
    expect(page.get_by_label("Sample size N", exact=True)).to_be_visible()
    page.wait_for_function("() => Array.from(document.querySelectorAll('#density-plot path.js-line'))"
                           ".some((l) => parseFloat(l.style.strokeWidth) >= 4)", timeout=10_000)
    folder = Path(os.environ.get("PLAYGROUND_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(folder / "projector.png"))
    toggle.click()  # back to the normal view: small text, the seed shown, `view` gone from the link
    expect(page.get_by_label("Seed", exact=True)).to_be_visible()
    assert page.locator("#tab-density .prose p").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") < 20
    assert "view=projector" not in page.url


def test_an_animation_reaches_the_page_with_its_frames_and_plays(page, app_url):
    """Gradio hands plotly only data and layout: the frames ride in layout.meta and the page adds them back."""
    page.goto(app_url + "/?tab=diffusion")
    plot = "#diffusion-reverse-plot .js-plotly-plot"
    page.wait_for_function(f"() => {{ const gd = document.querySelector('{plot}');"
                           " return gd && gd._transitionData && gd._transitionData._frames.length > 10; }", timeout=90_000)
    xs = f"() => JSON.stringify(document.querySelector('{plot}').data.map((t) => t.x))"
    before = page.evaluate(xs)
    page.locator(f"{plot} .updatemenu-button").first.click()  # ▶ play
    page.wait_for_function(f"(b) => ({xs})() !== b", arg=before)
