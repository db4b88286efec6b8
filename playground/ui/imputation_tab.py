"""Imputation lab tab: a table with gaps (a textbook-style example or scikit-learn's diabetes data masked MCAR,
MAR or MNAR), filled by mean, regression, stochastic regression and multiple imputation from a Gaussian mixture
or a MIWAE, with the bias and Rubin's-rules intervals of downstream statistics. Handlers: imputation_handlers.py."""
import gradio as gr

from playground.ui import checks
from playground.ui.deferred import deferred
from playground.ui.settings import Lesson, Setting, Table

TAB_ID = "imputation"
INTRO = """### Imputation lab: filling the gaps in a table, honestly
Why a value is missing matters. **MCAR**: by pure chance. **MAR**: the chance depends on something observed
(here blood pressure, always recorded). **MNAR**: it depends on the missing value itself (large values hide more).
**Mean imputation** puts every gap at the centre, so the variance and correlations shrink and intervals are too
narrow. **Multiple imputation** draws each gap m times from a model of p(missing | observed) (a Gaussian mixture's
exact conditional, or a MIWAE); **Rubin's rules** add the spread between the m analyses to the interval, so it
stays honest. Under MNAR no method that only sees the observed values can undo the bias: try it."""
# playground.tasks.imputation: TABLES, COLUMNS, MECHANISMS, METHODS (tests/unit/test_tab_imputation.py checks)
TABLES = ("textbook example", "scikit-learn diabetes")
COLUMNS = {TABLES[0]: ("age", "income (k$)", "savings (k$)"), TABLES[1]: ("bp", "bmi", "s5", "progression")}
MECHANISMS = ("MCAR", "MAR", "MNAR")
METHODS = ("mean", "regression", "stochastic regression", "GMM multiple imputation", "MIWAE multiple imputation")
DEFAULT_COLUMNS = {TABLES[0]: ("age", "income (k$)"), TABLES[1]: ("bmi", "progression")}

TABLE = Table(TAB_ID, [
    Setting("table", "radio", "Table", TABLES[1], choices=TABLES),
    Setting("mech", "radio", "Missingness mechanism", "MCAR", choices=MECHANISMS),
    Setting("rate", "slider", "Missing rate", 0.3, lo=0.05, hi=0.6, step=0.05),
    Setting("seed", "seed", "Seed", 0, help="Any whole number, used mod 2^32", secondary=True),
    Setting("methods", "checkboxes", "Methods", list(METHODS), choices=METHODS, options=dict(scale=3)),
    Setting("m", "slider", "Imputations m", 10, lo=1, hi=50, step=1),
    Setting("k", "slider", "Mixture components K (GMM)", 2, lo=1, hi=5, step=1, secondary=True),
    # Custom values: a column renamed in the table can still be picked by typing its name (the handler checks it).
    Setting("x", "dropdown", "Column x (scatter, correlation, slope)", "bmi", choices=COLUMNS[TABLES[1]],
            options=dict(allow_custom_value=True)),
    Setting("y", "dropdown", "Column y (slope of y on x)", "progression", choices=COLUMNS[TABLES[1]],
            options=dict(allow_custom_value=True)),
    Setting("shown", "dropdown", "Completed table shown", "GMM multiple imputation", choices=METHODS),
], lessons=(
    Lesson("MCAR: the mean survives, the spread does not", "Gaps made by pure chance leave mean imputation's mean of "
           "bmi on the truth, but its variance and correlation shrink and their intervals miss the truth, while "
           "multiple imputation keeps both.", dict(mech="MCAR", methods=["mean", "GMM multiple imputation"])),
    Lesson("MAR: regression repairs what the mean breaks", "Gaps that depend on blood pressure (always observed) "
           "drag mean imputation's mean of progression and its slope far below the truth; regression on the observed "
           "columns and multiple imputation put them back within their intervals.",
           dict(mech="MAR", methods=["mean", "regression", "GMM multiple imputation"])),
    Lesson("MNAR fools every method", "Large values hide more often, and nothing observed says so: every method's "
           "means and slope are biased low and every interval misses the truth, multiple imputation included.",
           dict(mech="MNAR")),
), adjust=lambda v: dict(zip("xy", column_pickers(v["table"], v["x"], v["y"]))))
DEFAULTS = TABLE.values()  # tests/test_app_inputs.py opens the lab with these


