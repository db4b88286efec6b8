"""Imputation lab tab: a table with gaps (a textbook-style example or scikit-learn's diabetes data masked MCAR,
MAR or MNAR), filled by mean, regression, stochastic regression and multiple imputation from a Gaussian mixture
or a MIWAE, with the bias and Rubin's-rules intervals of downstream statistics. Handlers: imputation_handlers.py."""
import json

import gradio as gr

from playground.ui import checks
from playground.ui import imputation_handlers as h
from playground.ui.urlstate import query_value, sync_url, tab_query

TAB_ID = "imputation"
INTRO = """### Imputation lab: filling the gaps in a table, honestly
Why a value is missing matters. **MCAR**: by pure chance. **MAR**: the chance depends on something observed
(here blood pressure, always recorded). **MNAR**: it depends on the missing value itself (large values hide more).
**Mean imputation** puts every gap at the centre, so the variance and correlations shrink and intervals are too
narrow. **Multiple imputation** draws each gap m times from a model of p(missing | observed) (a Gaussian mixture's
exact conditional, or a MIWAE); **Rubin's rules** add the spread between the m analyses to the interval, so it
stays honest. Under MNAR no method that only sees the observed values can undo the bias: try it."""
DEFAULTS = dict(table=h.TABLES[1], mech="MCAR", rate=0.3, seed=0, methods=h.METHODS, m=10, k=2, x="bmi",
                y="progression", shown="GMM multiple imputation")


