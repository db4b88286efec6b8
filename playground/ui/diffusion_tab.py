"""Diffusion tab: the forward process on a digit or a 2-D shape with its schedule, and the 2-D reverse
process with diffusers' samplers, particles flowing from noise to data and the learned score field."""
import math

import gradio as gr

from playground import plotting
from playground.data import DatasetUnavailable
from playground.models.diffusion import MAX_STEPS, SAMPLERS
from playground.registry import SHAPES_2D
from playground.tasks import diffusion_lab as lab
from playground.ui.urlstate import query_value, sync_url

TAB_ID = "diffusion"
INTRO = """### Diffusion: destroy data with noise, learn to undo it
**Forward**: x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps; slide t and watch the signal drown.
**Reverse**: a network trained to predict eps walks particles from pure noise back to the shape; choose
the sampler and the number of steps (too few and the shape is missed). The red arrows are the learned
score, the direction of rising density at the chosen noise level."""
DEFAULTS = dict(source="2-D shape", shape="moons", digit=0, t=300, sampler="ddim", steps=50, eta=0.0, n=1000,
                seed=0, score_t=100)


def _whole(value, name: str, lo: int, hi: int) -> int:
    if value is None or not math.isfinite(float(value)) or not lo <= int(value) <= hi:
        raise gr.Error(f"{name} must be a whole number from {lo:,} to {hi:,}.")
    return int(value)


def forward(source, shape, digit, t, seed):
    """x_0 beside x_t, and where t sits on the schedule."""
    t, seed = _whole(t, "t", 0, 999), abs(_whole(seed, "Seed", -2 ** 62, 2 ** 62)) % 2 ** 32
    if shape not in SHAPES_2D:
        raise gr.Error(f"Unknown shape '{shape}'.")
    alpha_bar, log_snr = lab.schedule()
    sched = plotting.schedule_figure(alpha_bar, log_snr, t, "Noise schedule (cosine)")
    note = f"t = {t}: alpha_bar = {alpha_bar[t]:.4f}, noise std = {math.sqrt(1 - alpha_bar[t]):.3f}, log SNR = {log_snr[t]:.2f}"
    if source == "MNIST digit":
        try:
            x0, xt = lab.forward_noise("digit", _whole(digit, "Digit index", 0, 9999), t, seed)
        except DatasetUnavailable as error:
            raise gr.Error(str(error)) from None
        gallery = [(lab.to_image(x0), "x_0"), (lab.to_image(xt), f"x_t, t = {t}")]
        return gr.Plot(visible=False), gr.Gallery(value=gallery, visible=True), sched, note
    x0, xt = lab.forward_noise("shape", shape, t, seed)
    fig = plotting.points_figure(x0.numpy(), xt.numpy(), f"{shape} at t = {t}")
    return gr.Plot(value=fig, visible=True), gr.Gallery(visible=False), sched, note


def reverse(shape, sampler, steps, eta, particles, seed, score_t):
    """Particles from noise to the shape with the chosen sampler, and the score field at score_t."""
    if shape not in SHAPES_2D or sampler not in SAMPLERS:
        raise gr.Error("Choose a known shape and sampler.")
    steps = _whole(steps, f"Steps for {sampler}", 1, MAX_STEPS[sampler])
    if eta is None or not 0 <= float(eta) <= 1:
        raise gr.Error("eta must be between 0 (deterministic DDIM) and 1 (DDPM-like noise).")
    n = _whole(particles, "Particles", 10, 3000)
    seed, score_t = abs(_whole(seed, "Seed", -2 ** 62, 2 ** 62)) % 2 ** 32, _whole(score_t, "Score t", 0, 999)
    paths = lab.reverse_2d(shape, sampler, steps, float(eta), n, seed)
    points, scores = lab.score_field(shape, score_t)
    title = f"{sampler}, {steps} steps" + (f", eta = {float(eta):g}" if sampler == "ddim" else "") + f" · score at t = {score_t}"
    return plotting.particles_animation(paths, title, points, scores)


