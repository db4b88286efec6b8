"""Joint distributions tab: Bernoulli and categorical sampling, why a joint over many binary variables needs
an assumption (2^n - 1 against 2n - 1 against n parameters), three binary-image models side by side, and a
Gaussian mixture fitted by EM, one iteration at a time. Thin wiring: the handlers live in joint_handlers.py."""
import gradio as gr

from playground.toydata import TOY_2D
from playground.ui.deferred import deferred
from playground.ui.settings import Lesson, Setting, Table

TAB_ID = "joint"
INTRO = """### Joint distributions: what it costs to model many variables at once
A joint distribution over n binary variables has 2^n outcomes, so a full table needs 2^n - 1 numbers.
Assumptions make it affordable: **independence** (n numbers), a **Markov chain** where each variable depends
on the one before (2n - 1), or an **autoregressive network** that computes every conditional p(x_i | x_<i)
with shared weights. A **Gaussian mixture** is another way to build a rich density from simple parts."""
COVARIANCE_TYPES = ("full", "diag", "spherical", "tied")  # playground.models.gmm.COVARIANCE_TYPES (a test checks)
SEED_HELP = "Any whole number, used mod 2^32"

TABLE = Table(TAB_ID, [
    Setting("probs", "text", "Probabilities (one p for a Bernoulli, or weights)", "0.2, 0.5, 0.3"),
    Setting("draws", "slider", "Number of draws", 1000, lo=1, hi=100_000, step=1),
    Setting("seed", "seed", "Seed", 0, help=SEED_HELP, secondary=True),
    Setting("nvars", "slider", "Number of binary variables n", 784, lo=1, hi=1024, step=1, options=dict(scale=1)),
    Setting("temp", "slider", "Sampling temperature", 1.0, lo=0.0, hi=2.0, step=0.05),
    Setting("pseed", "seed", "Sample seed", 0, help=SEED_HELP, secondary=True),
    Setting("data", "dropdown", "2-D data set", "8 gaussians", choices=tuple(TOY_2D)),
    Setting("points", "slider", "Number of points", 1000, lo=50, hi=5000, step=50),
    Setting("k", "slider", "Components K", 8, lo=1, hi=10, step=1),
    Setting("cov", "radio", "Covariance type", "full", choices=COVARIANCE_TYPES),
    Setting("iters", "slider", "EM iterations", 40, lo=1, hi=200, step=1),
    # Not secondary: where EM starts is a lesson of its own (it also draws the data).
    Setting("gseed", "seed", "Initialisation seed", 0, help="Draws the data and the k-means++ start; " + SEED_HELP),
    Setting("step", "slider", "Show EM step", 40, lo=0, hi=200, step=1, options=dict(elem_id="gmm-step"),
            hi_by=("iters", {i: i for i in range(1, 201)})),  # the last step is the last iteration
    Setting("samples", "slider", "Samples from the fit", 0, lo=0, hi=2000, step=50),
], lessons=(
    Lesson("EM from a bad start", "From this start EM settles in a poor local optimum: two components each cover "
           "two clusters while two other clusters are split in two, and the log-likelihood stays at -1.96 nats per "
           "point where initialisation seed 0 reaches -1.66.",
           dict(gseed=103, iters=100, step=100)),
    Lesson("K too large", "Ten components for three clusters: EM cuts the clusters into pieces, some holding 3% of "
           "the points, yet the log-likelihood rises only from -2.571 (K = 3) to -2.560 and BIC gets worse.",
           dict(data="gaussian mixture", k=10, iters=100, step=100)),
), adjust=lambda v: dict(step=gr.Slider(maximum=v["iters"], value=min(v["step"], v["iters"]))))  # the last step
FIT = ("data", "points", "k", "cov", "iters", "gseed")  # what the EM history depends on
GMM = (*FIT, "step", "samples")


def _step_within(iterations: int, step: int):
    """The iterations moved: the step slider ends at the last one. Its value is set only when past the end, so this
    never overwrites a step chosen meanwhile."""
    return gr.Slider(maximum=iterations, value=iterations) if step > iterations else gr.Slider(maximum=iterations)


categorical, joint_counts, pixel_models, gmm_step, gmm_animation, gmm_gif = (
    deferred(f"joint_handlers.{name}") for name in ("categorical", "joint_counts", "pixel_models", "gmm_step",
                                                     "gmm_animation", "gmm_gif"))
gmm = TABLE.checked(gmm_step, list(GMM))  # the step, checked against the iterations; the lessons run it too


