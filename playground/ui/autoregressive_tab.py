"""Autoregressive models tab: a PixelCNN drawing digits pixel by pixel and completing a partly given digit,
and a character-level GPT-2 writing text with temperature, top-k and top-p while the next-token
distribution is drawn: what the filters keep and cut, its entropy and the nucleus size."""
import gradio as gr

from playground.ui import autoregressive_handlers as h
from playground.ui import checks
from playground.ui.urlstate import query_value, sync_url, tab_query

TAB_ID = "autoregressive"
INTRO = """### Autoregressive models: one variable at a time, each given all before it
p(x) = p(x_1) p(x_2 | x_1) ... p(x_n | x_1 .. x_n-1). A **PixelCNN** computes every conditional of a binary
digit with masked convolutions; sampling draws the 784 pixels in order. A **GPT** does the same for text,
one character (or token) at a time. **Temperature** divides the logits (0 = always the most likely token),
**top-k** keeps the k most likely tokens, **top-p** keeps the smallest set whose probability reaches p."""
DEFAULTS = dict(label="any", ptemp=1.0, n=16, pseed=0, index=0, region="bottom half", cmodel="PixelCNN", k=4,
                clabel="any", cseed=0, model="shakespeare-char-gpt", prompt="ROMEO:\n", temp=0.8, top_k=0, top_p=0.9,
                length=200, seed=0)


