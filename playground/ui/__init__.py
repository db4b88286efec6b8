"""The Gradio app: a header with the device, then one tab per file in this package."""
import importlib.util
import threading

import gradio as gr

from playground.ui import (autoregressive_tab, density_tab, diffusion_tab, flow_matching_tab, home_tab, imputation_tab,
                           inverse_tab, joint_tab, latent_tab)
from playground.ui.urlstate import MARK_LINK_READ, query_value
from playground.ui.view import CSS, projector_toggle

TABS = (home_tab, density_tab, joint_tab, autoregressive_tab, latent_tab, diffusion_tab, flow_matching_tab, inverse_tab,
        imputation_tab)
TAB_IDS = ("home", "density", "joint", "autoregressive", "latent", "diffusion", "flow-matching", "inverse", "imputation")
__all__ = ["CSS", "TABS", "TAB_IDS", "build_app", "warm_up"]


def build_app() -> gr.Blocks:
    with gr.Blocks(title="Generative Playground", delete_cache=(3600, 3600)) as demo:
        with gr.Row(elem_classes=["gp-header"], equal_height=False):
            gr.HTML('<h1>Generative Playground</h1>')
            device = gr.Markdown("Device: finding out…", elem_id="device-badge", elem_classes=["gp-device"])
            projector_toggle(demo)
        demo.load(home_tab.device_line, None, device, api_visibility="private")
        with gr.Tabs(elem_id="tabs") as tabs:
            for tab in TABS:
                tab.build_tab(demo)
        demo.load(_select_tab, None, tabs, api_visibility="private").then(None, None, None, js=MARK_LINK_READ)
    return demo


def _select_tab(request: gr.Request):
    """Open the tab a shared link names (?tab=density). Without one, leave the tabs alone: a tab clicked before
    this load event answered (a second or two on a busy machine) must stay open, not jump back to Home."""
    tab = query_value(request.query_params if request else None, "tab", None, choices=TAB_IDS)
    return gr.skip() if tab is None else gr.Tabs(selected=tab)


def warm_up() -> threading.Thread:
    """Import every tab's handlers (torch, plotly, the libraries) in the background once the first page is served,
    so the first request does not pay for them."""
    from playground.lazy import lazy_import

    def run():
        for tab in TABS:
            name = tab.__name__.replace("_tab", "_handlers")
            if importlib.util.find_spec(name) is not None:
                lazy_import(name)

    thread = threading.Thread(target=run, name="warm-up", daemon=True)
    thread.start()
    return thread
