"""The Diffusion tab in a real browser: a link restores every section; the sampler and steps redraw; the
MNIST sampler streams frames and ends with read-back samples; each lesson's link restores its widgets, and picking a
guidance lesson draws the 2-D processes, streams the digits and writes the link."""
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from playground.ui.diffusion_tab import TABLE

pytestmark = pytest.mark.e2e

TOAST = "[data-testid='toast-body']"


def expect_picture(page, box: str) -> None:
    """The picture in `box` shows once it is scrolled into view (pictures load lazily, as they come near it)."""
    page.locator(box).scroll_into_view_if_needed()
    expect(page.locator(f"{box} img")).to_be_visible()


def title(page, plot: str) -> str:
    return page.locator(f"{plot} .gtitle").text_content() or ""


def test_link_restores_and_sampler_and_steps_redraw(page, app_url):
    page.goto(app_url + "/?tab=diffusion&source=MNIST+digit&digit=5&t=250&sampler=euler&steps=12&n=300")
    expect(page.get_by_role("tab", name="Diffusion", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page.locator("#diffusion-forward-images img").first).to_be_visible(timeout=60_000)
    expect(page.locator("#diffusion-forward-note")).to_contain_text("t = 250")
    expect(page.locator("#diffusion-reverse-plot .gtitle")).to_contain_text("euler, 12 steps", timeout=60_000)

    page.locator("#diffusion-sampler").get_by_role("radio", name="ddim", exact=True).check()
    expect(page.locator("#diffusion-reverse-plot .gtitle")).to_contain_text("ddim, 12 steps")
    box = page.get_by_role("spinbutton", name=re.compile(r"Steps \(DPM"))
    box.fill("3")
    box.press("Enter")
    expect(page.locator("#diffusion-reverse-plot .gtitle")).to_contain_text("ddim, 3 steps")
    expect(page).to_have_url(re.compile(r"[?&]steps=3(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]sampler=ddim(&|$)"))

    page.get_by_role("radio", name="2-D shape", exact=True).check()
    expect(page.locator("#diffusion-forward-plot .gtitle")).to_contain_text("moons at t = 250")
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors


WATCH_STATUS = """() => {
  window.__statuses = [];
  const node = document.querySelector('#digits-status');
  new MutationObserver(() => window.__statuses.push(node.innerText)).observe(node, {subtree: true, childList: true,
                                                                                  characterData: true});
}"""


def test_digits_link_restores_then_a_new_sampler_streams_frames(page, app_url):
    page.goto(app_url + "/?tab=diffusion&dsampler=euler&dsteps=6&w=2&label=3&batch=4&dseed=1")
    digits = page.locator("#digits-sampler")
    expect(digits.get_by_role("radio", name="euler", exact=True)).to_be_checked()
    status = page.locator("#digits-status")
    expect(status).to_contain_text("6 euler steps", timeout=90_000)  # the link sampled its digits
    expect(status).to_contain_text("this few steps")
    expect(status).to_contain_text("of 4")
    expect_picture(page, "#digits-samples")

    page.evaluate(WATCH_STATUS)
    digits.get_by_role("radio", name="ddim", exact=True).check()
    box = page.get_by_role("spinbutton", name=re.compile(r"Digit steps"))
    box.fill("120")
    box.press("Enter")
    page.locator("#digits-go").click()
    expect(status).to_contain_text("120 ddim steps", timeout=120_000)
    frames = [s for s in page.evaluate("window.__statuses") if "Step " in s]
    assert len(frames) >= 3, frames  # x_t and the predicted x_0 streamed in before the end
    for box in ("#digits-xt", "#digits-strip", "#digits-samples"):
        expect_picture(page, box)
    expect(page).to_have_url(re.compile(r"[?&]dsteps=120(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]dsampler=ddim(&|$)"))
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors


def lesson_link(table, name: str) -> str:
    """The link a lesson writes: `?tab=<id>&v=<version>` and every linked setting's value."""
    values = table.values(name)
    return "/?" + urlencode({"tab": table.tab_id, "v": table.version, "run": 0,
                             **{k: v for k, v in values.items() if table.settings[k].linked}})


def expect_widgets(page, table, values: dict) -> None:
    """Every linked setting's widget shows `values`, found by role and label as a user sees it (radios within their
    group: the 2-D and the digit samplers offer the same names)."""
    panel = page.locator(f"#tab-{table.tab_id}")
    for key, setting in table.settings.items():
        value = values[key]
        if setting.kind == "slider":
            box = panel.get_by_role("spinbutton", name=f"number input for {setting.label}", exact=True)
            expect(box).to_have_value(f"{value:g}")
        elif setting.kind == "radio":
            group = page.locator(f"#{setting.options['elem_id']}") if "elem_id" in setting.options else panel
            expect(group.get_by_role("radio", name=str(value), exact=True)).to_be_checked()
        else:  # number boxes and dropdowns
            expect(panel.get_by_label(setting.label, exact=True)).to_have_value(str(value))


def test_lesson_links_restore_their_widgets_then_a_guidance_lesson_streams_and_writes_the_link(page, app_url):
    for name in TABLE.lessons:  # the last link (w = 10) samples its eight digits on opening
        page.goto(app_url + lesson_link(TABLE, name))
        expect(page.get_by_role("tab", name="Diffusion", exact=True)).to_have_attribute("aria-selected", "true")
        expect_widgets(page, TABLE, TABLE.values(name))
    page.goto(app_url + lesson_link(TABLE, name).replace("run=0&", ""))  # this time the link runs
    status = page.locator("#digits-status")
    expect(status).to_contain_text("at guidance 10", timeout=90_000)

    page.evaluate(WATCH_STATUS)
    page.locator("#diffusion-lesson input").click()
    page.get_by_role("option", name="Guidance 0: unconditional", exact=True).click()
    expect(page.locator("#diffusion-lesson-note")).to_contain_text("w = 0 samples the unconditional model")
    expect(status).to_contain_text("at guidance 0", timeout=90_000)
    assert any("Step " in s for s in page.evaluate("window.__statuses")), "no frame streamed"
    expect(status).to_contain_text("unconditional model")
    expect_picture(page, "#digits-samples")
    expect(page.locator("#diffusion-reverse-plot .gtitle")).to_contain_text("sliced Wasserstein to data")
    for pair in ("w=0", "dsteps=20", "batch=8", "label=3", "v=1"):
        expect(page).to_have_url(re.compile(r"[?&]" + re.escape(pair) + r"(&|$)"))
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors
