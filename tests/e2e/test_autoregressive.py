"""The Autoregressive models tab (playground/ui/autoregressive_tab.py) in a real browser: a link restores the
text settings and writes; temperature and top-p change the next-token chart; a painted region of a digit is
completed several ways; each lesson's link restores its widgets, and picking a lesson writes and sets the link."""
import re

import pytest
from browser_moves import TOAST, paint_stroke, set_number
from playwright.sync_api import expect
from test_joint import expect_widgets, lesson_link

from playground.ui.autoregressive_tab import TABLE

pytestmark = pytest.mark.e2e


def test_link_writes_then_filters_change_the_chart_and_a_digit_is_completed(page, app_url):
    page.goto(app_url + "/?tab=autoregressive&temp=0.5&top_p=0.8&length=40&seed=3")
    expect(page.get_by_role("tab", name="Autoregressive models", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("spinbutton", name="Temperature (0 = greedy)")).to_have_value("0.5")
    status = page.locator("#ar-text-status")
    expect(status).to_contain_text("Done", timeout=90_000)  # the link generated its text, streamed
    expect(status).to_contain_text("40 of 40 tokens")
    output = page.get_by_label("Generated text")
    assert output.input_value().startswith("ROMEO:")
    chart = page.locator("#ar-text-chart .js-plotly-plot")
    expect(chart).to_be_visible()
    before_title = chart.locator(".gtitle").text_content()

    set_number(page, "Temperature (0 = greedy)", "1.5")
    set_number(page, "Top-p (1 = off)", "0.5")
    expect(page).to_have_url(re.compile(r"[?&]top_p=0\.5(&|$)"))
    page.locator("#ar-text-go").click()
    expect(status).not_to_contain_text("Done", timeout=120_000)  # the new text is being written (after any queued run)
    expect(status).to_contain_text("Done", timeout=60_000)
    page.wait_for_function(  # the chart redraws after the status: entropy and nucleus size moved
        "before => document.querySelector('#ar-text-chart .gtitle')?.textContent !== before", arg=before_title,
        timeout=30_000)
    page.locator("#ar-text-next").click(timeout=60_000)  # a busy browser may still be drawing the last charts
    expect(status).to_contain_text("Press again for the next", timeout=60_000)

    paint_stroke(page, "#ar-editor", (0.2, 0.7), (0.8, 0.7))
    page.get_by_role("radio", name="painted region", exact=True).check()
    set_number(page, "Completions", "3")
    page.locator("#ar-complete-go").click()
    done = page.locator("#ar-complete-status")
    expect(done).to_contain_text("3 completions of", timeout=90_000)
    expect(page.locator("#ar-completions img")).to_be_visible()
    expect(page.locator("#ar-given img")).to_be_visible()
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors


def test_each_lesson_link_restores_its_widgets(page, app_url):
    for name in TABLE.lessons:
        page.goto(app_url + lesson_link(TABLE, name))
        expect(page.get_by_role("tab", name="Autoregressive models", exact=True)).to_have_attribute("aria-selected",
                                                                                                    "true")
        expect_widgets(page, TABLE, TABLE.values(name))
    assert not page.js_errors, page.js_errors


def test_picking_a_lesson_writes_and_sets_the_link(page, app_url):
    page.goto(app_url + "/")  # no link: nothing is written until the lesson is picked
    expect(page.locator("#home-models table")).to_be_visible()
    page.get_by_role("tab", name="Autoregressive models", exact=True).click()
    page.locator("#autoregressive-lesson input").click()
    page.get_by_role("option", name="Temperature 0: greedy", exact=True).click()
    expect(page.locator("#autoregressive-lesson-note")).to_contain_text("repeat itself")
    # Greedy decoding is the same every time: the text streams in as the lesson's note quotes it.
    expect(page.get_by_label("Generated text")).to_have_value(re.compile(r"^ROMEO:\nThe shall be the stand"),
                                                              timeout=90_000)
    expect(page.locator("#ar-text-status")).to_contain_text("nucleus 1 token(s)")
    expect(page.locator("#ar-text-chart .js-plotly-plot")).to_be_visible()
    for pair in ("tab=autoregressive", "temp=0", "top_p=0.9", "v=1"):
        expect(page).to_have_url(re.compile(r"[?&]" + re.escape(pair) + r"(&|$)"))
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors
