"""Joint distributions tab: Bernoulli and categorical sampling, why a joint over many binary variables needs
an assumption (2^n - 1 against 2n - 1 against n parameters), three binary-image models side by side, and a
Gaussian mixture fitted by EM, one iteration at a time."""
import gradio as gr

from playground.models.gmm import COVARIANCE_TYPES
from playground.ui import checks
from playground.ui.joint_handlers import (GMM_SETS, MAX_DRAWS, MAX_VARIABLES, categorical, gmm_animation, gmm_step,
                                          joint_counts, pixel_models)
from playground.ui.urlstate import query_value, sync_url, tab_query

TAB_ID = "joint"
INTRO = """### Joint distributions: what it costs to model many variables at once
A joint distribution over n binary variables has 2^n outcomes, so a full table needs 2^n - 1 numbers.
Assumptions make it affordable: **independence** (n numbers), a **Markov chain** where each variable depends
on the one before (2n - 1), or an **autoregressive network** that computes every conditional p(x_i | x_<i)
with shared weights. A **Gaussian mixture** is another way to build a rich density from simple parts."""
DEFAULTS = dict(probs="0.2, 0.5, 0.3", draws=1000, seed=0, nvars=784, temp=1.0, pseed=0, data="8 gaussians",
                points=1000, k=8, cov="full", iters=40, gseed=0, step=40, samples=0)


def build_tab(demo: gr.Blocks) -> None:
    with gr.Tab("Joint distributions", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        gr.Markdown("#### Sampling a Bernoulli or categorical variable")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                probs = gr.Textbox(DEFAULTS["probs"], label="Probabilities (one p for a Bernoulli, or weights)")
                draws = checks.Slider(1, MAX_DRAWS, value=DEFAULTS["draws"], step=1, label="Number of draws")
                seed = checks.Number(DEFAULTS["seed"], precision=0, label="Seed (any whole number, used mod 2^32)")
            with gr.Column(scale=2):
                freq = gr.Plot(label="Probabilities and frequencies", elem_id="joint-frequencies")
                draws_note = gr.Markdown(elem_id="joint-draws")
        gr.Markdown("#### How many parameters does a joint over n binary variables need?")
        with gr.Row():
            nvars = checks.Slider(1, MAX_VARIABLES, value=DEFAULTS["nvars"], step=1, label="Number of binary variables n", scale=1)
            with gr.Column(scale=2):
                counts = gr.Plot(label="Parameter counts", elem_id="joint-counts")
                counts_note = gr.Markdown(elem_id="joint-counts-note")
        gr.Markdown("#### Three models of a binary MNIST digit (n = 784 pixels)")
        with gr.Row():
            temp = checks.Slider(0, 2, value=DEFAULTS["temp"], step=0.05, label="Sampling temperature")
            pseed = checks.Number(DEFAULTS["pseed"], precision=0, label="Sample seed")
            models_go = gr.Button("Sample from the three models", variant="primary", elem_id="joint-models-go")
        with gr.Row():
            indep = gr.Image(label="Independent pixels (n parameters)", format="png", height=380, elem_id="joint-independent")
            markov = gr.Image(label="Markov chain (2n - 1 parameters)", format="png", height=380, elem_id="joint-markov")
            pixelcnn = gr.Image(label="PixelCNN (neural conditionals)", format="png", height=380, elem_id="joint-pixelcnn")
        table = gr.Dataframe(label="Parameters and test likelihood", elem_id="joint-table", interactive=False)
        models_note = gr.Markdown(elem_id="joint-models-note")
        gr.Markdown("#### A Gaussian mixture fitted by EM, step by step")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                data = checks.Dropdown(GMM_SETS, value=DEFAULTS["data"], label="2-D data set")
                points = checks.Slider(50, 5000, value=DEFAULTS["points"], step=50, label="Number of points")
                k = checks.Slider(1, 10, value=DEFAULTS["k"], step=1, label="Components K")
                cov = checks.Radio(list(COVARIANCE_TYPES), value=DEFAULTS["cov"], label="Covariance type")
                iters = checks.Slider(1, 200, value=DEFAULTS["iters"], step=1, label="EM iterations")
                gseed = checks.Number(DEFAULTS["gseed"], precision=0, label="Initialisation seed")
                step = checks.Slider(0, 200, value=DEFAULTS["step"], step=1, label="Show EM step", elem_id="gmm-step")
                samples = checks.Slider(0, 2000, value=DEFAULTS["samples"], step=50, label="Samples from the fit")
                animate = gr.Button("Animate all steps", elem_id="gmm-animate")
            with gr.Column(scale=2):
                em = gr.Plot(label="EM: responsibilities and ellipses", elem_id="gmm-figure")
                gmm_note = gr.Markdown(elem_id="gmm-note")
                loglik = gr.Plot(label="Log-likelihood per iteration", elem_id="gmm-loglik")
                params = gr.Dataframe(label="Mixture parameters at this step", interactive=False, elem_id="gmm-table")
                movie = gr.Plot(label="EM animation", elem_id="gmm-animation")
    cat_in, gmm_fit_in = [probs, draws, seed], [data, points, k, cov, iters, gseed]
    gmm_in, gmm_out = gmm_fit_in + [step, samples], [em, loglik, params, gmm_note, step]
    gr.on([tab.select, probs.submit, draws.input, seed.submit], categorical, cat_in, [freq, draws_note],
          api_name="joint_categorical", trigger_mode="always_last")
    gr.on([tab.select, nvars.input], joint_counts, nvars, [counts, counts_note], api_name="joint_counts",
          trigger_mode="always_last")
    models_go.click(pixel_models, [temp, pseed], [indep, markov, pixelcnn, table, models_note],
                    api_name="joint_pixel_models", concurrency_id="compute")
    gr.on([tab.select, data.input, points.input, k.input, cov.input, iters.input, gseed.submit, step.input,
           samples.input], gmm_step, gmm_in, gmm_out, api_name="joint_gmm", trigger_mode="always_last")
    animate.click(gmm_animation, gmm_fit_in, movie, api_name="joint_gmm_animation", concurrency_id="compute")
    settings = dict(probs=probs, draws=draws, seed=seed, nvars=nvars, temp=temp, pseed=pseed, data=data, points=points,
                    k=k, cov=cov, iters=iters, gseed=gseed, step=step, samples=samples)
    sync_url(tab, TAB_ID, settings)
    demo.load(_restore, None, list(settings.values()), api_visibility="private").then(
        _run_if_linked, cat_in + [nvars] + gmm_in, [freq, draws_note, counts, counts_note] + gmm_out,
        api_visibility="private")


def _restore(request: gr.Request):
    q, d = tab_query(request, TAB_ID), DEFAULTS
    return (query_value(q, "probs", d["probs"]), query_value(q, "draws", d["draws"], int, bounds=(1, MAX_DRAWS)),
            query_value(q, "seed", 0, int), query_value(q, "nvars", d["nvars"], int, bounds=(1, MAX_VARIABLES)),
            query_value(q, "temp", d["temp"], float, bounds=(0, 2)), query_value(q, "pseed", 0, int),
            query_value(q, "data", d["data"], choices=GMM_SETS), query_value(q, "points", d["points"], int, bounds=(50, 5000)),
            query_value(q, "k", d["k"], int, bounds=(1, 10)), query_value(q, "cov", d["cov"], choices=COVARIANCE_TYPES),
            query_value(q, "iters", d["iters"], int, bounds=(1, 200)), query_value(q, "gseed", 0, int),
            query_value(q, "step", d["step"], int, bounds=(0, 200)), query_value(q, "samples", 0, int, bounds=(0, 2000)))


def _run_if_linked(probs, draws, seed, nvars, data, points, k, cov, iters, gseed, step, samples, request: gr.Request):
    """A link to this tab draws its figures at once (the pixel models wait for their button)."""
    if query_value(request.query_params if request else None, "tab", "") != TAB_ID:
        return (gr.skip(),) * 9
    return (*categorical(probs, draws, seed), *joint_counts(nvars),
            *gmm_step(data, points, k, cov, iters, gseed, step, samples))
