"""Handlers imported on their first call, so a tab file stays light (gradio and its settings table) and the first
page is served before torch, plotly, diffusers or transformers are imported."""
from playground.lazy import lazy_import


def deferred(path: str, stream: bool = False):
    """`deferred("density_handlers.estimate")`: a stand-in for playground.ui.density_handlers.estimate that imports
    it when first called. `stream`: the handler is a generator (Gradio streams what it yields)."""
    module, name = path.rsplit(".", 1)

    def target():
        return lazy_import(f"playground.ui.{module}", name)

    if stream:
        def call(*args):
            yield from target()(*args)
    else:
        def call(*args):
            return target()(*args)
    call.__name__ = call.__qualname__ = name
    return call