def pick_columns(table: str, x, y) -> tuple:
    """The current x and y columns when the table has them, else the table's defaults."""
    columns = COLUMNS[table]
    return (x, y) if x in columns and y in columns and x != y else DEFAULT_COLUMNS[table]


def column_pickers(table: str, x, y):
    """The two column dropdowns for a table, with its columns as choices."""
    x, y = pick_columns(table, x, y)
    return gr.Dropdown(choices=list(COLUMNS[table]), value=x), gr.Dropdown(choices=list(COLUMNS[table]), value=y)


make_table = deferred("imputation_handlers.make_table")
impute = deferred("imputation_handlers.impute")
view = deferred("imputation_handlers.view")
make_and_impute = deferred("imputation_handlers.make_and_impute")  # a lesson, a link, a first visit
reimpute = deferred("imputation_handlers.reimpute")


def build_tab(demo: gr.Blocks) -> None:
    t = TABLE
    with gr.Tab("Imputation lab", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        t.toolbar()
        truth, results = gr.State(None), gr.State(None)
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                table, mech, rate, seed = (t.build(k) for k in ("table", "mech", "rate", "seed"))
                make = gr.Button("Make table", elem_id="imp-make")
            with gr.Column(scale=2):
                data = checks.Dataframe(label="Table with gaps (edit any cell, leave it empty or type NA for a missing "
                                        "value, then press Impute)", interactive=True, max_height=330,
                                        elem_id="imp-table")
                made = gr.Markdown(elem_id="imp-made")
        with gr.Row():
            methods, m, k = t.build("methods"), t.build("m"), t.build("k")
        with gr.Row():
            x, y, shown = t.build("x"), t.build("y"), t.build("shown")
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
    making = gr.on([make.click, table.input, mech.input, rate.input, seed.submit], make_table, make_in, make_out,
                   api_name="imp_make_table", trigger_mode="always_last")
    making.success(lambda: gr.Button(interactive=True), None, go, api_visibility="private")
    compute = dict(api_visibility="private", concurrency_id="compute")
    making.success(impute, imp_in, view_out + [results], **compute)
    go.click(impute, imp_in, view_out + [results], api_name="imp_impute", trigger_mode="always_last",
             concurrency_id="compute")
    gr.on([methods.input, m.input, k.input], reimpute, imp_in, view_out + [results], trigger_mode="always_last",
          **compute)
    gr.on([x.input, y.input, shown.input], view, [results, x, y, shown], view_out, api_name="imp_view",
          trigger_mode="always_last")
    opening_in, opening_out = make_in + [methods, m, k, shown], make_out + view_out + [results, go]
    tab.select(_first_visit, [results] + opening_in, opening_out, **compute)
    t.link(demo, tab).then(_run_if_linked, opening_in, opening_out, **compute)
    t.lessons_run(make_and_impute, opening_in, opening_out, **compute)


def _run_if_linked(request: gr.Request, *values):
    """A link to this tab makes its table and imputes it at once (the request comes first: Gradio passes it by
    position)."""
    if not TABLE.linked(request):
        yield (gr.skip(),) * 12
        return
    yield from make_and_impute(*values)


def _first_visit(results, table, mech, rate, seed, x, y, methods, m, k, shown, request: gr.Request):
    """Opening the tab for the first time shows the current settings' example; later visits keep what is there.
    A link to this tab selects it too: `_run_if_linked` draws that one."""
    if results or TABLE.linked(request):
        yield (gr.skip(),) * 12
        return
    yield from make_and_impute(table, mech, rate, seed, x, y, methods, m, k, shown)
