"""The Diffusion tab in a real browser: a link restores both halves; the sampler and steps redraw."""
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

    page.get_by_role("radio", name="ddim", exact=True).check()
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
