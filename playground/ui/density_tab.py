"""Density estimation tab: Parzen windows / KDE in 1-D and 2-D, bandwidth rules, held-out likelihood,
the curse of dimensionality. Thin wiring: the handlers live in density_handlers.py."""
import gradio as gr

from playground.choices import KDE_KERNELS
from playground.toydata import TOY_1D, TOY_2D
from playground.ui.deferred import deferred
from playground.ui.plotclick import plot_clicks
from playground.ui.settings import Lesson, Setting, Table

TAB_ID = "density"
INTRO = """### Kernel density estimation
Put a small bump (a **kernel**) on every data point and add them up: that sum, divided by N, is the
estimate. The **bandwidth h** (the kernel's standard deviation) sets how wide each bump is: too small
and the estimate is spiky (*under-smoothing*), too large and it blurs the structure away (*over-smoothing*).
The held-out curve below shows which h generalises best. **Click the plot** to add points of your own."""
TYPED, UPLOADED = "typed numbers", "uploaded CSV"
RULES = (("manual (slider)", "manual"), ("Scott", "scott"), ("Silverman", "silverman"),
         ("improved Sheather-Jones", "isj"), ("CV likelihood", "cv"))


def dataset_choices(dim: str) -> list[str]:
    return list(TOY_1D if dim == "1-D" else TOY_2D) + [TYPED, UPLOADED]


def rule_choices(dim: str) -> list:
    return list(RULES) if dim == "1-D" else [r for r in RULES if r[1] != "isj"]


TABLE = Table(TAB_ID, [
    Setting("dim", "radio", "Dimension", "1-D", choices=("1-D", "2-D")),
    Setting("data", "dropdown", "Data", "bimodal mixture", choices=tuple(dataset_choices("1-D")),
            options=dict(allow_custom_value=True)),  # its choices follow the dimension: checked in the handler
    Setting("n", "number", "Sample size N", 1000, lo=1, hi=1_000_000, whole=True),
    Setting("seed", "seed", "Seed", 0, help="Any whole number, used mod 2^32", secondary=True),
    Setting("pts", "text", "Your numbers (1-D: separated by commas or spaces; 2-D: 'x, y' per line)", "",
            options=dict(lines=2, placeholder="-2.1, -1.3, -0.4, 1.9, 5.1, 6.2")),
    Setting("kernel", "radio", "Kernel", "gaussian", choices=KDE_KERNELS),
    Setting("bw", "slider", "Bandwidth: log10 h", -0.5, lo=-3.0, hi=3.0, step=0.01),
    Setting("rule", "radio", "Bandwidth rule", "silverman", choices=RULES),
    Setting("map", "radio", "2-D view", "heatmap", choices=("heatmap", "contours"), secondary=True,
            options=dict(visible=False)),
    Setting("true", "checkbox", "Show the true density (when known)", True, secondary=True),
    Setting("curse_n", "number", "Training points N", 1000, lo=50, hi=5000, whole=True, linked=False),
    Setting("curse_seed", "seed", "Seed (curse)", 0, linked=False),
], version=2, renamed={1: {"view": "map"}}, lessons=(  # v2: `view` is the page's (projector)
    Lesson("Six points, h too small", "Each point keeps its own spike: the estimate memorises the six points "
           "(under-smoothing) and would give new data almost no density.",
           dict(data="six points", rule="manual", bw=-1.3)),
    Lesson("Six points, h too large", "One wide bump hides that the points form two groups (over-smoothing); "
           "Silverman's rule sits between the two extremes.", dict(data="six points", rule="manual", bw=0.6)),
    Lesson("A million points", "KDE stays live at N = 1,000,000: the points are binned and the kernel applied by an "
           "FFT, so moving the bandwidth costs milliseconds.", dict(n=1_000_000, rule="manual", bw=-1.0)),
    Lesson("The curse of dimensionality", "Open the accordion below: with the same N, KDE beats a plain Gaussian in "
           "1-D but loses as the dimension grows, because the data thin out exponentially.", dict(curse_n=1000)),
), adjust=lambda v: _fit_dimension(v["dim"], v["data"], v["rule"], v["pts"], v["map"]))


def _fit_dimension(dim: str, data: str, rule: str, typed: str, view: str | None = None) -> dict:
    """The data and rule choices (and the 2-D view) for a dimension; a setting that no longer fits falls back.
    An upload never travels in a link, and typed numbers only with their numbers."""
    linkable = [c for c in dataset_choices(dim) if c != UPLOADED and (c != TYPED or typed)]
    data = data if data in linkable else ("bimodal mixture" if dim == "1-D" else "moons")
    rule = rule if rule in [v for _, v in rule_choices(dim)] else "silverman"
    return dict(data=gr.Dropdown(choices=dataset_choices(dim), value=data),
                rule=gr.Radio(choices=rule_choices(dim), value=rule),
                map=gr.Radio(visible=dim == "2-D") if view is None else gr.Radio(value=view, visible=dim == "2-D"))


