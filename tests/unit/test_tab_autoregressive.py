"""The Autoregressive tab's settings table (playground/ui/autoregressive_tab.py), in-process: its copied choices
and limits agree with the backend, each text lesson shows what its note claims when run through the tab's own
handler, and the PixelCNN drawing exports as a GIF for slides."""
import re

import numpy as np
import pytest
import torch
from PIL import Image

from playground.data import SHAKESPEARE_CHARS, text_corpus
from playground.tasks import pixels
from playground.ui import autoregressive_tab as tab
from playground.ui.autoregressive_tab import TABLE, TEXT

PROMPT = TABLE.settings["prompt"].default


def test_copied_choices_and_limits_match_the_backend():
    from playground.tasks.text_generation import load_text_model

    assert tab.COMPLETERS == tuple(pixels.COMPLETERS) and set(tab.TOP_K_MAX) <= set(tab.TEXT_MODELS)
    _, tokenizer = load_text_model("shakespeare-char-gpt")
    assert tab.TOP_K_MAX["shakespeare-char-gpt"] == len(SHAKESPEARE_CHARS) == len(tokenizer)


def _write(lesson: str):
    """The text lesson through the tab's checked handler, streamed to its end: (new text, status)."""
    values = TABLE.values(lesson)
    *_, (text, chart, status) = tab.write_text(*(values[k] for k in TEXT))
    assert text.startswith(PROMPT) and chart and "**Done**" in status
    return text[len(PROMPT):], status


@pytest.fixture(scope="module")
def shakespeare_words() -> set:
    return set(re.findall(r"[a-z]+", text_corpus().lower()))


def _real_words(text: str, words: set) -> float:
    found = re.findall(r"[A-Za-z]+", text)
    return sum(w.lower() in words for w in found) / len(found)


def test_greedy_text_repeats_itself(shakespeare_words):
    text, status = _write("Temperature 0: greedy")
    assert "greedy, the most likely token every time" in status
    repeated = [text[i:i + 24] for i in range(len(text) - 24) if text.count(text[i:i + 24]) >= 3]
    assert repeated, text  # 'the shall be the shall be the stand of the s...'
    assert _real_words(text, shakespeare_words) > 0.95


def test_temperature_two_writes_gibberish(shakespeare_words):
    text, _ = _write("Temperature 2")
    assert _real_words(text, shakespeare_words) < 0.5, text  # 33%; 92% at the default temperature 0.8


def test_top_p_half_keeps_a_few_characters(shakespeare_words):
    text, status = _write("Top-p 0.5")
    nucleus, before, after = re.search(r"nucleus (\d+) token\(s\) · entropy ([\d.]+) bits before, ([\d.]+) after",
                                       status).groups()
    assert int(nucleus) <= 3 and float(after) < float(before)
    assert _real_words(text, shakespeare_words) > 0.95


def test_the_pixelcnn_drawing_exports_as_a_gif(monkeypatch):
    """The handler's GIF from the stream the tab draws (a stand-in stream here, the PixelCNN's pace is the app
    tests'): a frame per row of pixels, each labelled, two digits scaled up to the slide width."""
    from playground.ui.autoregressive_handlers import digits_gif

    def stream(n, label, temperature, seed):
        x = torch.from_numpy(np.random.default_rng(seed).random((n, 1, 28, 28)) > 0.5).float()
        for row in range(1, 29):
            yield 28 * row, 784, x * (torch.arange(28) < row)[:, None]

    monkeypatch.setattr(pixels, "sample_stream", stream)
    path = digits_gif("3", 1.0, 2, 0)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 28 and gif.size[0] == 9 * 57  # two digits side by side
