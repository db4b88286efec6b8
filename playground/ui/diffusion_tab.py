"""Diffusion tab: the forward process on a digit or a 2-D shape with its schedule, and the 2-D reverse
process with diffusers' samplers, particles flowing from noise to data and the learned score field."""
import gradio as gr

from playground.models.diffusion import SAMPLERS
from playground.registry import SHAPES_2D
from playground.tasks.diffusion_lab import DIGIT_MODELS, streams_at_once
from playground.ui import checks
from playground.ui.diffusion_handlers import LABELS, MAX_BATCH, MAX_GUIDANCE, forward, reverse, sample_digits
from playground.ui.urlstate import query_value, sync_url, tab_query

TAB_ID = "diffusion"
INTRO = """### Diffusion: destroy data with noise, learn to undo it
**Forward**: x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps; slide t and watch the signal drown.
**Reverse**: a network trained to predict eps walks particles from pure noise back to the shape; choose
the sampler and the number of steps (too few and the shape is missed). The red arrows are the learned
score, the direction of rising density at the chosen noise level.
**Digits**: a class-conditional UNet turns noise into MNIST digits while you watch x_t and its guess of
x_0; guidance w mixes the conditional and unconditional predictions, eps_uncond + w (eps_cond - eps_uncond)."""
DEFAULTS = dict(source="2-D shape", shape="moons", digit=0, t=300, sampler="ddim", steps=50, eta=0.0, n=1000,
                seed=0, score_t=100, dsampler="ddim", dsteps=50, deta=0.0, w=3.0, label="random", batch=16, dseed=0,
                dmodel=DIGIT_MODELS[0])


