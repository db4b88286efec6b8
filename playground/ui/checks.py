"""Input checks shared by the tabs: a wrong value becomes a `gr.Error` that names the setting and what it allows.

The widgets at the end of this file are Gradio's own (same name, same look) with a `preprocess` that checks the
value before any handler runs, from the browser or through the API: a wrong type, NaN or infinity, out of range,
an unknown choice, or a picture that is not one or is too large to decode. Bounds and choices are read from the
widget itself, so a range is written once, where the widget is declared, and handlers get values already checked.
`whole`, `seed` and `choice` check what a widget cannot express (a seed used modulo 2^32, a range or choices that
depend on another setting or on the data).
"""
import math
import warnings
from functools import lru_cache
from io import BytesIO

import gradio as gr
from gradio.data_classes import FileData

from playground.choices import MAX_SIDE  # the limit on a side of any picture, drawn or uploaded


def user_error(message: str) -> gr.Error:
    """The error for a request that cannot be served as sent (a wrong value, missing data or model): shown to the
    user, not logged with a traceback, since the server did nothing wrong."""
    return gr.Error(message, print_exception=False)


def setting_name(component) -> str:
    """The widget's label without its parenthesised help: 'Seed (any whole number, used mod 2^32)' -> 'Seed'."""
    return str(component.label or "This setting").split(" (")[0].strip()


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_whole(component) -> bool:
    """A whole-number widget: precision 0, or a slider stepping by whole numbers from a whole minimum."""
    if component.precision == 0:
        return True
    step, lo = getattr(component, "step", None), component.minimum
    return step is not None and float(step).is_integer() and (lo is None or float(lo).is_integer())


def allowed(component) -> str:
    """What a number widget accepts, in words: 'a whole number from 1 to 1,000,000'."""
    whole = _is_whole(component)
    show = (lambda v: f"{int(v):,}") if whole else (lambda v: f"{v:g}")
    lo, hi = component.minimum, component.maximum
    what = "a whole number" if whole else "a number"
    if lo is not None and hi is not None:
        return f"{what} from {show(lo)} to {show(hi)}"
    if lo is not None or hi is not None:
        return f"{what} of at least {show(lo)}" if lo is not None else f"{what} of at most {show(hi)}"
    return what


def check_number(component, value):
    """The value as an int (whole-number widgets) or a float, or a gr.Error naming the setting and its range."""
    lo, hi = component.minimum, component.maximum
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    try:
        ok = (ok and math.isfinite(value) and (not _is_whole(component) or float(value).is_integer())
              and (lo is None or value >= lo) and (hi is None or value <= hi))
    except OverflowError:  # an int too large for a float
        ok = False
    if not ok:
        raise user_error(f"{setting_name(component)} must be {allowed(component)} (got {_shown(value)}).")
    return int(value) if _is_whole(component) else float(value)


def choice_values(component) -> list:
    return [value for _, value in component.choices]


def check_choice(component, value):
    """One of the widget's choices (any text where custom values are allowed), or a gr.Error listing them."""
    choices, custom = choice_values(component), getattr(component, "allow_custom_value", False)
    if custom:
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, (str, int, float)) and not isinstance(value, bool) and value in choices
    if not ok:
        what = " must be text, such as" if custom else ": choose one of"
        raise user_error(f"{setting_name(component)}{what} {', '.join(map(str, choices))} (got {_shown(value)}).")
    return value


def check_choices(component, value) -> list:
    """A list of the widget's choices, or a gr.Error listing them."""
    choices = choice_values(component)
    if not isinstance(value, list) or any(isinstance(v, bool) or v not in choices for v in value):
        raise user_error(f"{setting_name(component)}: choose a list of some of {', '.join(map(str, choices))} "
                         f"(got {_shown(value)}).")
    return value


