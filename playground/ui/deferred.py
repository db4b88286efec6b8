"""Handlers imported on their first call, so a tab file stays light (gradio and its settings table) and the first
page is served before torch, plotly, diffusers or transformers are imported. The stand-in's signature is read from
the handler's source (without importing it), so Gradio still sees its parameter names, its `gr.Request` and
whether it streams."""
import ast
import importlib.util
import inspect
from functools import lru_cache
from pathlib import Path

import gradio as gr

from playground.lazy import lazy_import


def deferred(path: str, stream: bool | None = None):
    """`deferred("density_handlers.estimate")`: a stand-in for playground.ui.density_handlers.estimate that imports
    it when first called. `stream` (a generator handler, whose yields Gradio streams) is read from the source."""
    module, name = path.rsplit(".", 1)
    module = f"playground.ui.{module}"
    signature, annotations, generator = _signature(module, name)
    assert stream is None or stream == generator, f"{path}: stream={stream}, but the source says {generator}"

    def target():
        return lazy_import(module, name)

    if generator:
        def call(*args, **kwargs):
            yield from target()(*args, **kwargs)
    else:
        def call(*args, **kwargs):
            return target()(*args, **kwargs)
    call.__name__ = call.__qualname__ = name
    call.__signature__, call.__annotations__ = signature, annotations
    return call


@lru_cache(maxsize=None)
def _functions(module: str) -> dict:
    source = Path(importlib.util.find_spec(module).origin).read_text()
    return {node.name: node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


def _yields(node) -> bool:
    """Whether the function body yields (nested functions and lambdas are theirs, not its)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and _yields(child):
            return True
    return False


def _signature(module: str, name: str):
    node = _functions(module).get(name)
    if node is None:
        raise AttributeError(f"{module} defines no function {name}")
    args, parameters, annotations = node.args, [], {}
    defaults = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(args.args, defaults):
        annotation = inspect.Parameter.empty
        if arg.annotation is not None and ast.unparse(arg.annotation) in ("gr.Request", "Request"):
            annotation = annotations[arg.arg] = gr.Request
        try:
            value = inspect.Parameter.empty if default is None else ast.literal_eval(default)
        except ValueError:
            value = None
        parameters.append(inspect.Parameter(arg.arg, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=value,
                                            annotation=annotation))
    if args.vararg:
        parameters.append(inspect.Parameter(args.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    return inspect.Signature(parameters), annotations, _yields(node)