def build_tab(demo: gr.Blocks) -> None:
    with gr.Tab("Diffusion", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                gr.Markdown("#### Forward process")
                source = checks.Radio(["2-D shape", "MNIST digit"], value=DEFAULTS["source"], label="Noise what")
                shape = checks.Dropdown(SHAPES_2D, value=DEFAULTS["shape"], label="Shape")
                digit = checks.Number(DEFAULTS["digit"], label="MNIST test digit index (0 to 9,999)", precision=0, minimum=0,
                                      maximum=9999)
                t = checks.Slider(0, 999, value=DEFAULTS["t"], step=1, label="Timestep t")
                seed = checks.Number(DEFAULTS["seed"], label="Seed", precision=0)
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
                sampler = checks.Radio(list(SAMPLERS), value=DEFAULTS["sampler"], label="Sampler", elem_id="diffusion-sampler")
                steps = checks.Slider(1, 1000, value=DEFAULTS["steps"], step=1,
                                  label="Steps (DPM-Solver++ and the Euler samplers stop at 500)")
                eta = checks.Slider(0, 1, value=DEFAULTS["eta"], step=0.05, label="eta (DDIM only)")
                particles = checks.Slider(10, 3000, value=DEFAULTS["n"], step=10, label="Particles")
                score_t = checks.Slider(0, 999, value=DEFAULTS["score_t"], step=1, label="Show the score at t")
                button = gr.Button("Sample", variant="primary")
            with gr.Column(scale=2):
                animation = gr.Plot(label="Particles from noise to data", elem_id="diffusion-reverse-plot")
        gr.Markdown("#### Reverse process (MNIST digits)")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                d_sampler = checks.Radio(list(SAMPLERS), value=DEFAULTS["dsampler"], label="Digit sampler",
                                     elem_id="digits-sampler")
                d_steps = checks.Slider(1, 1000, value=DEFAULTS["dsteps"], step=1, elem_id="digits-steps",
                                    label="Digit steps (DPM-Solver++ and the Euler samplers stop at 500)")
                d_eta = checks.Slider(0, 1, value=DEFAULTS["deta"], step=0.05, label="Digit eta (DDIM only)")
                guidance = checks.Slider(0, MAX_GUIDANCE, value=DEFAULTS["w"], step=0.5, elem_id="digits-guidance",
                                     label="Guidance scale w (0 = unconditional, 1 = no guidance)")
                label = checks.Dropdown(LABELS, value=DEFAULTS["label"], label="Digit to draw", elem_id="digits-label")
                batch = checks.Slider(1, MAX_BATCH, value=DEFAULTS["batch"], step=1, label="How many digits")
                d_seed = checks.Number(DEFAULTS["dseed"], precision=0, label="Sampling seed (any whole number, used mod 2^32)")
                d_model = checks.Radio(list(DIGIT_MODELS), value=DEFAULTS["dmodel"], elem_id="digits-model",
                                   label="Digit model (the fast one has a quarter of the UNet's parameters)")
                with gr.Row():
                    go = gr.Button("Generate digits", variant="primary", elem_id="digits-go")
                    stop = gr.Button("Stop", variant="stop", elem_id="digits-stop")
            with gr.Column(scale=2):
                status = gr.Markdown("Press **Generate digits**: x_t and the predicted x_0 stream in as the sampler runs.",
                                     elem_id="digits-status")
                with gr.Row():
                    xt_frame = gr.Image(label="x_t (what the sampler holds)", format="png", elem_id="digits-xt",
                                        interactive=False)
                    x0_frame = gr.Image(label="predicted x_0 (its guess of the result)", format="png",
                                        elem_id="digits-x0", interactive=False)
                samples = gr.Image(label="Samples: digit asked -> digit the MNIST classifier reads (green when they agree)",
                                   format="png", elem_id="digits-samples", interactive=False)
                strip = gr.Image(label="The first sample's trajectory: x_t (top) and predicted x_0 (bottom), noise to digit",
                                 format="png", elem_id="digits-strip", interactive=False, height=160)
    fwd_in, rev_in = [source, shape, digit, t, seed], [shape, sampler, steps, eta, particles, seed, score_t]
    digit_in, digit_out = [d_sampler, d_steps, d_eta, guidance, label, batch, d_seed, d_model], [xt_frame, x0_frame, status,
                                                                                         samples, strip]
    gr.on([tab.select] + [c.input for c in fwd_in], forward, fwd_in, [points, images, sched, note],
          api_name="diffusion_forward", trigger_mode="always_last", concurrency_id="compute")
    gr.on([button.click, tab.select] + [c.input for c in (sampler, steps, eta, particles, score_t)], reverse, rev_in,
          animation, api_name="diffusion_reverse", trigger_mode="always_last", concurrency_id="compute")
    # Digit requests share batched UNet calls (playground.batching), whose lanes hold the threads: admit more at once.
    # Gradio gives a concurrency group the lowest limit of its events, so every "digits" event carries this one.
    digits = dict(concurrency_id="digits", concurrency_limit=streams_at_once())
    run = go.click(sample_digits, digit_in, digit_out, api_name="diffusion_digits", **digits)
    settings = [source, shape, digit, t, seed, sampler, steps, eta, particles, score_t, *digit_in]
    sync_url(tab, TAB_ID, dict(source=source, shape=shape, digit=digit, t=t, seed=seed, sampler=sampler, steps=steps,
                               eta=eta, n=particles, score_t=score_t, dsampler=d_sampler, dsteps=d_steps, deta=d_eta,
                               w=guidance, label=label, batch=batch, dseed=d_seed, dmodel=d_model))
    linked = demo.load(_restore, None, settings, api_visibility="private").then(
        _run_if_linked, fwd_in + rev_in, [points, images, sched, note, animation], api_visibility="private",
        concurrency_id="compute").then(_digits_if_linked, digit_in, digit_out, api_visibility="private", **digits)
    stop.click(None, None, None, cancels=[run, linked])


def _restore(request: gr.Request):
    q = tab_query(request, TAB_ID)
    return (query_value(q, "source", DEFAULTS["source"], choices=("2-D shape", "MNIST digit")),
            query_value(q, "shape", DEFAULTS["shape"], choices=SHAPES_2D), query_value(q, "digit", 0, int, bounds=(0, 9999)),
            query_value(q, "t", DEFAULTS["t"], int, bounds=(0, 999)), query_value(q, "seed", 0, int),
            query_value(q, "sampler", DEFAULTS["sampler"], choices=tuple(SAMPLERS)),
            query_value(q, "steps", DEFAULTS["steps"], int, bounds=(1, 1000)),
            query_value(q, "eta", 0.0, float, bounds=(0, 1)), query_value(q, "n", DEFAULTS["n"], int, bounds=(10, 3000)),
            query_value(q, "score_t", DEFAULTS["score_t"], int, bounds=(0, 999)),
            query_value(q, "dsampler", DEFAULTS["dsampler"], choices=tuple(SAMPLERS)),
            query_value(q, "dsteps", DEFAULTS["dsteps"], int, bounds=(1, 1000)),
            query_value(q, "deta", 0.0, float, bounds=(0, 1)),
            query_value(q, "w", DEFAULTS["w"], float, bounds=(0, MAX_GUIDANCE)),
            query_value(q, "label", DEFAULTS["label"], choices=LABELS),
            query_value(q, "batch", DEFAULTS["batch"], int, bounds=(1, MAX_BATCH)), query_value(q, "dseed", 0, int),
            query_value(q, "dmodel", DEFAULTS["dmodel"], choices=DIGIT_MODELS))


def _linked(request) -> bool:
    return query_value(request.query_params if request else None, "tab", "") == TAB_ID


def _run_if_linked(source, shape, digit, t, seed, shape2, sampler, steps, eta, particles, seed2, score_t,
                   request: gr.Request):
    """A link to this tab draws at once; otherwise nothing runs until the tab is opened."""
    if not _linked(request):
        return (gr.skip(),) * 5
    return (*forward(source, shape, digit, t, seed), reverse(shape, sampler, steps, eta, particles, seed, score_t))


LINK_BUDGET = 3200  # steps x digits a link may sample on opening (DDIM-200 of 16); larger runs wait for the button


def _digits_if_linked(d_sampler, d_steps, d_eta, guidance, label, batch, d_seed, d_model, request: gr.Request):
    """A link with digit settings samples its digits too (streamed, like the button), unless that is a long job."""
    if not _linked(request) or "dsteps" not in request.query_params:
        yield (gr.skip(),) * 5
        return
    if d_steps * batch > LINK_BUDGET:
        yield (gr.skip(),) * 2 + (f"Settings restored from the link: {d_steps} steps for {batch} digits is a long run, "
                                  "so press **Generate digits** to start it.", gr.skip(), gr.skip())
        return
    yield from sample_digits(d_sampler, d_steps, d_eta, guidance, label, batch, d_seed, d_model)