def check_picture(source, name: str) -> None:
    """A picture file (a path or bytes) whose header says it can be decoded within MAX_SIDE on a side; only the
    header is read, so a decompression bomb is refused before it takes any memory."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below anyway
            with Image.open(source if isinstance(source, str) else BytesIO(source)) as im:
                width, height = im.size
    except Image.DecompressionBombError:
        raise user_error(f'"{name}": the picture is far too large to decode; the limit is {MAX_SIDE} pixels on a '
                       "side.") from None
    except (OSError, ValueError, SyntaxError):  # PIL: UnidentifiedImageError (an OSError), truncated headers
        raise user_error(f'"{name}": that file is not a picture that can be read (PNG, JPEG, GIF, WebP...).') from None
    if max(width, height) > MAX_SIDE:
        raise user_error(f'"{name}": the picture is {width}x{height} pixels; the limit is {MAX_SIDE} on a side.')


def whole(value, name: str, lo: int, hi: int) -> int:
    """A whole number within [lo, hi], or a clear error: for ranges that depend on another setting."""
    try:
        ok = value is not None and math.isfinite(float(value)) and float(value) == int(float(value))
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or not lo <= int(float(value)) <= hi:
        raise user_error(f"{name} must be a whole number from {lo:,} to {hi:,}.")
    return int(float(value))


def seed(value) -> int:
    """Any whole number is a seed; it is used modulo 2^32 (as the UI states)."""
    return abs(whole(value, "Seed", -2 ** 62, 2 ** 62)) % 2 ** 32


def choice(value, name: str, choices) -> str:
    """One of choices that change at run time (a table's columns), or a clear error."""
    if value not in choices:
        raise user_error(f"Unknown {name} '{value}'. Choose one of {', '.join(map(str, choices))}.")
    return value


@lru_cache(maxsize=1)
def mnist_test():
    """MNIST's test set (images uint8 (N, 28, 28), labels), read once; a clear error when it is not available."""
    from playground.data import DatasetUnavailable, mnist

    try:
        return mnist("test")
    except DatasetUnavailable as error:
        raise user_error(str(error)) from None


# The checked widgets. Gradio writes a type stub (checks.pyi, git-ignored) beside any module that defines a
# component class, from the source above the first class: so they come last.
class Number(gr.Number):
    """gr.Number whose value is checked against its own minimum, maximum and precision."""

    def preprocess(self, payload):
        return super().preprocess(check_number(self, payload))


class Seed(gr.Number):
    """A seed: any whole number, used modulo 2^32 (so the handler gets one from 0 to 2^32 - 1)."""

    def get_block_name(self) -> str:
        return "number"  # Gradio's own number box in the page (a new class name would be taken for a custom one)

    def preprocess(self, payload):
        return super().preprocess(check_number(self, payload)) % 2 ** 32


class Slider(gr.Slider):
    """gr.Slider whose value is checked against its own minimum, maximum and step (whole steps: whole numbers)."""

    def preprocess(self, payload):
        return super().preprocess(check_number(self, payload))


class Dropdown(gr.Dropdown):
    """gr.Dropdown whose value must be one of its choices (or any text, with allow_custom_value)."""

    def preprocess(self, payload):
        return super().preprocess(check_choice(self, payload))


class Radio(gr.Radio):
    """gr.Radio whose value must be one of its choices."""

    def preprocess(self, payload):
        return super().preprocess(check_choice(self, payload))


class CheckboxGroup(gr.CheckboxGroup):
    """gr.CheckboxGroup whose value must be a list of its choices."""

    def preprocess(self, payload):
        return super().preprocess(check_choices(self, payload))


class Checkbox(gr.Checkbox):
    """gr.Checkbox whose value must be true or false."""

    def preprocess(self, payload):
        if not isinstance(payload, bool):
            raise user_error(f"{setting_name(self)} must be true or false (got {_shown(payload)}).")
        return payload


class Dataframe(gr.Dataframe):
    """gr.Dataframe that must be given a table (an empty one is the handler's to explain)."""

    def preprocess(self, payload):
        if payload is None:
            raise user_error(f"{setting_name(self)} must be a table with headers and rows (got None).")
        return super().preprocess(payload)


class ImageEditor(gr.ImageEditor):
    """gr.ImageEditor (and sketchpad) whose pictures are checked (readable, at most MAX_SIDE on a side) before
    Gradio decodes them; a picture that still fails to decode is a clear error too."""

    def preprocess(self, payload):
        if payload is None:
            return None
        name = setting_name(self)
        cached = self.blob_storage.get(payload.id) if payload.id is not None else None
        files = [cached.background, *cached.layers, cached.composite] if cached else \
            [payload.background, *payload.layers, payload.composite]
        for file in files:
            if file is not None:
                check_picture(file.path if isinstance(file, FileData) else file, name)
                if isinstance(file, FileData) and file.orig_name:
                    # Kept as PNG: Gradio saves the RGBA result in the upload's format, and JPEG has no alpha.
                    file.orig_name = file.orig_name.rsplit(".", 1)[0] + ".png"
        try:
            return super().preprocess(payload)
        except (OSError, ValueError, SyntaxError) as error:  # a header that promised more than the file holds
            raise user_error(f'"{name}": that picture cannot be decoded ({type(error).__name__}).') from None
