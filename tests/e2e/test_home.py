"""The Home tab in a real browser: the device line and the model table (hub offline in tests)."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_home_tab_shows_device_and_models(page, app_url):
    page.goto(app_url + "/")
    expect(page.get_by_role("tab", name="Home", exact=True)).to_have_attribute("aria-selected", "true")

    expect(page.locator("#home-device")).to_contain_text("CPU")

    models = page.locator("#home-models")
    table = models.locator("table")
    expect(table).to_be_visible()  # the load event replaced "Checking which models are available…"
    flow = table.locator("tr", has_text="flow-moons")
    expect(flow).to_have_count(1)
    expect(flow).to_contain_text("✅")

    for hub_model in ("openai-community/gpt2", "distilbert/distilgpt2", "google/ddpm-cifar10-32"):
        row = table.locator("tr", has_text=hub_model)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("⛔")
    assert not page.js_errors, page.js_errors
