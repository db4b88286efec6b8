"""Autoregressive models tab: a PixelCNN drawing digits pixel by pixel and completing a partly given digit,
and a character-level GPT-2 writing text with temperature, top-k and top-p while the next-token
distribution is drawn: what the filters keep and cut, its entropy and the nucleus size.
Thin wiring: the handlers live in autoregressive_handlers.py."""
import gradio as gr

from playground.registry import names_with
from playground.ui import checks
from playground.ui.deferred import deferred
from playground.ui.settings import Lesson, Setting, Table

TAB_ID = "autoregressive"
INTRO = """### Autoregressive models: one variable at a time, each given all before it
p(x) = p(x_1) p(x_2 | x_1) ... p(x_n | x_1 .. x_n-1). A **PixelCNN** computes every conditional of a binary
digit with masked convolutions; sampling draws the 784 pixels in order. A **GPT** does the same for text,
one character (or token) at a time. **Temperature** divides the logits (0 = always the most likely token),
**top-k** keeps the k most likely tokens, **top-p** keeps the smallest set whose probability reaches p."""
CLASSES = ("any", *(str(k) for k in range(10)))
REGIONS = ("bottom half", "painted region")
COMPLETERS = ("PixelCNN", "Markov chain")  # the keys of playground.tasks.pixels.COMPLETERS (a test checks)
TEXT_MODELS = tuple(names_with("generate"))  # the shipped character model first
# Top-k keeps at most the whole vocabulary: the character model has len(playground.data.SHAKESPEARE_CHARS) tokens
# (a test checks); the hub models' 50,257 are beyond the slider.
TOP_K_MAX = {"shakespeare-char-gpt": 65}
MAX_PROMPT = 2000
SEED_HELP = "Any whole number, used mod 2^32"

TABLE = Table(TAB_ID, [
    Setting("label", "dropdown", "Digit class", "any", choices=CLASSES),
    Setting("ptemp", "slider", "Pixel temperature", 1.0, lo=0.0, hi=2.0, step=0.05),
    Setting("n", "slider", "How many digits", 16, lo=1, hi=16, step=1),
    Setting("pseed", "seed", "Pixel seed", 0, help=SEED_HELP, secondary=True),
    Setting("index", "number", "Test digit index (0 to 9,999)", 0, lo=0, hi=9999, whole=True),
    Setting("region", "radio", "Fill", "bottom half", choices=REGIONS),
    Setting("cmodel", "radio", "Completion model", "PixelCNN", choices=COMPLETERS),
    Setting("k", "slider", "Completions", 4, lo=1, hi=8, step=1),
    Setting("clabel", "dropdown", "Class for the PixelCNN", "any", choices=CLASSES),
    Setting("cseed", "seed", "Completion seed", 0, help=SEED_HELP, secondary=True),
    Setting("model", "dropdown", "Text model", TEXT_MODELS[0], choices=TEXT_MODELS),
    Setting("prompt", "text", "Prompt", "ROMEO:\n", options=dict(lines=3, max_length=MAX_PROMPT)),
    Setting("temp", "slider", "Temperature (0 = greedy)", 0.8, lo=0.0, hi=2.0, step=0.05,
            options=dict(elem_id="ar-temperature")),
    Setting("top_k", "slider", "Top-k (0 = off)", 0, lo=0, hi=100, step=1, hi_by=("model", TOP_K_MAX)),
    Setting("top_p", "slider", "Top-p (1 = off)", 0.9, lo=0.01, hi=1.0, step=0.01, options=dict(elem_id="ar-top-p")),
    Setting("length", "slider", "Tokens to generate", 200, lo=1, hi=1000, step=1),
    Setting("seed", "seed", "Text seed", 0, help=SEED_HELP, secondary=True),
], lessons=(
    Lesson("Temperature 0: greedy", "Always taking the most likely character makes the model repeat itself ('the "
           "shall be the shall be the stand of...'); now try temperature 2.", dict(temp=0.0)),
    Lesson("Temperature 2", "Dividing the logits by 2 flattens the next-character distribution, so unlikely "
           "characters come up all the time and the words fall apart into gibberish.", dict(temp=2.0, top_p=1.0)),
    Lesson("Top-p 0.5", "The nucleus keeps only the few most likely characters that make up half the probability "
           "(two or three of 65): the chart shows nearly every bar cut, and the text stays safe and plain.",
           dict(temp=1.0, top_p=0.5)),
), adjust=lambda v: dict(top_k=_top_k_within(v["model"], v["top_k"])))
TEXT = ("model", "prompt", "temp", "top_k", "top_p", "length", "seed")


def _top_k_within(model: str, top_k: int):
    """The top-k slider ends at the model's vocabulary (or the slider's own end)."""
    top = TOP_K_MAX.get(model, TABLE.settings["top_k"].hi)
    return gr.Slider(maximum=top, value=min(top_k, top))


sample_digits, digits_gif, load_digit, complete, generate, next_token = (
    deferred(f"autoregressive_handlers.{name}") for name in ("sample_digits", "digits_gif", "load_digit", "complete",
                                                              "generate", "next_token"))
