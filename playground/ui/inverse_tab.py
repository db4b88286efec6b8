"""Inverse problems tab: inpainting, colourization and super-resolution as posterior sampling from a diffusion
prior trained without any of these tasks (DDNM, RePaint), and from the PixelCNN: several samples that all agree
with what is observed, their mean and the per-pixel spread, scored against the truth beside simple baselines."""
import gradio as gr

from playground.tasks import inverse_lab as lab
from playground.ui import checks
from playground.ui import inverse_handlers as h
from playground.ui.urlstate import query_value, sync_url, tab_query

TAB_ID = "inverse"
INTRO = """### Inverse problems: many images agree with what you see; sample them
Inpainting sees some pixels, colourization the grey level (luma), super-resolution the block averages: each is a
linear observation y = A x. A diffusion **prior** p(x), trained only to make images, turns into the **posterior**
p(x | y): **DDNM** keeps, at every step, the part of the predicted image that y fixes and lets the prior fill the
rest; **RePaint** noises the known pixels to the current step and goes back and forth so both sides fit together.
Several samples show what the observation leaves open: their mean is blurry where they disagree."""
DEFAULTS = dict(prior=list(lab.PRIORS)[0], index=7, task="Inpainting", region="centre square", factor="4",
                method=lab.METHODS[0], k=4, steps=50, eta=0.85, label="none", guidance=1.0, jump=5, resample=5, seed=0)


def build_tab(demo: gr.Blocks) -> None:
    with gr.Tab("Inverse problems", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                prior = checks.Radio(list(lab.PRIORS), value=DEFAULTS["prior"], label="Prior (diffusion model)")
                index = checks.Number(DEFAULTS["index"], precision=0, minimum=0, maximum=9999,
                                  label="Test image index (MNIST: 0 to 9,999; CIFAR-10: as many as the data holds)")
                upload = gr.File(label="Or upload a picture", file_types=["image"], type="filepath", height=90,
                                 elem_id="inv-upload")
                editor = checks.ImageEditor(label="Paint the region to fill", type="numpy", canvas_size=(320, 320),
                                        sources=(), layers=False, height=380, interactive=True,
                                        brush=gr.Brush(colors=["#e03030"], default_size=28), elem_id="inv-editor")
                task = checks.Radio(list(lab.TASKS), value=DEFAULTS["task"], label="Task")
                region = checks.Radio(h.REGIONS, value=DEFAULTS["region"], label="Region to fill (inpainting)")
                factor = checks.Radio(h.FACTORS, value=DEFAULTS["factor"], label="Super-resolution factor (4: 7x7 to 28x28, 8x8 to 32x32)")
                method = checks.Radio(list(lab.METHODS), value=DEFAULTS["method"], label="Method")
                k = checks.Slider(1, h.MAX_SAMPLES, value=DEFAULTS["k"], step=1, label="Samples")
                steps = checks.Slider(1, h.MAX_STEPS, value=DEFAULTS["steps"], step=1, label="Steps")
                with gr.Accordion("More settings", open=False):
                    eta = checks.Slider(0, 1, value=DEFAULTS["eta"], step=0.05,
                                    label="DDNM's DDIM eta (0 = deterministic, 1 = DDPM's noise)")
                    label = checks.Dropdown(list(h.CLASSES), value=DEFAULTS["label"], label="Class (optional)")
                    guidance = checks.Slider(0, 8, value=DEFAULTS["guidance"], step=0.5, label="Guidance (with a class)")
                    jump = checks.Slider(1, 25, value=DEFAULTS["jump"], step=1, label="RePaint jump length")
                    resample = checks.Slider(1, 10, value=DEFAULTS["resample"], step=1, label="RePaint resamples")
                seed = checks.Number(DEFAULTS["seed"], precision=0, label="Seed (any whole number, used mod 2^32)")
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
    source = [prior, index, upload]
    gr.on([prior.change, index.change, upload.change], h.load_image, source, [editor, status], api_name="inv_load",
          trigger_mode="always_last")
    run_in = [*source, editor, task, region, factor, method, k, steps, eta, label, guidance, jump, resample, seed]
    run = go.click(h.restore, run_in, [truth, observed, samples, mean, spread, scores, status], api_name="inv_restore",
                   concurrency_id="compute")
    settings = dict(prior=prior, index=index, task=task, region=region, factor=factor, method=method, k=k, steps=steps,
                    eta=eta, label=label, guidance=guidance, jump=jump, resample=resample, seed=seed)
    sync_url(tab, TAB_ID, settings)
    linked = demo.load(_restore, None, list(settings.values()), api_visibility="private").then(
        _editor_on_load, source, [editor, status], api_visibility="private").then(
        _run_if_linked, run_in, [truth, observed, samples, mean, spread, scores, status], api_visibility="private",
        concurrency_id="compute")
    stop.click(None, None, None, cancels=[run, linked])


def _restore(request: gr.Request):
    q, d = tab_query(request, TAB_ID), DEFAULTS
    return (query_value(q, "prior", d["prior"], choices=tuple(lab.PRIORS)),
            query_value(q, "index", d["index"], int, bounds=(0, 9999)),
            query_value(q, "task", d["task"], choices=lab.TASKS), query_value(q, "region", d["region"], choices=h.REGIONS),
            query_value(q, "factor", d["factor"], choices=h.FACTORS),
            query_value(q, "method", d["method"], choices=lab.METHODS),
            query_value(q, "k", d["k"], int, bounds=(1, h.MAX_SAMPLES)),
            query_value(q, "steps", d["steps"], int, bounds=(1, h.MAX_STEPS)),
            query_value(q, "eta", d["eta"], float, bounds=(0, 1)), query_value(q, "label", d["label"], choices=h.CLASSES),
            query_value(q, "guidance", d["guidance"], float, bounds=(0, 8)),
            query_value(q, "jump", d["jump"], int, bounds=(1, 25)), query_value(q, "resample", d["resample"], int,
                                                                               bounds=(1, 10)),
            query_value(q, "seed", d["seed"], int))


def _editor_on_load(prior, index, upload):
    """The test image on the editor when the page opens; without the data here the editor stays empty (the
    restore says why when asked)."""
    try:
        return h.load_image(prior, index, upload)
    except gr.Error:
        return gr.skip(), gr.skip()


LINK_BUDGET = 1000  # UNet calls x samples a link may run on opening (RePaint's defaults for 4 samples: 920)


def _run_if_linked(prior, index, upload, editor, task, region, factor, method, k, steps, eta, label, guidance, jump,
                   resample, seed, request: gr.Request):
    """A link to this tab with a preset region (or another task) runs at once, unless it is a long job; a painted
    mask is not in links."""
    if not tab_query(request, TAB_ID) or (task == "Inpainting" and region == "painted region"):
        yield (gr.skip(),) * 7
    elif method != lab.METHODS[2] and lab.unet_calls(method, steps, jump, resample) * k > LINK_BUDGET:
        yield (gr.skip(),) * 6 + (f"Settings restored from the link: {method} with these settings is a long run, so "
                                  "press **Restore** to start it.",)
    else:
        yield from h.restore(prior, index, upload, editor, task, region, factor, method, k, steps, eta, label,
                             guidance, jump, resample, seed)
