"""Diffusion tab: the forward process on a digit or a 2-D shape with its schedule, and the 2-D reverse
process with diffusers' samplers, particles flowing from noise to data and the learned score field; the MNIST
reverse process streamed. Thin wiring: the handlers live in diffusion_handlers.py."""
import sys

import gradio as gr

from playground.choices import DIFFUSION_MAX_STEPS as MAX_STEPS, DIFFUSION_SAMPLERS as SAMPLERS
from playground.registry import SHAPES_2D, names_with
from playground.ui.deferred import deferred
from playground.ui.settings import Lesson, Setting, Table

TAB_ID = "diffusion"
INTRO = """### Diffusion: destroy data with noise, learn to undo it
**Forward**: x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps; slide t and watch the signal drown.
**Reverse**: a network trained to predict eps walks particles from pure noise back to the shape; choose
the sampler and the number of steps (too few and the shape is missed). The red arrows are the learned
score, the direction of rising density at the chosen noise level.
**Digits**: a class-conditional UNet turns noise into MNIST digits while you watch x_t and its guess of
x_0; guidance w mixes the conditional and unconditional predictions, eps_uncond + w (eps_cond - eps_uncond)."""
DIGIT_MODELS = tuple(names_with("guidance", "trajectory"))  # as in playground.tasks.diffusion_lab; the fast one first
GUIDED = dict(dsteps=20, batch=8, label="3")  # the guidance lessons: DDIM-20 of eight 3s, a few seconds

TABLE = Table(TAB_ID, [
    Setting("source", "radio", "Noise what", "2-D shape", choices=("2-D shape", "MNIST digit")),
    Setting("shape", "dropdown", "Shape", "moons", choices=tuple(SHAPES_2D)),
    Setting("digit", "number", "MNIST test digit index (0 to 9,999)", 0, lo=0, hi=9999, whole=True),
    Setting("t", "slider", "Timestep t", 300, lo=0, hi=999, step=1),
    Setting("seed", "seed", "Seed", 0, help="Any whole number, used mod 2^32", secondary=True),
    Setting("sampler", "radio", "Sampler", "ddim", choices=SAMPLERS, options=dict(elem_id="diffusion-sampler")),
    Setting("steps", "slider", "Steps (DPM-Solver++ and the Euler samplers stop at 500)", 50, lo=1, hi=1000, step=1,
            hi_by=("sampler", MAX_STEPS)),
    Setting("eta", "slider", "eta (DDIM only)", 0.0, lo=0, hi=1, step=0.05, secondary=True),
    Setting("n", "slider", "Particles", 1000, lo=10, hi=3000, step=10, secondary=True),
    Setting("score_t", "slider", "Show the score at t", 100, lo=0, hi=999, step=1),
    Setting("dsampler", "radio", "Digit sampler", "ddim", choices=SAMPLERS, options=dict(elem_id="digits-sampler")),
    Setting("dsteps", "slider", "Digit steps (DPM-Solver++ and the Euler samplers stop at 500)", 50, lo=1, hi=1000,
            step=1, hi_by=("dsampler", MAX_STEPS), options=dict(elem_id="digits-steps")),
    Setting("deta", "slider", "Digit eta (DDIM only)", 0.0, lo=0, hi=1, step=0.05, secondary=True),
    Setting("w", "slider", "Guidance scale w (0 = unconditional, 1 = no guidance)", 3.0, lo=0, hi=10.0, step=0.5,
            options=dict(elem_id="digits-guidance")),
    Setting("label", "dropdown", "Digit to draw", "random", choices=("random", *map(str, range(10))),
            options=dict(elem_id="digits-label")),
    Setting("batch", "slider", "How many digits", 16, lo=1, hi=64, step=1),
    Setting("dseed", "seed", "Sampling seed (any whole number, used mod 2^32)", 0, secondary=True),
    Setting("dmodel", "radio", "Digit model (the fast one has a quarter of the UNet's parameters)", DIGIT_MODELS[0],
            choices=DIGIT_MODELS, secondary=True, options=dict(elem_id="digits-model")),
], lessons=(
    Lesson("Too few steps fail", "Two DDPM steps leave the particles in a blur around the spirals (see the sliced "
           "Wasserstein in the title, about 0.4).", dict(shape="spirals", sampler="ddpm", steps=2)),
    Lesson("Fifty steps land", "With 50 DDPM steps the particles land on the spirals: the sliced Wasserstein falls "
           "to about 0.06.", dict(shape="spirals", sampler="ddpm", steps=50)),
    Lesson("Guidance 0: unconditional", "Asked for 3s at w = 0, the classifier reads other digits: w = 0 samples the "
           "unconditional model, which ignores the label.", dict(GUIDED, w=0.0)),
    Lesson("Guidance 3: the digit asked", "At w = 3 every sample reads as the 3 asked for.", dict(GUIDED, w=3.0)),
    Lesson("Guidance 10: over-saturated", "At w = 10 the 3s still read, but their strokes grow heavy and blotchy: "
           "the status line's ink share rises above w = 3's.", dict(GUIDED, w=10.0)),
), adjust=lambda v: {k: min(v[k], MAX_STEPS[v[s]]) for k, s in (("steps", "sampler"), ("dsteps", "dsampler"))})
FORWARD = ("source", "shape", "digit", "t", "seed")  # each event's settings, in its handler's order
REVERSE = ("shape", "sampler", "steps", "eta", "n", "seed", "score_t")
DIGITS = ("dsampler", "dsteps", "deta", "w", "label", "batch", "dseed", "dmodel")