write_text = TABLE.checked(generate, list(TEXT), stream=True)  # top-k, checked against the model; lessons run it too


def build_tab(demo: gr.Blocks) -> None:
    t = TABLE
    with gr.Tab("Autoregressive models", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        t.toolbar()
        gr.Markdown("#### Digits, pixel by pixel (gated PixelCNN)")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                pixel_in = [t.build("label"), t.build("ptemp"), t.build("n"), t.build("pseed")]
                with gr.Row():
                    pgo = gr.Button("Draw digits", variant="primary", elem_id="ar-digits-go")
                    pstop = gr.Button("Stop", variant="stop", elem_id="ar-digits-stop")
                    gif_go = gr.Button("GIF for slides", elem_id="ar-digits-gif-go")
            with gr.Column(scale=2):
                pstatus = gr.Markdown("Press **Draw digits** and watch the rows fill in.", elem_id="ar-digits-status")
                digits = gr.Image(label="Digits so far", format="png", interactive=False, elem_id="ar-digits",
                                  elem_classes=["gp-frame"])
                gif = gr.File(label="The drawing as a GIF", elem_id="ar-digits-gif")
        gr.Markdown("#### Complete a partly given digit")
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                index = t.build("index")
                editor = checks.ImageEditor(label="Paint the region to fill", type="numpy", canvas_size=(280, 280),
                                            sources=(), layers=False, height=340, interactive=True,
                                            brush=gr.Brush(colors=["#e03030"], default_size=30), elem_id="ar-editor")
                complete_in = [index, editor, *(t.build(key) for key in ("region", "cmodel", "k", "clabel")),
                               t["ptemp"], t.build("cseed")]
                with gr.Row():
                    cgo = gr.Button("Complete", variant="primary", elem_id="ar-complete-go")
                    cstop = gr.Button("Stop", variant="stop", elem_id="ar-complete-stop")
            with gr.Column(scale=2):
                cstatus = gr.Markdown(elem_id="ar-complete-status")
                with gr.Row():
                    given = gr.Image(label="Given (red: to fill)", format="png", interactive=False, elem_id="ar-given")
                    completions = gr.Image(label="Completions", format="png", interactive=False,
                                           elem_id="ar-completions", elem_classes=["gp-frame"])
        gr.Markdown("#### Text, one token at a time")
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                text_in = [t.build(key) for key in TEXT]
                with gr.Row():
                    go = gr.Button("Generate", variant="primary", elem_id="ar-text-go")
                    one = gr.Button("Next token", elem_id="ar-text-next")
                    stop = gr.Button("Stop", variant="stop", elem_id="ar-text-stop")
            with gr.Column(scale=2):
                tstatus = gr.Markdown(elem_id="ar-text-status")
                output = gr.Textbox(label="Generated text", lines=10, elem_id="ar-text-output")
                chart = gr.Plot(label="Next-token distribution", elem_id="ar-text-chart")

    text_out = [output, chart, tstatus]
    draw = pgo.click(sample_digits, pixel_in, [digits, pstatus], api_name="ar_digits", concurrency_id="compute")
    pstop.click(None, None, None, cancels=[draw])
    gif_go.click(digits_gif, pixel_in, gif, api_name="ar_digits_gif", concurrency_id="compute")
    index.change(load_digit, index, editor, api_name="ar_load_digit", trigger_mode="always_last")
    fill = cgo.click(complete, complete_in, [given, completions, cstatus], api_name="ar_complete",
                     concurrency_id="compute")
    cstop.click(None, None, None, cancels=[fill])
    t["model"].input(_top_k_within, t.widgets("model", "top_k"), t["top_k"], api_visibility="private")
    write = go.click(write_text, text_in, text_out, api_name="ar_generate", concurrency_id="compute")
    # The chosen token comes from the backend, which refuses a top-k beyond the model's vocabulary.
    one.click(next_token, [t["model"], t["prompt"], output, *t.widgets("temp", "top_k", "top_p", "seed")], text_out,
              api_name="ar_next_token", concurrency_id="compute")
    t.link(demo, tab).then(_editor_on_load, index, editor, api_visibility="private").then(
        _text_if_linked, text_in, text_out, api_visibility="private", concurrency_id="compute")
    lesson = t.lessons_run(write_text, text_in, text_out, concurrency_id="compute")
    stop.click(None, None, None, cancels=[write, lesson])


def _editor_on_load(index):
    """The test digit on the editor when the page opens; without MNIST here the editor just stays empty (the
    completion says why when asked)."""
    try:
        return load_digit(index)
    except gr.Error:
        return gr.skip()


def _text_if_linked(model, prompt, temp, top_k, top_p, length, seed, request: gr.Request):
    """A link to this tab writes its text at once (streamed); the pixel models wait for their buttons."""
    if not TABLE.linked(request):
        yield gr.skip(), gr.skip(), gr.skip()
        return
    yield from generate(model, prompt, temp, top_k, top_p, length, seed)
