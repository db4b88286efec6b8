"""One settings table per tab: each setting is declared once (its link key, widget kind, label, default, bounds or
choices, step, help, whether it is secondary and whether it belongs in the link). From that table the tab builds its
widgets (which check every value, playground.ui.checks), the link writes and restores it (versioned, so an old lesson
link keeps working), and the lesson presets set it.
"""
import inspect
import json
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable

import gradio as gr

from playground.ui import checks
from playground.ui.urlstate import sync_url, tab_query

SECONDARY = "gp-secondary"  # folded away in projector mode (the CSS in playground.ui.view)


@dataclass(frozen=True)
class Setting:
    """One setting: `key` is its name in the link; `kind` one of KINDS; bounds `lo`/`hi` (numbers), `step`
    (sliders), `choices` (pickers: values, or (label, value) pairs); `whole` numbers have no decimals."""
    key: str
    kind: str
    label: str
    default: Any = None
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    choices: tuple = ()
    whole: bool = False
    help: str | None = None
    secondary: bool = False
    linked: bool = True
    hi_by: tuple | None = None  # (other key, {its value: this setting's maximum}): a range set by another setting
    options: dict = field(default_factory=dict)  # passed to the widget as is: elem_id, visible, lines, ...

    def clamp(self, value: float) -> float:
        """A computed value (not an input) kept within this setting's bounds, e.g. to show it on the slider."""
        return min(max(value, self.lo), self.hi)

    def widget(self, **overrides):
        kw = dict(label=self.label, value=self.default, info=self.help, **self.options)
        if self.secondary:
            kw["elem_classes"] = [SECONDARY]
        if self.kind in ("number", "seed"):
            kw.update(minimum=self.lo, maximum=self.hi, precision=0 if self.whole or self.kind == "seed" else None)
        elif self.kind == "slider":
            kw.update(minimum=self.lo, maximum=self.hi, step=self.step)
        elif self.kind in ("dropdown", "radio", "checkboxes"):
            kw.update(choices=list(self.choices))
        kw.update(overrides)
        return KINDS[self.kind](**kw)


KINDS = {"number": checks.Number, "seed": checks.Seed, "slider": checks.Slider, "dropdown": checks.Dropdown,
         "radio": checks.Radio, "checkbox": checks.Checkbox, "checkboxes": checks.CheckboxGroup, "text": gr.Textbox}


@dataclass(frozen=True)
class Lesson:
    """A lesson preset: a name, the settings it changes from the defaults, and one sentence on what to notice."""
    name: str
    notice: str
    values: dict