forward, lesson, linked = (deferred(f"diffusion_handlers.{name}") for name in ("forward", "lesson", "linked"))
# behind the table's cross-setting checks (the steps a sampler allows)
reverse, reverse_gif = (TABLE.checked(deferred(f"diffusion_handlers.{name}"), list(REVERSE))
                        for name in ("reverse", "reverse_gif"))
sample_digits = TABLE.checked(deferred("diffusion_handlers.sample_digits"), list(DIGITS), stream=True)
digits_gif = TABLE.checked(deferred("diffusion_handlers.digits_gif"), list(DIGITS))


def build_tab(demo: gr.Blocks) -> None:
    t = TABLE
    with gr.Tab("Diffusion", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        t.toolbar()
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                gr.Markdown("#### Forward process")
                fwd_in = [t.build(k) for k in FORWARD]
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
                rev_moves = [t.build(k) for k in ("sampler", "steps", "eta", "n", "score_t")]
                button = gr.Button("Sample", variant="primary")
                gif_button = gr.Button("GIF for slides", elem_id="diffusion-gif-button")
                gif_file = gr.File(label="Reverse process GIF (particles from noise to data)", elem_id="diffusion-gif")
            with gr.Column(scale=2):
                animation = gr.Plot(label="Particles from noise to data", elem_id="diffusion-reverse-plot")
        gr.Markdown("#### Reverse process (MNIST digits)")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                digit_in = [t.build(k) for k in DIGITS]
                with gr.Row():
                    go = gr.Button("Generate digits", variant="primary", elem_id="digits-go")
                    stop = gr.Button("Stop", variant="stop", elem_id="digits-stop")
                digits_gif_button = gr.Button("GIF for slides", elem_id="digits-gif-button")
                digits_file = gr.File(label="Digits GIF (x_t and predicted x_0, step by step)", elem_id="digits-gif")
            with gr.Column(scale=2):
                status = gr.Markdown("Press **Generate digits**: x_t and the predicted x_0 stream in as the sampler runs.",
                                     elem_id="digits-status")
                gr.Markdown("Left, **x_t** (what the sampler holds); right, the **predicted x_0** (its guess). Below, "
                            "the samples (digit asked -> digit the classifier reads; green when they agree) and the "
                            "first sample's trajectory (x_t above predicted x_0, noise to digit).")
                # No label over a picture (it hid the first row); the streamed frames: gp-frame in a box of fixed height
                shown = dict(format="png", show_label=False, buttons=["download"])
                frame = dict(shown, height=320, elem_classes=["gp-frame"])
                with gr.Row():
                    xt_frame = gr.Image(label="x_t (what the sampler holds)", elem_id="digits-xt", **frame)
                    x0_frame = gr.Image(label="predicted x_0 (its guess)", elem_id="digits-x0", **frame)
                samples = gr.Image(label="Samples read back by the classifier", elem_id="digits-samples", **shown)
                strip = gr.Image(label="The first sample's trajectory", elem_id="digits-strip", height=160, **shown)
    rev_in, settings = t.widgets(*REVERSE), list(t.built.values())
    two_d, digit_out = [points, images, sched, note, animation], [xt_frame, x0_frame, status, samples, strip]
    compute = dict(trigger_mode="always_last", concurrency_id="compute")
    gr.on([tab.select] + [c.input for c in fwd_in], forward, fwd_in, two_d[:4], api_name="diffusion_forward", **compute)
    gr.on([button.click, tab.select] + [c.input for c in rev_moves], reverse, rev_in, animation,
          api_name="diffusion_reverse", **compute)
    gif_button.click(reverse_gif, rev_in, gif_file, api_name="diffusion_reverse_gif", concurrency_id="compute")
    # Digit requests share batched UNet calls: admit more at once. A concurrency group takes the lowest limit of its
    # events, so every "digits" event carries diffusion_lab.streams_at_once() (a test checks), here without importing
    # torch: playground.device's worker count, which is 1 until configure_threads has imported that module.
    device = sys.modules.get("playground.device")
    digits = dict(concurrency_id="digits", concurrency_limit=4 * (device.parallel_requests() if device else 1))
    run = go.click(sample_digits, digit_in, digit_out, api_name="diffusion_digits", **digits)
    digits_gif_button.click(digits_gif, digit_in, digits_file, api_name="diffusion_digits_gif", **digits)
    opened = t.link(demo, tab).then(_if_linked, settings, two_d + digit_out, api_visibility="private", **digits)
    lessons = t.lessons_run(lesson, [t.picker, *settings], two_d + digit_out, **digits)
    stop.click(None, None, None, cancels=[run, opened, lessons])


def _if_linked(request: gr.Request, *values):
    """A link to this tab draws at once (diffusion_handlers.linked); otherwise nothing runs until the tab opens."""
    yield from linked(*values) if TABLE.linked(request) else [(gr.skip(),) * 10]
