"""Density estimation tab: Parzen windows / KDE in 1-D and 2-D, bandwidth rules, held-out likelihood,
the curse of dimensionality. Thin wiring: the handlers live in density_handlers.py."""
import gradio as gr

from playground.models.kde import KERNELS
from playground.ui import checks
from playground.ui import density_handlers as h
from playground.ui.urlstate import query_value, sync_url, tab_query

TAB_ID = "density"
INTRO = """### Kernel density estimation
Put a small bump (a **kernel**) on every data point and add them up: that sum, divided by N, is the
estimate. The **bandwidth h** (the kernel's standard deviation) sets how wide each bump is: too small
and the estimate is spiky (*under-smoothing*), too large and it blurs the structure away (*over-smoothing*).
The held-out curve below shows which h generalises best. Every setting is in the page's link: copy it to share."""


def build_tab(demo: gr.Blocks) -> None:
    with gr.Tab("Density estimation", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        uploaded = gr.State(None)
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                dim = checks.Radio(["1-D", "2-D"], value="1-D", label="Dimension")
                dataset = checks.Dropdown(h.dataset_choices("1-D"), value="bimodal mixture", label="Data", allow_custom_value=True)
                with gr.Row():
                    n = checks.Number(1000, label="Sample size N (1 to 1,000,000)", precision=0, minimum=1, maximum=1_000_000)
                    seed = checks.Number(0, label="Seed", precision=0)
                typed = gr.Textbox(label="Your numbers (1-D: separated by commas or spaces; 2-D: 'x, y' per line)",
                                   placeholder="-2.1, -1.3, -0.4, 1.9, 5.1, 6.2", lines=2)
                csv = gr.File(label="Upload a CSV (one column for 1-D, x and y columns for 2-D; up to 1,000,000 rows)",
                              file_types=[".csv", ".txt"], type="filepath", elem_id="density-csv")
                kernel = checks.Radio(list(KERNELS), value="gaussian", label="Kernel")
                log_h = checks.Slider(*h.LOG10_H_RANGE, value=-0.5, step=0.01, label="Bandwidth: log10 h")
                rule = checks.Radio(h.rule_choices("1-D"), value="silverman", label="Bandwidth rule")
                view = checks.Radio(["heatmap", "contours"], value="heatmap", label="2-D view", visible=False)
                show_true = checks.Checkbox(True, label="Show the true density (when known)")
            with gr.Column(scale=2):
                plot = gr.Plot(label="Density estimate", elem_id="density-plot")
                info = gr.Markdown(elem_id="density-info")
                heldout = gr.Plot(label="Held-out likelihood against bandwidth", elem_id="density-heldout")
        with gr.Accordion("The curse of dimensionality: KDE against a Gaussian from d = 1 to 10", open=False):
            gr.Markdown("Data from a two-component mixture in d dimensions; each model is fitted on N points and "
                        "scored on 2,000 held-out points. KDE needs exponentially more data as d grows.")
            with gr.Row():
                curse_n = checks.Number(1000, label="Training points N", precision=0, minimum=50, maximum=5000)
                curse_seed = checks.Number(0, label="Seed (curse)", precision=0)
                curse_btn = gr.Button("Run the experiment", variant="primary")
            curse_plot = gr.Plot(label="Curse of dimensionality")
            curse_text = gr.Markdown()

    settings = [dim, dataset, n, seed, typed, kernel, log_h, rule, view, show_true]
    outputs = [plot, heldout, info, log_h, rule]
    # Computations follow user actions (.input); programmatic updates (a restored link, a rule's
    # bandwidth) would otherwise cascade into estimates made from half-updated settings.
    dim.input(h.on_dim_change, [dim, dataset, rule], [dataset, rule, view], api_visibility="private").then(
        h.estimate, settings + [uploaded], outputs, api_visibility="private", concurrency_id="compute")
    gr.on([c.input for c in (dataset, n, seed, kernel, rule, view, show_true)], h.estimate,
          settings + [uploaded], outputs, api_name="density", trigger_mode="always_last", concurrency_id="compute")
    log_h.input(h.estimate_manual, settings + [uploaded], outputs, api_name="density_bandwidth",
                trigger_mode="always_last", concurrency_id="compute")
    typed.submit(lambda: gr.Dropdown(value=h.TYPED), None, dataset, api_visibility="private").then(
        h.estimate, settings + [uploaded], outputs, api_visibility="private", concurrency_id="compute")
    csv.upload(h.read_upload, [csv, dim], [uploaded, dataset], api_name="density_upload").success(
        h.estimate, settings + [uploaded], outputs, api_visibility="private", concurrency_id="compute")
    curse_btn.click(h.curse, [curse_n, curse_seed], [curse_plot, curse_text], api_name="density_curse",
                    concurrency_id="compute")
    sync_url(tab, TAB_ID, dict(dim=dim, data=dataset, n=n, seed=seed, pts=typed, kernel=kernel, bw=log_h, rule=rule,
                          view=view, true=show_true))
    demo.load(_restore, None, settings, api_visibility="private").then(
        h.estimate, settings + [uploaded], outputs, api_visibility="private", concurrency_id="compute")


def _restore(request: gr.Request):
    """Widgets from the link (?tab=density&...); anything missing or invalid keeps its default."""
    q = tab_query(request, TAB_ID)
    d = query_value(q, "dim", "1-D", choices=("1-D", "2-D"))
    typed = query_value(q, "pts", "")
    linkable = [c for c in h.dataset_choices(d) if c != h.UPLOADED and (c != h.TYPED or typed)]  # uploads stay private
    data = query_value(q, "data", "bimodal mixture" if d == "1-D" else "moons", choices=linkable)
    rules = [v for _, v in h.rule_choices(d)]
    rule = query_value(q, "rule", "silverman", choices=rules)
    view = query_value(q, "view", "heatmap", choices=("heatmap", "contours"))
    return (d, gr.Dropdown(choices=h.dataset_choices(d), value=data),
            query_value(q, "n", 1000, int, bounds=(1, 1_000_000)), query_value(q, "seed", 0, int), typed,
            query_value(q, "kernel", "gaussian", choices=KERNELS), query_value(q, "bw", -0.5, float, bounds=h.LOG10_H_RANGE),
            gr.Radio(choices=h.rule_choices(d), value=rule), gr.Radio(value=view, visible=d == "2-D"),
            query_value(q, "true", True, bool))
