"""The Density estimation tab in a real browser: plot, bandwidth slider, CSV upload, share links, 2-D."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PLOT = "#density-plot"
INFO = "#density-info"
TOAST = "[data-testid='toast-body']"
TIMEOUT_MS = 30_000


def density_tab(page):
    return page.get_by_role("tab", name="Density estimation", exact=True)


def wait_for_plot(page):
    """A plotly figure with at least one drawn trace in the density plot."""
    page.locator(f"{PLOT} .js-plotly-plot .gtitle").wait_for(state="attached")
    page.locator(f"{PLOT} .js-plotly-plot").locator(
        ".scatterlayer .trace, .heatmaplayer image, .contourlayer .contour").first.wait_for(state="attached")


def wait_settled(page, quiet_ms: int = 1200, drawn: bool = True):
    """Wait until the info line, the plot title and the URL have not changed for `quiet_ms`.

    Every estimate rewrites the info line (it carries the compute time), so this waits out chained
    and cascading events instead of sleeping a fixed time. `drawn`: also wait for a non-empty info line
    (the Density tab renders only once it is selected).
    """
    page.wait_for_function(
        """([plot, info, quiet, drawn]) => {
            const text = (sel) => { const el = document.querySelector(sel); return el ? el.textContent : ""; };
            const key = text(info) + "|" + text(plot + " .gtitle") + "|" + window.location.search;
            const now = performance.now();
            if (window.__gpKey !== key) { window.__gpKey = key; window.__gpSince = now; return false; }
            return (!drawn || text(info).trim() !== "") && now - window.__gpSince >= quiet;
        }""",
        arg=[PLOT, INFO, quiet_ms, drawn], polling=100, timeout=TIMEOUT_MS)


def plot_title(page) -> str:
    return page.locator(f"{PLOT} .gtitle").text_content() or ""


def line_paths(page) -> list:
    """The SVG `d` of every line trace (the estimate, the true density): a signature of the curves."""
    return page.locator(f"{PLOT} .scatterlayer .trace path.js-line").evaluate_all(
        "els => els.map(e => e.getAttribute('d'))")


def bandwidth_box(page):
    return page.get_by_role("spinbutton", name="Bandwidth: log10 h")  # "number input for Bandwidth: ..."


def open_density(page, app_url):
    page.goto(app_url + "/")
    # Let the page's load events finish first: one of them selects the tab the link names (Home here).
    expect(page.locator("#home-models table")).to_be_visible()
    wait_settled(page, drawn=False)
    density_tab(page).click()
    expect(density_tab(page)).to_have_attribute("aria-selected", "true")
    wait_for_plot(page)
    wait_settled(page)


def test_bandwidth_slider_redraws_and_updates_link(page, app_url):
    open_density(page, app_url)
    expect(page.locator(f"{PLOT} .gtitle")).to_contain_text("h = ")
    before_title, before_paths = plot_title(page), line_paths(page)
    assert before_paths and all(before_paths), "no KDE line drawn"
    assert "h = 0.0631" not in before_title

    box = bandwidth_box(page)
    box.fill("-1.2")
    box.press("Enter")  # fires the slider's `input` event, as dragging does

    # 10^-1.2 = 0.063096
    expect(page.locator(f"{PLOT} .gtitle")).to_contain_text("h = 0.0631")
    expect(page.locator(INFO)).to_contain_text("h = 0.0631")
    expect(page).to_have_url(re.compile(r"[?&]bw=-1\.2(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]rule=manual(&|$)"))
    expect(page.get_by_role("radio", name="manual (slider)", exact=True)).to_be_checked()
    wait_settled(page)
    assert line_paths(page) != before_paths, "the curve did not change with the bandwidth"
    expect(bandwidth_box(page)).to_have_value("-1.2")
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors


def test_csv_upload_good_then_bad(page, app_url, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("\n".join(f"{(i % 37) * 0.1 - 1.5:.3f}" for i in range(200)) + "\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("1.0\n2.5\nabc\n3.0\n")

    open_density(page, app_url)
    page.locator("#density-csv input[type=file]").set_input_files(str(good))
    expect(page.get_by_label("Data", exact=True)).to_have_value("uploaded CSV")
    expect(page.locator(INFO)).to_contain_text("200 points")
    expect(page.locator(f"{PLOT} .gtitle")).to_contain_text("N = 200")
    expect(page.locator(TOAST)).to_have_count(0)

    # Replace the file: clear the first one, which brings the file input back.
    page.locator("#density-csv").get_by_role("button", name="Clear").click()
    page.locator("#density-csv input[type=file]").set_input_files(str(bad))
    toast = page.locator(TOAST)
    expect(toast.first).to_be_visible()
    expect(toast.first).to_contain_text(re.compile(r"cannot be used|not numeric", re.I))
    # The last good estimate stays on screen.
    expect(page.locator(INFO)).to_contain_text("200 points")
    assert not page.js_errors, page.js_errors


# A link written before the settings table's version 2 (no `v`; the 2-D view was `view`, now `map`): it still opens.
SHARED = ("/?tab=density&dim=2-D&data=checkerboard&n=5000&seed=3&kernel=epanechnikov&bw=-0.8"
          "&rule=manual&view=contours&true=false")


def test_share_link_restores_every_widget(page, app_url):
    page.goto(app_url + SHARED)
    expect(density_tab(page)).to_have_attribute("aria-selected", "true")
    wait_for_plot(page)
    wait_settled(page)

    expect(page.get_by_role("radio", name="2-D", exact=True)).to_be_checked()
    expect(page.get_by_label("Data", exact=True)).to_have_value("checkerboard")
    expect(page.get_by_label("Sample size N", exact=True)).to_have_value("5000")
    expect(page.get_by_label("Seed", exact=True)).to_have_value("3")
    expect(page.get_by_role("radio", name="epanechnikov", exact=True)).to_be_checked()
    expect(page.get_by_role("radio", name="manual (slider)", exact=True)).to_be_checked()
    expect(page.get_by_role("radio", name="contours", exact=True)).to_be_checked()
    expect(page.get_by_label("Show the true density (when known)", exact=True)).not_to_be_checked()
    expect(bandwidth_box(page)).to_have_value("-0.8")
    info = page.locator(INFO)
    expect(info).to_contain_text("5,000 points")
    expect(info).to_contain_text("h = 0.1585")  # 10^-0.8 = 0.158489
    expect(page.locator(f"{PLOT} .contourlayer .contour").first).to_be_attached()
    # The link still says what is on screen.
    for pair in ("dim=2-D", "data=checkerboard", "n=5000", "seed=3", "kernel=epanechnikov", "bw=-0.8",
                 "rule=manual", "view=contours", "true=false"):
        expect(page).to_have_url(re.compile(r"[?&]" + re.escape(pair) + r"(&|$)"))
    # The next change writes the link in today's version: the 2-D view under its new key.
    page.get_by_role("radio", name="gaussian", exact=True).click()
    for pair in ("v=2", "map=contours", "kernel=gaussian"):
        expect(page).to_have_url(re.compile(r"[?&]" + re.escape(pair) + r"(&|$)"))
    # Events fired while the widgets were being restored must not flash errors.
    toasts = page.locator(TOAST).all_inner_texts()
    assert not toasts, f"error toasts after opening a share link: {toasts}"
    assert not page.js_errors, page.js_errors


def test_switch_to_2d_shows_heatmap_and_view_choice(page, app_url):
    open_density(page, app_url)
    view_heatmap = page.get_by_role("radio", name="heatmap", exact=True)
    expect(view_heatmap).to_be_hidden()

    page.get_by_role("radio", name="2-D", exact=True).click()
    expect(page.get_by_label("Data", exact=True)).to_have_value("moons")
    expect(view_heatmap).to_be_visible()
    expect(view_heatmap).to_be_checked()
    expect(page.get_by_role("radio", name="contours", exact=True)).to_be_visible()
    expect(page.locator(f"{PLOT} .heatmaplayer image").first).to_be_attached()
    expect(page.locator(INFO)).to_contain_text("on both axes")
    expect(page).to_have_url(re.compile(r"[?&]dim=2-D(&|$)"))
    wait_settled(page)
    expect(page.locator(TOAST)).to_have_count(0)
    assert not page.js_errors, page.js_errors
