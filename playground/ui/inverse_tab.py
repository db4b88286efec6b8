"""Inverse problems tab: inpainting, colourization and super-resolution as posterior sampling from a diffusion
prior trained without any of these tasks (DDNM, RePaint), and from the PixelCNN: several samples that all agree
with what is observed, their mean and the per-pixel spread, scored against the truth beside simple baselines.
Thin wiring: the handlers live in inverse_handlers.py."""
import gradio as gr

from playground.choices import INVERSE_METHODS as METHODS, INVERSE_PRIORS as PRIORS, INVERSE_TASKS as TASKS
from playground.ui import checks
from playground.ui.deferred import deferred
from playground.ui.settings import Lesson, Setting, Table

TAB_ID = "inverse"
INTRO = """### Inverse problems: many images agree with what you see; sample them
Inpainting sees some pixels, colourization the grey level (luma), super-resolution the block averages: each is a
linear observation y = A x. A diffusion **prior** p(x), trained only to make images, turns into the **posterior**
p(x | y): **DDNM** keeps, at every step, the part of the predicted image that y fixes and lets the prior fill the
rest; **RePaint** noises the known pixels to the current step and goes back and forth so both sides fit together.
Several samples show what the observation leaves open: their mean is blurry where they disagree."""
PHOTO_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                 "truck")  # playground.tasks.inverse_lab.CIFAR_CLASSES (a test checks they agree)
CLASSES = ("none",) + tuple(f"{k} (digit) / {name} (photo)" for k, name in enumerate(PHOTO_CLASSES))
PAINTED = "painted region"

TABLE = Table(TAB_ID, [
    Setting("prior", "radio", "Prior (diffusion model)", PRIORS[0], choices=PRIORS),
    Setting("index", "number", "Test image index (MNIST: 0 to 9,999; CIFAR-10: as many as the data holds)", 7,
            lo=0, hi=9999, whole=True),
    Setting("task", "radio", "Task", TASKS[0], choices=TASKS),
    Setting("region", "radio", "Region to fill (inpainting)", "centre square",
            choices=(PAINTED, "centre square", "bottom half", "left half", "random 70%")),
    Setting("factor", "radio", "Super-resolution factor (4: 7x7 to 28x28, 8x8 to 32x32)", "4", choices=("4", "2")),
    Setting("method", "radio", "Method", METHODS[0], choices=METHODS),
    Setting("k", "slider", "Samples", 4, lo=1, hi=8, step=1),
    Setting("steps", "slider", "Steps", 50, lo=1, hi=250, step=1),
    Setting("eta", "slider", "DDNM's DDIM eta (0 = deterministic, 1 = DDPM's noise)", 0.85, lo=0, hi=1, step=0.05,
            secondary=True),
    Setting("label", "dropdown", "Class (optional)", "none", choices=CLASSES, secondary=True),
    Setting("guidance", "slider", "Guidance (with a class)", 1.0, lo=0, hi=8, step=0.5, secondary=True),
    Setting("jump", "slider", "RePaint jump length", 5, lo=1, hi=25, step=1, secondary=True),
    Setting("resample", "slider", "RePaint resamples", 5, lo=1, hi=10, step=1, secondary=True),
    Setting("seed", "seed", "Seed (any whole number, used mod 2^32)", 0, secondary=True),
], lessons=(
    Lesson("An ambiguous hole and its spread", "With the left half of this 3 hidden, the samples finish it as "
           "different digits (3, 5, 0...), so the spread map is bright over the whole hole.",
           dict(index=18, region="left half", k=8)),
    Lesson("A hole the rest explains", "The same hole on a 5: the visible half already says 5, so every sample is a 5 "
           "and the spread in the hole is lower than for the 3.", dict(index=23, region="left half", k=8)),
    Lesson("Colour is a guess", "The grey level fixes the light, not the hue: each sample is as colourful as a photo, "
           "but they disagree, so their mean is dull.", dict(prior=PRIORS[1], task="Colourization")),
    Lesson("Sharp samples, blurry mean", "Every sample is a sharp digit whose 4 x 4 block means match the 7 x 7 image, "
           "yet they differ (even on the digit), and their blurry mean has the best PSNR.",
           dict(task="Super-resolution", k=8)),
))