def build_tab(demo: gr.Blocks) -> None:
    t = TABLE
    with gr.Tab("Joint distributions", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        t.toolbar()
        gr.Markdown("#### Sampling a Bernoulli or categorical variable")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                probs, draws, seed = t.build("probs"), t.build("draws"), t.build("seed")
            with gr.Column(scale=2):
                freq = gr.Plot(label="Probabilities and frequencies", elem_id="joint-frequencies")
                draws_note = gr.Markdown(elem_id="joint-draws")
        gr.Markdown("#### How many parameters does a joint over n binary variables need?")
        with gr.Row():
            nvars = t.build("nvars")
            with gr.Column(scale=2):
                counts = gr.Plot(label="Parameter counts", elem_id="joint-counts")
                counts_note = gr.Markdown(elem_id="joint-counts-note")
        gr.Markdown("#### Three models of a binary MNIST digit (n = 784 pixels)")
        with gr.Row():
            t.build("temp"), t.build("pseed")
            models_go = gr.Button("Sample from the three models", variant="primary", elem_id="joint-models-go")
        with gr.Row():
            pictures = [gr.Image(label=label, format="png", height=380, elem_id=f"joint-{key}") for key, label in (
                ("independent", "Independent pixels (n parameters)"), ("markov", "Markov chain (2n - 1 parameters)"),
                ("pixelcnn", "PixelCNN (neural conditionals)"))]
        table = gr.Dataframe(label="Parameters and test likelihood", elem_id="joint-table", interactive=False)
        models_note = gr.Markdown(elem_id="joint-models-note")
        gr.Markdown("#### A Gaussian mixture fitted by EM, step by step")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                for key in GMM:
                    t.build(key)
                with gr.Row():
                    animate = gr.Button("Animate all steps", elem_id="gmm-animate")
                    gif_go = gr.Button("GIF for slides", elem_id="gmm-gif-go")
            with gr.Column(scale=2):
                em = gr.Plot(label="EM: responsibilities and ellipses", elem_id="gmm-figure")
                gmm_note = gr.Markdown(elem_id="gmm-note")
                loglik = gr.Plot(label="Log-likelihood per iteration", elem_id="gmm-loglik")
                params = gr.Dataframe(label="Mixture parameters at this step", interactive=False, elem_id="gmm-table")
                movie = gr.Plot(label="EM animation", elem_id="gmm-animation")
                gif = gr.File(label="EM steps as a GIF", elem_id="gmm-gif")

    cat_in, fit_in = [probs, draws, seed], t.widgets(*FIT)
    gmm_in, gmm_out = t.widgets(*GMM), [em, loglik, params, gmm_note]
    compute = dict(api_visibility="private", concurrency_id="compute")
    gr.on([tab.select, probs.submit, draws.input, seed.submit], categorical, cat_in, [freq, draws_note],
          api_name="joint_categorical", trigger_mode="always_last")
    gr.on([tab.select, nvars.input], joint_counts, nvars, [counts, counts_note], api_name="joint_counts",
          trigger_mode="always_last")
    models_go.click(pixel_models, t.widgets("temp", "pseed"), [*pictures, table, models_note],
                    api_name="joint_pixel_models", concurrency_id="compute")
    gr.on([tab.select, *(t[k].input for k in ("data", "points", "k", "cov", "step", "samples")), t["gseed"].submit],
          gmm, gmm_in, gmm_out, api_name="joint_gmm", trigger_mode="always_last")
    t["iters"].input(_step_within, t.widgets("iters", "step"), t["step"], api_visibility="private").then(
        gmm, gmm_in, gmm_out, **compute)
    animate.click(gmm_animation, fit_in, movie, api_name="joint_gmm_animation", concurrency_id="compute")
    gif_go.click(gmm_gif, fit_in, gif, api_name="joint_gmm_gif", concurrency_id="compute")
    t.link(demo, tab).then(_run_if_linked, cat_in + [nvars] + gmm_in,
                           [freq, draws_note, counts, counts_note] + gmm_out, api_visibility="private")
    t.lessons_run(gmm, gmm_in, gmm_out, **compute)


def _run_if_linked(probs, draws, seed, nvars, data, points, k, cov, iters, gseed, step, samples, request: gr.Request):
    """A link to this tab draws its figures at once (the pixel models wait for their button)."""
    if not TABLE.linked(request):
        return (gr.skip(),) * 8
    return (*categorical(probs, draws, seed), *joint_counts(nvars),
            *gmm_step(data, points, k, cov, iters, gseed, step, samples))