def build_tab(demo: gr.Blocks) -> None:
    d = DEFAULTS
    with gr.Tab("Imputation lab", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        truth, results = gr.State(None), gr.State(None)
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                table = checks.Radio(h.TABLES, value=d["table"], label="Table")
                mech = checks.Radio(h.MECHANISMS, value=d["mech"], label="Missingness mechanism")
                rate = checks.Slider(0.05, 0.6, value=d["rate"], step=0.05, label="Missing rate")
                seed = checks.Number(d["seed"], precision=0, label="Seed (any whole number, used mod 2^32)")
                make = gr.Button("Make table", elem_id="imp-make")
            with gr.Column(scale=2):
                data = checks.Dataframe(label="Table with gaps (edit any cell, leave it empty or type NA for a missing "
                                    "value, then press Impute)", interactive=True, max_height=330, elem_id="imp-table")
                made = gr.Markdown(elem_id="imp-made")
        with gr.Row():
            methods = checks.CheckboxGroup(h.METHODS, value=d["methods"], label="Methods", scale=3)
            m = checks.Slider(1, h.MAX_M, value=d["m"], step=1, label="Imputations m")
            k = checks.Slider(1, h.MAX_K, value=d["k"], step=1, label="Mixture components K (GMM)")
        with gr.Row():
            columns = h.table_columns(d["table"])
            # Custom values: a column renamed in the table can still be picked by typing its name
            x = checks.Dropdown(columns, value=d["x"], label="Column x (scatter, correlation, slope)", allow_custom_value=True)
            y = checks.Dropdown(columns, value=d["y"], label="Column y (slope of y on x)", allow_custom_value=True)
            shown = checks.Dropdown(h.METHODS, value=d["shown"], label="Completed table shown")
            go = gr.Button("Impute", variant="primary", interactive=False, elem_id="imp-go")  # until a table exists
        status = gr.Markdown(elem_id="imp-status")
        imputed = gr.Dataframe(label="Completed table (imputed cells: mean ± sd over the m imputations)",
                               interactive=False, max_height=330, elem_id="imp-imputed")
        scatter = gr.Plot(label="Observed and imputed values", elem_id="imp-scatter")
        stats = gr.Dataframe(label="Downstream statistics: estimate, bias and 95% interval", interactive=False,
                             elem_id="imp-stats")
        forest = gr.Plot(label="Estimates and intervals per method", elem_id="imp-forest")
    make_in, make_out = [table, mech, rate, seed, x, y], [data, truth, x, y, made]
    imp_in, view_out = [data, truth, methods, m, k, x, y, shown, seed], [imputed, scatter, stats, forest, status]
    making = gr.on([make.click, table.input, mech.input, rate.input, seed.submit], h.make_table, make_in, make_out,
                   api_name="imp_make_table", trigger_mode="always_last")
    making.success(lambda: gr.Button(interactive=True), None, go, api_visibility="private")
    making.success(h.impute, imp_in, view_out + [results], api_visibility="private", concurrency_id="compute")
    go.click(h.impute, imp_in, view_out + [results], api_name="imp_impute", trigger_mode="always_last",
             concurrency_id="compute")
    gr.on([methods.input, m.input, k.input], _reimpute, imp_in, view_out + [results], api_visibility="private",
          trigger_mode="always_last", concurrency_id="compute")
    gr.on([x.input, y.input, shown.input], h.view, [results, x, y, shown], view_out, api_name="imp_view",
          trigger_mode="always_last")
    opening_in, opening_out = make_in + [methods, m, k, shown], make_out + view_out + [results, go]
    tab.select(_first_visit, [results] + opening_in, opening_out, api_visibility="private", concurrency_id="compute")
    settings = dict(table=table, mech=mech, rate=rate, seed=seed, methods=methods, m=m, k=k, x=x, y=y, shown=shown)
    sync_url(tab, TAB_ID, settings)
    demo.load(_restore, None, list(settings.values()), api_visibility="private").then(
        _run_if_linked, opening_in, opening_out, api_visibility="private", concurrency_id="compute")


def _restore(request: gr.Request):
    q, d = tab_query(request, TAB_ID), DEFAULTS
    table = query_value(q, "table", d["table"], choices=h.TABLES)
    try:
        methods = [name for name in json.loads(query_value(q, "methods", "null")) or d["methods"] if name in h.METHODS]
    except (TypeError, ValueError):
        methods = d["methods"]
    x, y = h.column_pickers(table, query_value(q, "x", d["x"]), query_value(q, "y", d["y"]))
    return (table, query_value(q, "mech", d["mech"], choices=h.MECHANISMS),
            query_value(q, "rate", d["rate"], float, bounds=(0.05, 0.6)), query_value(q, "seed", 0, int),
            methods or d["methods"], query_value(q, "m", d["m"], int, bounds=(1, h.MAX_M)),
            query_value(q, "k", d["k"], int, bounds=(1, h.MAX_K)), x, y,
            query_value(q, "shown", d["shown"], choices=h.METHODS))


def _make_and_impute(table, mech, rate, seed, x, y, methods, m, k, shown):
    """Generator: the table first, when Impute becomes available (pressed earlier it would find no table), then
    its imputation."""
    made = h.make_table(table, mech, rate, seed, x, y)
    yield (*made, *(gr.skip(),) * 6, gr.Button(interactive=True))
    x, y = h.pick_columns(table, x, y)
    yield (*(gr.skip(),) * 5, *h.impute(made[0], made[1], methods, m, k, x, y, shown, seed), gr.skip())


def _run_if_linked(table, mech, rate, seed, x, y, methods, m, k, shown, request: gr.Request):
    """A link to this tab makes its table and imputes it at once."""
    if query_value(request.query_params if request else None, "tab", "") != TAB_ID:
        yield (gr.skip(),) * 12
        return
    yield from _make_and_impute(table, mech, rate, seed, x, y, methods, m, k, shown)


def _first_visit(results, table, mech, rate, seed, x, y, methods, m, k, shown, request: gr.Request):
    """Opening the tab for the first time shows the current settings' example; later visits keep what is there.
    A link to this tab selects it too: `_run_if_linked` draws that one."""
    if results or tab_query(request, TAB_ID):
        yield (gr.skip(),) * 12
        return
    yield from _make_and_impute(table, mech, rate, seed, x, y, methods, m, k, shown)


def _reimpute(frame, truth, methods, m, k, x, y, shown, seed):
    """A method or m or K changed: impute again, once there is a table (before, the opening table is on its way)."""
    if frame is None or frame.empty:
        return (gr.skip(),) * 6
    return h.impute(frame, truth, methods, m, k, x, y, shown, seed)