def build_tab(demo: gr.Blocks) -> None:
    with gr.Tab("Autoregressive models", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        gr.Markdown("#### Digits, pixel by pixel (gated PixelCNN)")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                label = checks.Dropdown(h.CLASSES, value=DEFAULTS["label"], label="Digit class")
                ptemp = checks.Slider(*h.TEMPERATURE, value=DEFAULTS["ptemp"], step=0.05, label="Pixel temperature")
                n = checks.Slider(1, h.MAX_DIGITS, value=DEFAULTS["n"], step=1, label="How many digits")
                pseed = checks.Number(DEFAULTS["pseed"], precision=0, label="Pixel seed (any whole number, used mod 2^32)")
                with gr.Row():
                    pgo = gr.Button("Draw digits", variant="primary", elem_id="ar-digits-go")
                    pstop = gr.Button("Stop", variant="stop", elem_id="ar-digits-stop")
            with gr.Column(scale=2):
                pstatus = gr.Markdown("Press **Draw digits** and watch the rows fill in.", elem_id="ar-digits-status")
                digits = gr.Image(label="Digits so far", format="png", interactive=False, elem_id="ar-digits")
        gr.Markdown("#### Complete a partly given digit")
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                index = checks.Number(DEFAULTS["index"], precision=0, minimum=0, maximum=9999,
                                      label="Test digit index (0 to 9,999)")
                editor = checks.ImageEditor(label="Paint the region to fill", type="numpy", canvas_size=(280, 280),
                                        sources=(), layers=False, height=340, interactive=True,
                                        brush=gr.Brush(colors=["#e03030"], default_size=30), elem_id="ar-editor")
                region = checks.Radio(h.REGIONS, value=DEFAULTS["region"], label="Fill")
                cmodel = checks.Radio(list(h.pixels.COMPLETERS), value=DEFAULTS["cmodel"], label="Completion model")
                k = checks.Slider(1, h.MAX_COMPLETIONS, value=DEFAULTS["k"], step=1, label="Completions")
                clabel = checks.Dropdown(h.CLASSES, value=DEFAULTS["clabel"], label="Class for the PixelCNN")
                cseed = checks.Number(DEFAULTS["cseed"], precision=0, label="Completion seed")
                with gr.Row():
                    cgo = gr.Button("Complete", variant="primary", elem_id="ar-complete-go")
                    cstop = gr.Button("Stop", variant="stop", elem_id="ar-complete-stop")
            with gr.Column(scale=2):
                cstatus = gr.Markdown(elem_id="ar-complete-status")
                with gr.Row():
                    given = gr.Image(label="Given (red: to fill)", format="png", interactive=False, elem_id="ar-given")
                    completions = gr.Image(label="Completions", format="png", interactive=False,
                                           elem_id="ar-completions")
        gr.Markdown("#### Text, one token at a time")
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                model = checks.Dropdown(h.TEXT_MODELS, value=DEFAULTS["model"], label="Text model")
                prompt = gr.Textbox(DEFAULTS["prompt"], lines=3, label="Prompt", max_length=h.MAX_PROMPT)
                temp = checks.Slider(*h.TEMPERATURE, value=DEFAULTS["temp"], step=0.05, label="Temperature (0 = greedy)",
                                 elem_id="ar-temperature")
                top_k = checks.Slider(0, 100, value=DEFAULTS["top_k"], step=1, label="Top-k (0 = off)")
                top_p = checks.Slider(0.01, 1.0, value=DEFAULTS["top_p"], step=0.01, label="Top-p (1 = off)",
                                  elem_id="ar-top-p")
                length = checks.Slider(1, h.MAX_TOKENS, value=DEFAULTS["length"], step=1, label="Tokens to generate")
                seed = checks.Number(DEFAULTS["seed"], precision=0, label="Text seed")
                with gr.Row():
                    go = gr.Button("Generate", variant="primary", elem_id="ar-text-go")
                    one = gr.Button("Next token", elem_id="ar-text-next")
                    stop = gr.Button("Stop", variant="stop", elem_id="ar-text-stop")
            with gr.Column(scale=2):
                tstatus = gr.Markdown(elem_id="ar-text-status")
                output = gr.Textbox(label="Generated text", lines=10, elem_id="ar-text-output")
                chart = gr.Plot(label="Next-token distribution", elem_id="ar-text-chart")
    pixel_in, complete_in = [label, ptemp, n, pseed], [index, editor, region, cmodel, k, clabel, ptemp, cseed]
    text_in = [model, prompt, temp, top_k, top_p, length, seed]
    draw = pgo.click(h.sample_digits, pixel_in, [digits, pstatus], api_name="ar_digits", concurrency_id="compute")
    pstop.click(None, None, None, cancels=[draw])
    index.change(h.load_digit, index, editor, api_name="ar_load_digit", trigger_mode="always_last")
    fill = cgo.click(h.complete, complete_in, [given, completions, cstatus], api_name="ar_complete",
                     concurrency_id="compute")
    cstop.click(None, None, None, cancels=[fill])
    write = go.click(h.generate, text_in, [output, chart, tstatus], api_name="ar_generate", concurrency_id="compute")
    one.click(h.next_token, [model, prompt, output, temp, top_k, top_p, seed], [output, chart, tstatus],
              api_name="ar_next_token", concurrency_id="compute")
    stop.click(None, None, None, cancels=[write])
    settings = dict(label=label, ptemp=ptemp, n=n, pseed=pseed, index=index, region=region, cmodel=cmodel, k=k,
                    clabel=clabel, cseed=cseed, model=model, prompt=prompt, temp=temp, top_k=top_k, top_p=top_p,
                    length=length, seed=seed)
    sync_url(tab, TAB_ID, settings)
    demo.load(_restore, None, list(settings.values()), api_visibility="private").then(
        _editor_on_load, index, editor, api_visibility="private").then(
        _text_if_linked, text_in, [output, chart, tstatus], api_visibility="private", concurrency_id="compute")


def _restore(request: gr.Request):
    q, d = tab_query(request, TAB_ID), DEFAULTS
    classes, temps = h.CLASSES, h.TEMPERATURE
    return (query_value(q, "label", d["label"], choices=classes), query_value(q, "ptemp", d["ptemp"], float, bounds=temps),
            query_value(q, "n", d["n"], int, bounds=(1, h.MAX_DIGITS)), query_value(q, "pseed", 0, int),
            query_value(q, "index", 0, int, bounds=(0, 9999)), query_value(q, "region", d["region"], choices=h.REGIONS),
            query_value(q, "cmodel", d["cmodel"], choices=tuple(h.pixels.COMPLETERS)),
            query_value(q, "k", d["k"], int, bounds=(1, h.MAX_COMPLETIONS)),
            query_value(q, "clabel", d["clabel"], choices=classes), query_value(q, "cseed", 0, int),
            query_value(q, "model", d["model"], choices=h.TEXT_MODELS), query_value(q, "prompt", d["prompt"]),
            query_value(q, "temp", d["temp"], float, bounds=temps), query_value(q, "top_k", 0, int, bounds=(0, 100)),
            query_value(q, "top_p", d["top_p"], float, bounds=(0.01, 1.0)),
            query_value(q, "length", d["length"], int, bounds=(1, h.MAX_TOKENS)), query_value(q, "seed", 0, int))


def _editor_on_load(index):
    """The test digit on the editor when the page opens; without MNIST here the editor just stays empty (the
    completion says why when asked)."""
    try:
        return h.load_digit(index)
    except gr.Error:
        return gr.skip()


def _text_if_linked(model, prompt, temp, top_k, top_p, length, seed, request: gr.Request):
    """A link to this tab writes its text at once (streamed); the pixel models wait for their buttons."""
    if query_value(request.query_params if request else None, "tab", "") != TAB_ID:
        yield gr.skip(), gr.skip(), gr.skip()
        return
    yield from h.generate(model, prompt, temp, top_k, top_p, length, seed)
