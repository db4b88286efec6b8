"""playground.ui.checks: the checked widgets refuse a wrong value with a message naming the setting and what it
allows, and hand handlers checked values; a picture's header is checked before it is decoded. playground.data:
a download server that never answers costs a bounded wait."""
import math
import re
import threading
import time

import gradio as gr
import pytest
from fake_pictures import png_header

from playground.ui import checks


def _refused(call) -> str:
    """The message of the gr.Error that call raises."""
    with pytest.raises(gr.Error) as caught:
        call()
    return caught.value.message


def test_numbers_are_checked_against_the_widgets_own_range_and_step():
    steps = checks.Slider(1, 64, step=1, label="How many digits")
    assert checks.allowed(steps) == "a whole number from 1 to 64" and checks.check_number(steps, 16.0) == 16
    assert isinstance(checks.check_number(checks.Slider(0, 1, step=0.05, label="eta"), 1), float)
    seed = checks.Number(precision=0, label="Seed (any whole number, used mod 2^32)")
    assert checks.allowed(seed) == "a whole number" and checks.check_number(seed, 2 ** 70) == 2 ** 70
    for value in ("abc", None, math.nan, math.inf, True, 0, 65, 2.5, 10 ** 400):
        message = _refused(lambda: checks.check_number(steps, value))
        assert message.startswith("How many digits must be a whole number from 1 to 64 (got "), message
    assert _refused(lambda: checks.check_number(seed, 2.5)) == "Seed must be a whole number (got 2.5)."
    rate = checks.Number(minimum=0.05, label="Rate")
    assert _refused(lambda: checks.check_number(rate, -1)) == "Rate must be a number of at least 0.05 (got -1)."


def test_choices_are_checked_against_the_widgets_own_choices():
    kernel = checks.Radio([("Gaussian", "gaussian"), "box"], label="Kernel")
    assert checks.check_choice(kernel, "gaussian") == "gaussian"
    for value in ("Gaussian", "cosine", None, 5, ["box"]):
        message = _refused(lambda: checks.check_choice(kernel, value))
        assert message.startswith("Kernel: choose one of gaussian, box (got "), message
    data = checks.Dropdown(["a", "b"], label="Data", allow_custom_value=True)
    assert checks.check_choice(data, "my own") == "my own"
    assert _refused(lambda: checks.check_choice(data, 3)) == "Data must be text, such as a, b (got 3)."
    methods = checks.CheckboxGroup(["a", "b"], label="Methods")
    assert checks.check_choices(methods, ["b"]) == ["b"] and checks.check_choices(methods, []) == []
    for value in (["c"], None, "a"):
        message = _refused(lambda: checks.check_choices(methods, value))
        assert message.startswith("Methods: choose a list of some of a, b (got "), message


def test_checked_widgets_keep_gradios_look_and_log_no_traceback():
    assert checks.Slider(0, 1).get_block_name() == "slider" and checks.ImageEditor().get_block_name() == "imageeditor"
    with pytest.raises(gr.Error) as caught:
        checks.Checkbox(label="Show the truth").preprocess("yes")
    assert caught.value.message == "Show the truth must be true or false (got 'yes')."
    assert caught.value.print_exception is False  # a wrong value is not a server fault


def test_pictures_are_checked_from_their_header(tmp_path):
    checks.check_picture(png_header(tmp_path / "small.png", 280, 280), "Editor")
    (tmp_path / "text.png").write_text("hello")
    cases = [(png_header(tmp_path / "bomb.png", 30_000, 30_000), "far too large to decode"),
             (png_header(tmp_path / "wide.png", 5000, 10), "5000x10 pixels; the limit is 4096"),
             (str(tmp_path / "text.png"), "not a picture"), (b"", "not a picture")]
    for source, message in cases:
        assert re.match(f'"Editor": .*{message}', _refused(lambda: checks.check_picture(source, "Editor")))


def test_a_server_that_never_answers_costs_a_bounded_wait(monkeypatch):
    import socket

    from playground import data

    released = threading.Event()

    def hang(*args, **kwargs):
        released.wait(10)
        raise OSError("no network")

    monkeypatch.setattr(socket, "create_connection", hang)
    started = time.perf_counter()
    try:
        assert data._first_reachable(["https://one.example/", "http://two.example/"]) is None
        assert time.perf_counter() - started < data.PROBE_TIMEOUT_S + 0.5
        with pytest.raises(OSError, match="no answer from one.example"):
            data._download(["https://one.example/x.gz"], None)
    finally:
        released.set()
