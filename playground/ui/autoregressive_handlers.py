"""Handlers of the Autoregressive models tab: PixelCNN digits streamed pixel by pixel, completions of a partly
given digit, and text from a character-level GPT-2 (or a hub model) with temperature, top-k and top-p, the
next-token distribution drawn as it goes. Generators stream; cancelling the event stops the work.
Settings arrive checked by the tab's settings table."""
import tempfile

import numpy as np

from playground import export, plotting
from playground.hub import HubUnavailable
from playground.registry import availability, get_spec
from playground.tasks import pixels
from playground.tasks import text_generation as text
from playground.ui import checks
from playground.ui.autoregressive_tab import MAX_PROMPT


def _label(value):
    return None if value == "any" else int(value)


def _available(name: str) -> None:
    ok, why = availability(name)
    if not ok:
        raise checks.user_error(f"The pixel model {name} is not available: {why}.")


def sample_digits(label, temperature, n, seed):
    """Generator: (grid of the digits so far, status) every row of pixels."""
    label = _label(label)
    _available(pixels.COMPLETERS["PixelCNN"])
    what = "any digit" if label is None else f"the digit {label}"
    for done, total, x in pixels.sample_stream(n, label, temperature, seed):
        status = (f"Pixel {done} of {total}: each is drawn from p(x_i | pixels above and to the left, {what})."
                  if done < total else f"**Done**: {n} digits, {total} pixels each, one at a time, temperature "
                                       f"{temperature:g}.")
        yield plotting.image_grid(x.numpy(), cols=8, scale=4), status


def digits_gif(label, temperature, n, seed):
    """The same drawing as a GIF for slides: a frame per row of pixels, the settings in the footer."""
    _available(pixels.COMPLETERS["PixelCNN"])
    frames, labels = [], []
    for done, total, x in pixels.sample_stream(n, _label(label), temperature, seed):
        frames.append(plotting.image_grid(x.numpy(), cols=8, scale=1))
        labels.append(f"pixel {done} of {total}")
    footer = export.footer_line("Autoregressive: PixelCNN", digit=label, temperature=f"{temperature:g}", n=n, seed=seed)
    gif = export.images_gif(frames, footer, labels=labels)
    return str(export.write_gif(gif, f"pixelcnn-{label}-seed{seed}", tempfile.mkdtemp(prefix="gp-gif-")))


def _digit(index):
    return pixels.binary_digit(checks.mnist_test()[0][index])


def load_digit(index):
    """Put a (binarized) test digit on the image editor, to paint the region to fill over it."""
    picture = pixels.editor_background(_digit(index))
    return {"background": picture, "layers": [], "composite": picture}


def _region(region, editor) -> np.ndarray:
    if region == "bottom half":
        return pixels.bottom_half()
    layers = (editor or {}).get("layers") or []
    if not layers or layers[0] is None:
        raise checks.user_error("Paint the region to fill on the digit first (the brush), or choose 'bottom half'.")
    missing = pixels.mask_from_layer(np.asarray(layers[0]))
    if not missing.any():
        raise checks.user_error("The painted region is empty: paint over the pixels to fill, or choose 'bottom half'.")
    return missing


def complete(index, editor, region, model, k, label, temperature, seed):
    """Generator: (the given digit with the region to fill in red, the completions so far, status)."""
    label = _label(label)
    digit, missing = _digit(index), _region(region, editor)
    _available(pixels.COMPLETERS[model])
    given = pixels.masked_picture(digit, missing)
    for done, total, x in pixels.complete_stream(pixels.COMPLETERS[model], digit, missing, k, label, temperature, seed):
        status = f"{model}: pixel {done} of {total} to fill, in raster order."
        if done == total:
            status = (f"**Done**: {k} completions of {total} pixels by the {model}; every known pixel is kept. "
                      "The model sees only pixels above and to the left of the one it draws, so known pixels "
                      "below a hole cannot guide it.")
        yield given, plotting.image_grid(x.numpy(), cols=4, scale=4), status


def _text_model(name):
    ok, why = availability(name)
    if not ok:
        where = "the Hugging Face Hub" if get_spec(name).hub else "a shipped checkpoint"
        raise checks.user_error(f"{name} needs {where}, which is not available here: {why}.")
    try:
        return text.load_text_model(name)
    except HubUnavailable as error:
        raise checks.user_error(str(error)) from None


def _prompt_ids(tokenizer, prompt):
    try:
        return text.check_prompt(tokenizer, prompt, MAX_PROMPT)
    except ValueError as error:
        raise checks.user_error(str(error)) from None


def generate(name, prompt, temperature, top_k, top_p, length, seed):
    """Generator: (text so far, next-token distribution at the last step, status), a few tokens at a time."""
    model, tokenizer = _text_model(name)
    _prompt_ids(tokenizer, prompt)
    every = max(1, length // 100)  # about a hundred frames, each with its next-token chart
    try:
        stream = text.stream_text(model, tokenizer, prompt, length, temperature, top_k, top_p, seed, every=every)
    except ValueError as error:
        raise checks.user_error(str(error)) from None
    for event in stream:
        view, n = event["view"], len(event["new_ids"])
        status = (f"{n} of {length} tokens · nucleus {view['nucleus_size']} token(s) · entropy "
                  f"{view['entropy_raw_bits']:.2f} bits before, {view['entropy_kept_bits']:.2f} after the filters")
        if event["done"]:
            status = "**Done**: " + status + (" (temperature 0: greedy, the most likely token every time)"
                                              if temperature == 0 else "")
        yield event["text"], plotting.token_distribution_figure(view, tokenizer), status


def next_token(name, prompt, current, temperature, top_k, top_p, seed):
    """One token at a time: the distribution for the text so far, and the text with the chosen token added."""
    model, tokenizer = _text_model(name)
    _prompt_ids(tokenizer, prompt)
    context = current if current and prompt and current.startswith(prompt) else prompt
    ids = tokenizer.encode(context)
    try:
        step = text.step_one_token(model, tokenizer, context, temperature, top_k, top_p, seed + len(ids))
    except ValueError as error:
        raise checks.user_error(str(error)) from None
    token = step["token"].replace("\n", "⏎").replace(" ", "␣")
    view = step["view"]
    status = (f"Chose **{token}** from {view['nucleus_size']} token(s) left after the filters (entropy "
              f"{view['entropy_kept_bits']:.2f} bits; {view['entropy_raw_bits']:.2f} before). Press again for the next.")
    return step["text"], plotting.token_distribution_figure(view, tokenizer), status