def on_dim_change(dim: str, data: str, rule: str, typed: str):
    fixed = _fit_dimension(dim, data, rule, typed)
    return fixed["data"], fixed["rule"], fixed["map"]


estimate, estimate_manual = deferred("density_handlers.estimate"), deferred("density_handlers.estimate_manual")
read_upload, curse = deferred("density_handlers.read_upload"), deferred("density_handlers.curse")
add_point, estimate_after_click = deferred("density_handlers.add_point"), deferred("density_handlers.estimate_after_click")


def build_tab(demo: gr.Blocks) -> None:
    t = TABLE
    with gr.Tab("Density estimation", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        t.toolbar()
        uploaded = gr.State(None)
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                dim, dataset = t.build("dim"), t.build("data")
                with gr.Row():
                    t.build("n"), t.build("seed")
                typed = t.build("pts")
                csv = gr.File(label="Upload a CSV (one column for 1-D, x and y columns for 2-D; up to 1,000,000 rows)",
                              file_types=[".csv", ".txt"], type="filepath", elem_id="density-csv")
                t.build("kernel"), t.build("bw"), t.build("rule"), t.build("map"), t.build("true")
            with gr.Column(scale=2):
                plot = gr.Plot(label="Density estimate", elem_id="density-plot")
                clicked = plot_clicks(plot, "density-plot", "Clicked point")
                info = gr.Markdown(elem_id="density-info")
                heldout = gr.Plot(label="Held-out likelihood against bandwidth", elem_id="density-heldout")
        with gr.Accordion("The curse of dimensionality: KDE against a Gaussian from d = 1 to 10", open=False) as box:
            gr.Markdown("Data from a two-component mixture in d dimensions; each model is fitted on N points and "
                        "scored on 2,000 held-out points. KDE needs exponentially more data as d grows.")
            with gr.Row():
                curse_in = [t.build("curse_n"), t.build("curse_seed")]
                curse_btn = gr.Button("Run the experiment", variant="primary")
            curse_plot = gr.Plot(label="Curse of dimensionality")
            curse_text = gr.Markdown()

    settings = t.widgets("dim", "data", "n", "seed", "pts", "kernel", "bw", "rule", "map", "true")
    inputs, outputs = settings + [uploaded], [plot, heldout, info, t["bw"], t["rule"]]
    compute = dict(api_visibility="private", concurrency_id="compute")
    # Computations follow user actions (.input); programmatic updates (a restored link, a rule's
    # bandwidth) would otherwise cascade into estimates made from half-updated settings.
    dim.input(on_dim_change, t.widgets("dim", "data", "rule", "pts"), t.widgets("data", "rule", "map"),
              api_visibility="private").then(estimate, inputs, outputs, **compute)
    gr.on([t[k].input for k in ("data", "n", "seed", "kernel", "rule", "map", "true")], estimate, inputs, outputs,
          api_name="density", trigger_mode="always_last", concurrency_id="compute")
    t["bw"].input(estimate_manual, inputs, outputs, api_name="density_bandwidth", trigger_mode="always_last",
                  concurrency_id="compute")
    typed.submit(lambda: gr.Dropdown(value=TYPED), None, dataset, api_visibility="private").then(
        estimate, inputs, outputs, **compute)
    csv.upload(read_upload, [csv, dim], [uploaded, dataset], api_name="density_upload").success(
        estimate, inputs, outputs, **compute)
    clicked.event(add_point, [dim, dataset, typed, *clicked.xy], [typed, dataset], api_name="density_add_point").success(
        estimate_after_click, inputs, outputs, **compute)
    curse_btn.click(curse, curse_in, [curse_plot, curse_text], api_name="density_curse", concurrency_id="compute")
    t.link(demo, tab).then(estimate, inputs, outputs, **compute)
    t.lessons_run(_lesson, [t.picker, *inputs, *curse_in], [*outputs, curse_plot, curse_text, box], **compute)


def _lesson(name, *values):
    """A lesson's picture: the estimate, and for the curse lesson the experiment too (its accordion opened)."""
    *settings, curse_n, curse_seed = values
    density = estimate(*settings)
    if name != "The curse of dimensionality":
        return (*density, gr.skip(), gr.skip(), gr.skip())
    return (*density, *curse(curse_n, curse_seed), gr.Accordion(open=True))