class Table:
    """A tab's settings. `renamed` maps an old link version to {old key: new key} (a key renamed in version v + 1
    is listed under v), so links written before a change keep working. `adjust(values) -> {key: gr.update}`
    fixes widgets whose choices depend on another setting (restore and lessons both call it)."""

    def __init__(self, tab_id: str, settings: list, *, version: int = 1, renamed: dict | None = None,
                 lessons: tuple = (), adjust: Callable | None = None):
        self.tab_id, self.version, self.renamed = tab_id, version, renamed or {}
        self.settings = {s.key: s for s in settings}
        assert len(self.settings) == len(settings), f"{tab_id}: a setting key is declared twice"
        self.lessons = {lesson.name: lesson for lesson in lessons}
        for lesson in lessons:
            unknown = set(lesson.values) - set(self.settings)
            assert not unknown, f"{tab_id} lesson {lesson.name!r} sets unknown settings {unknown}"
        self.adjust, self.built, self.apps = adjust, {}, weakref.WeakKeyDictionary()

    def __getitem__(self, key: str):
        """The widget built for `key`."""
        return self.built[key]

    def build(self, key: str, **overrides):
        """Make the setting's widget here in the layout (once per app; `built` holds the last app's widgets)."""
        root = gr.context.Context.root_block
        if self.apps.get(root) is not self.built:  # a new app (tests build several in one process)
            self.built = self.apps.setdefault(root, {})
        assert key not in self.built, f"{self.tab_id}: {key} is built twice"
        self.built[key] = self.settings[key].widget(**overrides)
        return self.built[key]

    def widgets_in(self, demo: gr.Blocks) -> dict:
        """{key: widget} of this table in the app `demo`."""
        return self.apps.get(demo, {})

    def widgets(self, *keys) -> list:
        return [self.built[k] for k in keys]

    def values(self, lesson: str | None = None, **changes) -> dict:
        """Every setting's value: the defaults, then a lesson's values, then `changes`."""
        values = {k: s.default for k, s in self.settings.items()}
        values.update(self.lessons[lesson].values if lesson else {})
        values.update(changes)
        return values

    def read_link(self, query) -> dict:
        """The link's settings, each checked by its own widget: a wrong, unknown or out-of-range value keeps the
        default. Older link versions are read through `renamed`."""
        query = dict(query or {})
        try:
            version = int(query.get("v", 1))
        except ValueError:
            version = self.version
        for old in range(version, self.version):
            for before, after in self.renamed.get(old, {}).items():
                if before in query:
                    query.setdefault(after, query.pop(before))
        values = self.values()
        for key, setting in self.settings.items():
            if setting.linked and key in query and key in self.built:
                values[key] = _from_text(self.built[key], setting, query[key])
        return values

    def updates(self, values: dict) -> list:
        """The built widgets' new values (with `adjust`'s choices and visibility), in build order."""
        fixed = self.adjust(values) if self.adjust else {}
        return [fixed.get(k, values[k]) for k in self.built]

    def checked(self, fn, keys: list, stream: bool = False):
        """`fn` behind the table's cross-setting checks (`hi_by`): its inputs are the widgets of `keys`, each
        already checked on its own; a value past the maximum another setting allows is a clear error."""
        rules = [(keys.index(k), self.settings[k]) for k in keys if self.settings[k].hi_by]

        def check(args):
            for i, setting in rules:
                other, limits = setting.hi_by
                hi = limits.get(args[keys.index(other)], setting.hi)
                if args[i] > hi:
                    what = "a whole number" if setting.whole or setting.step == 1 else "a number"
                    name, by = checks.setting_name(self.built[setting.key]), checks.setting_name(self.built[other])
                    raise checks.user_error(f"{name} must be {what} from {setting.lo:g} to {hi:g} when {by} is "
                                            f"{args[keys.index(other)]!r} (got {args[i]!r}).")

        if stream:
            def call(*args):
                check(args)
                yield from fn(*args)
        else:
            def call(*args):
                check(args)
                return fn(*args)
        call.__name__ = getattr(fn, "__name__", "call")
        call.__signature__ = inspect.signature(fn)  # Gradio names the API's parameters from it
        call.__annotations__ = dict(getattr(fn, "__annotations__", {}))
        return call

    def linked(self, request) -> bool:
        """Whether the page was opened from a link to this tab that asks to run its settings (`run=0` restores them
        without running: a heavy lesson set up on the projector before the class watches it run)."""
        query = tab_query(request, self.tab_id)
        return bool(query) and query.get("run") != "0"

    def link(self, demo: gr.Blocks, tab: gr.Tab):
        """Keep the link in step with the widgets and restore it on load; returns the load event (chain `.then`)."""
        sync_url(tab, self.tab_id, {k: w for k, w in self.built.items() if self.settings[k].linked}, self.version)

        def restore(request: gr.Request):
            return self.updates(self.read_link(tab_query(request, self.tab_id)))

        return demo.load(restore, None, list(self.built.values()), api_visibility="private")

    def toolbar(self):
        """The lesson picker, its note and the Copy link button (call inside the layout). Returns the picker."""
        with gr.Row(elem_classes=["gp-toolbar"]):
            picker = gr.Dropdown(list(self.lessons), value=None, label="Lesson", elem_id=f"{self.tab_id}-lesson",
                                 scale=3, info="A preset that shows one idea: pick it, then read the note.")
            url = gr.Textbox(visible=False)
            copy = gr.Button("Copy link", size="sm", elem_id=f"{self.tab_id}-copy-link", scale=1)
        self.note = gr.Markdown(elem_id=f"{self.tab_id}-lesson-note")
        copy.click(_copied, url, None, js=COPY_JS, api_visibility="private")
        self.picker = picker
        return picker

    def lessons_run(self, fn, inputs: list, outputs: list, **kwargs):
        """Picking a lesson sets every widget (its values over the defaults), shows its note, then runs `fn`."""
        def apply(name):
            if name not in self.lessons:
                raise checks.user_error(f"Lesson: choose one of {', '.join(self.lessons)} (got {name!r}).")
            return [*self.updates(self.values(name)), f"**{name}.** {self.lessons[name].notice}"]

        event = self.picker.input(apply, self.picker, [*self.built.values(), self.note], api_visibility="private")
        return event.then(fn, inputs, outputs, **{"api_visibility": "private", **kwargs})


def _from_text(widget, setting: Setting, raw: str):
    """A link's text as the widget's value, checked the way the widget checks input; the default when wrong."""
    try:
        if setting.kind in ("number", "seed", "slider"):
            number = float(raw)
            value = int(number) if number.is_integer() and abs(number) < 2 ** 63 else number
        elif setting.kind == "checkbox":
            value = {"true": True, "1": True, "false": False, "0": False}[str(raw).lower()]
        elif setting.kind == "checkboxes":
            value = json.loads(raw)
        elif setting.kind in ("dropdown", "radio"):
            by_text = {str(v): v for v in checks.choice_values(widget)}
            value = by_text.get(raw, raw)
        else:
            return str(raw)
        return widget.preprocess(value) if setting.kind != "checkboxes" else checks.check_choices(widget, value)
    except (gr.Error, ValueError, TypeError, OverflowError, KeyError):
        return setting.default


def _copied(url: str):
    gr.Info("Link copied: paste it anywhere to open this tab with these settings." if url.startswith("copied:")
            else f"Copy this link: {url}")


COPY_JS = """async () => {
  const url = window.location.href;
  try { await navigator.clipboard.writeText(url); return ["copied:" + url]; } catch (e) { return [url]; }
}"""
