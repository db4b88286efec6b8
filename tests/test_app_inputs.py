"""Wrong values never crash a request, in-process (no server): every setting of every tab's settings table that a
public event takes (and the few checked inputs outside the tables: a plot click's coordinates, a data table), fed a
wrong value (text, None, NaN, infinity, out of range, not whole, an unknown choice), is refused by the event's
own preprocessing with a `gr.Error` naming the setting and what it allows. Also: pictures that are not, or are far
too large (decompression bombs), a CMYK JPEG, a CSV with a header and no rows, an empty table, the Imputation lab's
first table, and a tab that needs MNIST when there is neither a data folder nor a network."""
import asyncio
import inspect
import math
import time
from concurrent.futures import ThreadPoolExecutor

import gradio as gr
import numpy as np
import pytest
from fake_pictures import png_header
from PIL import Image

from playground.ui import checks

NUMBER_KINDS, CHOICE_KINDS = (gr.Number, gr.Slider), (gr.Dropdown, gr.Radio)
CHECKED_KINDS = NUMBER_KINDS + CHOICE_KINDS + (gr.CheckboxGroup, gr.Checkbox, gr.Dataframe, gr.ImageEditor)


@pytest.fixture(scope="module")
def demo():
    from gradio.state_holder import SessionState

    from playground.ui import build_app

    app = build_app()
    app.test_session = SessionState(app)  # one browser session for every call here (making one costs 0.1 s)
    return app


def _public(demo) -> dict:
    return {fn.api_name: fn for fn in demo.fns.values() if fn.api_visibility == "public"}


def _defaults(fn) -> list:
    return [block.value if not callable(getattr(block, "value", None)) else None for block in fn.inputs]


def run_event(demo, api_name: str, inputs: list):
    """An event's function on inputs given as a client sends them, with Gradio's preprocessing: its (first) output."""
    fn = _public(demo)[api_name]

    async def run():
        args = await demo.preprocess_data(fn, list(inputs), demo.test_session, explicit_call=True)
        out = fn.fn(*args)
        return next(out) if inspect.isgenerator(out) else out

    # In a thread of its own: after the browser tests, Playwright's event loop is running in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def _wrong_values(block) -> list:
    """Wrong values for one setting, from what the widget itself allows."""
    if isinstance(block, NUMBER_KINDS):
        values = ["abc", None, math.nan, math.inf, -math.inf, True, [1]]
        if block.minimum is not None:
            values.append(block.minimum - 1)
        if block.maximum is not None:
            values += [block.maximum + 1, 10 ** 400]
        if checks.allowed(block).startswith("a whole number"):
            values.append((block.minimum or 0) + 0.5)
        return values
    if isinstance(block, CHOICE_KINDS):
        return [5, None, True] if getattr(block, "allow_custom_value", False) else ["no such choice", None, 5, ["a"]]
    if isinstance(block, gr.CheckboxGroup):
        return [["no such choice"], None, "mean"]
    if isinstance(block, gr.Dataframe):
        return [None]  # an empty table: test_a_csv_with_a_header_and_no_rows_and_an_empty_table_are_clear_errors
    return ["yes", None, 1]  # a checkbox


def _settings(demo):
    """(endpoint, input position) of every public event's input that a settings table declares, and of the checked
    inputs outside the tables, which may only be a plot click's coordinates or a data table."""
    from playground.ui import TABS

    declared = {id(w) for tab in TABS if hasattr(tab, "TABLE") for w in tab.TABLE.widgets_in(demo).values()}
    found = []
    for name, fn in _public(demo).items():
        for i, block in enumerate(fn.inputs):
            if id(block) in declared:
                if not isinstance(block, gr.Textbox):  # free text (typed data) has no range; its handler parses it
                    found.append((name, i))
            elif isinstance(block, CHECKED_KINDS) and not isinstance(block, gr.ImageEditor):
                assert isinstance(block, gr.Dataframe) or str(block.elem_id).endswith(("-x", "-y")), \
                    f"{name}: '{block.label}' is a setting outside its tab's settings table"
                found.append((name, i))
    return found


def _fmt(block, v) -> str:
    return f"{int(v):,}" if checks.allowed(block).startswith("a whole number") else f"{v:g}"


def test_every_setting_of_every_public_event_refuses_wrong_values_with_a_clear_message(demo):
    settings = _settings(demo)
    assert len(settings) > 100 and len({name for name, _ in settings}) >= 25
    for name, i in settings:
        fn = _public(demo)[name]
        block = fn.inputs[i]
        assert isinstance(block, CHECKED_KINDS) and type(block).__module__ == checks.__name__, (name, block.label)
        for value in _wrong_values(block):
            inputs = _defaults(fn)
            inputs[i] = value
            with pytest.raises(gr.Error) as caught:
                run_event(demo, name, inputs)
            message = caught.value.message
            assert checks.setting_name(block) in message, (name, value, message)
            if isinstance(block, NUMBER_KINDS):
                for bound in (block.minimum, block.maximum):
                    assert bound is None or _fmt(block, bound) in message, (name, value, message)
            if isinstance(block, CHOICE_KINDS + (gr.CheckboxGroup,)):
                assert str(checks.choice_values(block)[0]) in message, (name, value, message)


def _stroke(path, mode="RGB", suffix=".png") -> str:
    a = np.full((120, 120, 3), 255, dtype=np.uint8)
    a[20:100, 50:70] = 0  # a dark stroke on white paper
    path = path.with_suffix(suffix)
    Image.fromarray(a).convert(mode).save(path)
    return str(path)