def build_tab(demo: gr.Blocks) -> None:
    with gr.Tab("Diffusion", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                gr.Markdown("#### Forward process")
                source = gr.Radio(["2-D shape", "MNIST digit"], value=DEFAULTS["source"], label="Noise what")
                shape = gr.Dropdown(SHAPES_2D, value=DEFAULTS["shape"], label="Shape")
                digit = gr.Number(DEFAULTS["digit"], label="MNIST test digit index (0 to 9,999)", precision=0)
                t = gr.Slider(0, 999, value=DEFAULTS["t"], step=1, label="Timestep t")
                seed = gr.Number(DEFAULTS["seed"], label="Seed", precision=0)
            with gr.Column(scale=2):
                with gr.Row():
                    points = gr.Plot(label="x_0 and x_t (shape)", elem_id="diffusion-forward-plot")
                    images = gr.Gallery(label="x_0 and x_t (digit)", columns=2, height=300, visible=False, format="png",
                                        elem_id="diffusion-forward-images")
                note = gr.Markdown(elem_id="diffusion-forward-note")
                sched = gr.Plot(label="Noise schedule", elem_id="diffusion-schedule")
        gr.Markdown("#### Reverse process (2-D)")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                sampler = gr.Radio(list(SAMPLERS), value=DEFAULTS["sampler"], label="Sampler")
                steps = gr.Slider(1, 1000, value=DEFAULTS["steps"], step=1,
                                  label="Steps (DPM-Solver++ and the Euler samplers stop at 500)")
                eta = gr.Slider(0, 1, value=DEFAULTS["eta"], step=0.05, label="eta (DDIM only)")
                particles = gr.Slider(10, 3000, value=DEFAULTS["n"], step=10, label="Particles")
                score_t = gr.Slider(0, 999, value=DEFAULTS["score_t"], step=1, label="Show the score at t")
                button = gr.Button("Sample", variant="primary")
            with gr.Column(scale=2):
                animation = gr.Plot(label="Particles from noise to data", elem_id="diffusion-reverse-plot")
    fwd_in, rev_in = [source, shape, digit, t, seed], [shape, sampler, steps, eta, particles, seed, score_t]
    gr.on([tab.select] + [c.input for c in fwd_in], forward, fwd_in, [points, images, sched, note],
          api_name="diffusion_forward", trigger_mode="always_last", concurrency_id="compute")
    gr.on([button.click, tab.select] + [c.input for c in (sampler, steps, eta, particles, score_t)], reverse, rev_in,
          animation, api_name="diffusion_reverse", trigger_mode="always_last", concurrency_id="compute")
    settings = [source, shape, digit, t, seed, sampler, steps, eta, particles, score_t]
    sync_url(tab, TAB_ID, dict(source=source, shape=shape, digit=digit, t=t, seed=seed, sampler=sampler, steps=steps,
                               eta=eta, n=particles, score_t=score_t))
    demo.load(_restore, None, settings, api_name=False).then(
        _run_if_linked, fwd_in + rev_in, [points, images, sched, note, animation], concurrency_id="compute")


def _restore(request: gr.Request):
    q = request.query_params if request is not None else {}
    return (query_value(q, "source", DEFAULTS["source"], choices=("2-D shape", "MNIST digit")),
            query_value(q, "shape", DEFAULTS["shape"], choices=SHAPES_2D), query_value(q, "digit", 0, int, bounds=(0, 9999)),
            query_value(q, "t", DEFAULTS["t"], int, bounds=(0, 999)), query_value(q, "seed", 0, int),
            query_value(q, "sampler", DEFAULTS["sampler"], choices=tuple(SAMPLERS)),
            query_value(q, "steps", DEFAULTS["steps"], int, bounds=(1, 1000)),
            query_value(q, "eta", 0.0, float, bounds=(0, 1)), query_value(q, "n", DEFAULTS["n"], int, bounds=(10, 3000)),
            query_value(q, "score_t", DEFAULTS["score_t"], int, bounds=(0, 999)))


def _run_if_linked(source, shape, digit, t, seed, shape2, sampler, steps, eta, particles, seed2, score_t,
                   request: gr.Request):
    """A link to this tab draws at once; otherwise nothing runs until the tab is opened."""
    if query_value(request.query_params if request else None, "tab", "") != TAB_ID:
        return (gr.skip(),) * 5
    return (*forward(source, shape, digit, t, seed), reverse(shape, sampler, steps, eta, particles, seed, score_t))
