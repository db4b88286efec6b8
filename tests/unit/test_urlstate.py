"""Shared links: settings are read checked, and only by the tab the link opens."""
from types import SimpleNamespace

from playground.ui.urlstate import query_value, tab_query


def test_query_values_are_checked_and_fall_back_to_defaults():
    q = {"n": "500", "bad": "abc", "big": "1e9", "nan": "nan", "shape": "moons", "flag": "true"}
    assert query_value(q, "n", 10, int, bounds=(1, 1000)) == 500
    assert query_value(q, "bad", 10, int) == 10
    assert query_value(q, "big", 1.0, float, bounds=(0, 10)) == 1.0
    assert query_value(q, "nan", 1.0, float) == 1.0
    assert query_value(q, "shape", "spirals", choices=("moons", "spirals")) == "moons"
    assert query_value(q, "shape", "spirals", choices=("spirals",)) == "spirals"
    assert query_value(q, "flag", False, bool) is True and query_value(q, "missing", 3) == 3


def test_a_link_only_sets_the_tab_it_opens():
    link = SimpleNamespace(query_params={"tab": "latent", "seed": "7", "temp": "0.5"})
    assert tab_query(link, "latent") == link.query_params
    assert tab_query(link, "autoregressive") == {}  # the latent tab's seed and temperature are not the text's
    assert tab_query(None, "latent") == {}


def test_only_a_link_that_names_a_tab_selects_it_on_load():
    """Without ?tab=, the load event leaves the tabs alone: a tab clicked before it answered stays open (it used to
    jump back to Home, which failed a browser test on a busy machine)."""
    from types import SimpleNamespace

    import gradio as gr

    from playground.ui import _select_tab

    assert _select_tab(SimpleNamespace(query_params={"tab": "density"})).selected == "density"
    for query in ({}, {"tab": "no-such-tab"}, {"seed": "3"}):
        assert _select_tab(SimpleNamespace(query_params=query)) == gr.skip()
    assert _select_tab(None) == gr.skip()