@pytest.fixture
def pictures(tmp_path):
    good = _stroke(tmp_path / "good")
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(open(good, "rb").read()[:60])
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("not a picture, whatever the name says")
    return {"bomb": png_header(tmp_path / "bomb.png", 30_000, 30_000), "large": png_header(tmp_path / "large.png",
            10_000, 10_000), "corrupt": str(corrupt), "empty": str(tmp_path / "empty.png"),
            "text": str(tmp_path / "text.png"), "good": good, "cmyk": _stroke(tmp_path / "cmyk", "CMYK", ".jpg")}


def _file(path):
    return {"path": path, "meta": {"_type": "gradio.FileData"}, "orig_name": path.rsplit("/", 1)[-1]}


def _editor(path):
    return {"background": _file(path), "layers": [_file(path)], "composite": _file(path), "id": None}


EDITOR_EVENTS = {  # endpoint: (its inputs with the editor as None, the editor's position)
    "ar_complete": ([0, None, "painted region", "PixelCNN", 1, "any", 1.0, 0], 1),
    "latent_interpolate": (["VAE (beta = 1)", "2-D latent", "drawing", 0, None, None, "test digit", 2, None, None,
                            "slerp", 4], 4),
    "inv_restore": (["MNIST digits (28x28 grey)", 7, None, None, "Inpainting", "painted region", "4", "DDNM (fast)",
                     1, 2, 0.85, "none", 1.0, 5, 2, 0], 3),
}


@pytest.mark.parametrize("endpoint", list(EDITOR_EVENTS))
@pytest.mark.parametrize("kind, message", [
    ("bomb", "far too large to decode"), ("large", "10000x10000 pixels; the limit is 4096"),
    ("corrupt", "cannot be decoded"), ("empty", "not a picture"), ("text", "not a picture")])
def test_editors_refuse_bad_pictures_before_decoding_them(demo, pictures, endpoint, kind, message):
    inputs, at = EDITOR_EVENTS[endpoint]
    inputs = list(inputs)
    inputs[at] = _editor(pictures[kind])
    label = checks.setting_name(_public(demo)[endpoint].inputs[at])
    with pytest.raises(gr.Error, match=message) as caught:
        run_event(demo, endpoint, inputs)
    assert f'"{label}"' in caught.value.message


def test_a_cmyk_jpeg_is_a_picture_like_any_other(demo, pictures):
    inputs, at = EDITOR_EVENTS["latent_interpolate"]
    inputs = list(inputs)
    inputs[at] = _editor(pictures["cmyk"])
    strip, animation, fig, note = run_event(demo, "latent_interpolate", inputs)
    assert strip is not None and "slerp interpolation in 4 frames" in note


@pytest.mark.parametrize("kind, message", [("bomb", "not a picture|too large|limit"), ("empty", "not a picture"),
                                           ("text", "not a picture")])
def test_uploads_refuse_bad_pictures(demo, pictures, kind, message):
    with pytest.raises(gr.Error, match=message):
        run_event(demo, "inv_load", ["MNIST digits (28x28 grey)", 7, _file(pictures[kind])])


def test_a_csv_with_a_header_and_no_rows_and_an_empty_table_are_clear_errors(demo, tmp_path):
    (tmp_path / "header.csv").write_text("value\n")
    with pytest.raises(gr.Error, match="no data rows"):
        run_event(demo, "density_upload", [_file(str(tmp_path / "header.csv")), "1-D"])
    for table in ({"headers": ["a", "b"], "data": []}, {"headers": [], "data": []}):
        with pytest.raises(gr.Error, match="The table is empty"):
            run_event(demo, "imp_impute", [table, None, ["mean"], 2, 2, "a", "b", "mean", 0])


def test_impute_is_unavailable_until_the_first_table_exists(demo):
    """Opening the lab makes its first table, then imputes it (seconds); Impute pressed before the table existed
    answered 'The table is empty'. Now it is disabled until then, and the table comes before the imputation."""
    from playground.ui.imputation_tab import DEFAULTS, _first_visit

    go = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "imp-go")
    assert go.interactive is False
    d = DEFAULTS
    steps = _first_visit(None, d["table"], d["mech"], d["rate"], d["seed"], d["x"], d["y"], d["methods"], d["m"],
                         d["k"], d["shown"], request=None)
    first = next(steps)  # the table, and Impute enabled, before any imputation ran
    table, button, status = first[0], first[-1], first[9]
    assert len(table) == 442 and button.interactive is True and status == gr.skip()
    second = next(steps)
    assert "missing cells imputed" in second[9] and second[10]["results"]


def test_a_tab_that_needs_mnist_answers_at_once_without_data_or_network(demo, tmp_path, monkeypatch):
    """No data folder, an empty cache, and a network that never answers (even name lookups hang): the request
    still answers within 2 s, naming the setting to fix."""
    import socket

    import torchvision.datasets  # noqa: F401  (imported by any server that has shown a digit; not timed here)

    def hang(*args, **kwargs):
        time.sleep(5)
        raise OSError("no network")

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "missing"))
    monkeypatch.setenv("PLAYGROUND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(socket, "create_connection", hang)
    checks.mnist_test.cache_clear()
    try:
        started = time.perf_counter()
        with pytest.raises(gr.Error, match="PLAYGROUND_DATA_DIR") as caught:
            run_event(demo, "ar_load_digit", [3])
        assert time.perf_counter() - started < 2.0
        assert "MNIST is not available" in caught.value.message
    finally:
        checks.mnist_test.cache_clear()  # later tests read the real data again
