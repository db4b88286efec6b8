"""The Diffusion tab's settings table in-process: each lesson's settings through the tab's lesson handler show what
the lesson says; a link's steps beyond its sampler's limit are brought within it; the digits' GIF for slides (the
2-D one is tested through the app, tests/test_app.py); the real MNIST ink share the status line compares with."""
import re

import pytest
from PIL import Image

from playground.ui import diffusion_handlers as handlers
from playground.ui.diffusion_tab import TABLE


def _last(name: str) -> tuple:
    """The lesson's final outputs: forward (plot, gallery, schedule, note), reverse animation, then the digits'
    x_t, x_0, status, samples, strip (skipped when the lesson does not sample digits)."""
    *_, last = handlers.lesson(name, *TABLE.values(name).values())
    return last


def _sliced_wasserstein(name: str) -> float:
    return float(re.search(r"sliced Wasserstein to data ([0-9.]+)", _last(name)[4].layout.title.text).group(1))


def test_too_few_steps_miss_the_shape_and_fifty_land():
    few, fifty = _sliced_wasserstein("Too few steps fail"), _sliced_wasserstein("Fifty steps land")
    assert few > 0.3 and fifty < 0.1 and fifty < few / 4, (few, fifty)  # measured: 0.417 and 0.059


@pytest.fixture(scope="module")
def guided() -> dict:
    """{w: final status line} of the three guidance lessons (DDIM-20 of eight 3s)."""
    return {TABLE.lessons[name].values["w"]: _last(name)[7] for name in TABLE.lessons if "Guidance" in name}


def _ink(status: str) -> float:
    return float(re.search(r"Ink: (\d+)% of the pixels", status).group(1)) / 100


def test_guidance_0_ignores_the_label_3_draws_it_and_10_oversaturates(guided):
    threes = re.search(r"reads [^.]*", guided[0.0]).group(0)
    assert "unconditional model" in guided[0.0] and int((re.search(r"3: (\d+)", threes) or [0, 0])[1]) <= 2, guided
    assert re.search(r"reads \*\*[78] of 8\*\*", guided[3.0]) and re.search(r"reads \*\*[78] of 8\*\*", guided[10.0])
    assert _ink(guided[10.0]) >= _ink(guided[3.0]) + 0.02, guided  # measured: 24% against 20% (MNIST: 12%)


def test_a_link_past_the_samplers_limit_gets_its_most_steps():
    fixed = TABLE.adjust(TABLE.values(sampler="euler", steps=900, dsampler="dpm++", dsteps=40))
    assert fixed == {"steps": 500, "dsteps": 40}


def test_a_link_samples_digits_only_when_it_changes_their_settings_and_not_a_long_run():
    about_2d = list(handlers.linked(*TABLE.values("Too few steps fail").values()))
    assert len(about_2d) == 1 and about_2d[0][4] is not None  # the 2-D pictures alone
    long_run = list(handlers.linked(*TABLE.values("Too few steps fail", dsteps=1000, batch=64).values()))
    assert "press **Generate digits** to start it" in long_run[-1][7]


def test_lessons_set_checked_values_in_the_widget_order():
    for lesson in TABLE.lessons.values():
        values = TABLE.values(lesson.name)
        for key, value in lesson.values.items():
            setting = TABLE.settings[key]
            assert value in setting.choices if setting.choices else setting.lo <= value <= setting.hi, (key, value)
        assert values["steps"] <= dict(TABLE.settings["steps"].hi_by[1])[values["sampler"]]


def test_digits_gif_for_slides():
    path = handlers.digits_gif("ddim", 4, 0.0, 3.0, "7", 2, 0, "mnist-diffusion-fast")
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 4 and gif.width >= 480  # one frame per step here


def test_the_mnist_ink_share_the_status_compares_with():
    from playground.ui.checks import mnist_test

    images, _ = mnist_test()
    assert abs(float((images > 127).float().mean()) - handlers.MNIST_INK) < 0.005


def test_the_api_default_model_is_the_tables():
    import inspect

    for handler in (handlers.sample_digits, handlers.digits_gif):
        assert inspect.signature(handler).parameters["model"].default == TABLE.settings["dmodel"].default