load_image, editor_on_load = deferred("inverse_handlers.load_image"), deferred("inverse_handlers.editor_on_load")
restore, restore_linked = deferred("inverse_handlers.restore", stream=True), \
    deferred("inverse_handlers.restore_linked", stream=True)
restore_gif, lesson = deferred("inverse_handlers.restore_gif"), deferred("inverse_handlers.lesson", stream=True)


def build_tab(demo: gr.Blocks) -> None:
    t = TABLE
    with gr.Tab("Inverse problems", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        t.toolbar()
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                prior, index = t.build("prior"), t.build("index")
                upload = gr.File(label="Or upload a picture", file_types=["image"], type="filepath", height=90,
                                 elem_id="inv-upload")
                editor = checks.ImageEditor(label="Paint the region to fill", type="numpy", canvas_size=(320, 320),
                                            sources=(), layers=False, height=380, interactive=True,
                                            brush=gr.Brush(colors=["#e03030"], default_size=28), elem_id="inv-editor")
                for key in ("task", "region", "factor", "method", "k", "steps"):
                    t.build(key)
                with gr.Accordion("More settings", open=False, elem_classes=["gp-secondary"]):
                    for key in ("eta", "label", "guidance", "jump", "resample"):
                        t.build(key)
                t.build("seed")
                with gr.Row():
                    go = gr.Button("Restore", variant="primary", elem_id="inv-go")
                    stop = gr.Button("Stop", variant="stop", elem_id="inv-stop")
            with gr.Column(scale=2):
                status = gr.Markdown(elem_id="inv-status")
                with gr.Row():
                    truth = gr.Image(label="The image (hidden from the method)", format="png", interactive=False,
                                     elem_id="inv-truth")
                    observed = gr.Image(label="What is observed", format="png", interactive=False, elem_id="inv-observed")
                    mean = gr.Image(label="Mean of the samples", format="png", interactive=False, elem_id="inv-mean")
                samples = gr.Image(label="Posterior samples", format="png", interactive=False, elem_id="inv-samples")
                with gr.Row():
                    with gr.Column(scale=2, min_width=280):
                        spread = gr.Plot(label="Per-pixel spread", elem_id="inv-spread")
                    with gr.Column(scale=3, min_width=360):
                        scores = gr.Dataframe(label="Scores against the truth", interactive=False, elem_id="inv-scores")
                with gr.Row():
                    gif_go = gr.Button("GIF for slides", size="sm", elem_id="inv-gif-go", scale=0, min_width=160)
                    gif = gr.File(label="The samples as they form (GIF)", elem_id="inv-gif", scale=3)
    source = [prior, index, upload]
    gr.on([prior.change, index.change, upload.change], load_image, source, [editor, status], api_name="inv_load",
          trigger_mode="always_last")
    run_in = [*source, editor, *t.widgets("task", "region", "factor", "method", "k", "steps", "eta", "label",
                                          "guidance", "jump", "resample", "seed")]
    run_out = [truth, observed, samples, mean, spread, scores, status]
    compute = dict(api_visibility="private", concurrency_id="compute")
    run = go.click(restore, run_in, run_out, api_name="inv_restore", concurrency_id="compute")
    linked = t.link(demo, tab).then(editor_on_load, source, [editor, status], api_visibility="private").then(
        restore_linked, run_in, run_out, **compute)
    picked = t.lessons_run(lesson, run_in, [*run_out, upload], **compute)
    exported = gif_go.click(restore_gif, run_in, gif, api_name="inv_restore_gif", concurrency_id="compute")
    stop.click(None, None, None, cancels=[run, linked, picked, exported])

