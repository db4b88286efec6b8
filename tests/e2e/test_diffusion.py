"""The Diffusion tab in a real browser: a link restores every section; the sampler and steps redraw; the
MNIST sampler streams frames and ends with read-back samples."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TOAST = "[data-testid='toast-body']"


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
    expect(page.locator("#digits-samples img")).to_be_visible()

    page.evaluate(WATCH_STATUS)
    digits.get_by_role("radio", name="ddim", exact=True).check()
    box = page.get_by_role("spinbutton", name=re.compile(r"Digit steps"))
    box.fill("120")
    box.press("Enter")
    page.locator("#digits-go").click()
    expect(status).to_contain_text("120 ddim steps", timeout=120_000)
    frames = [s for s in page.evaluate("window.__statuses") if "Step " in s]
    assert len(frames) >= 3, frames  # x_t and the predicted x_0 streamed in before the end
    expect(page.locator("#digits-xt img")).to_be_visible()
    expect(page.locator("#digits-strip img")).to_be_visible()
    expect(page.locator("#digits-samples img")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]dsteps=120(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]dsampler=ddim(&|$)"))
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors
