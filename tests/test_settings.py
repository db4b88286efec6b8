"""The settings tables (playground/ui/settings.py): every tab declares its settings once, and the links, lessons and
checks come from that. In-process; the first-page test serves the app in a fresh process."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from playground.ui import TABS

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "plotly", "diffusers", "transformers")
TABLES = [tab.TABLE for tab in TABS if hasattr(tab, "TABLE")]


@pytest.fixture(scope="module")
def demo():
    from playground.ui import build_app

    return build_app()


def link_text(value) -> str:
    """A value as the page's script writes it into the link."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def lesson_query(table, name: str) -> dict:
    values = table.values(name)
    return {"tab": table.tab_id, "v": str(table.version),
            **{k: link_text(v) for k, v in values.items() if table.settings[k].linked}}


def test_every_tab_but_home_has_a_table_with_two_to_five_lessons():
    assert len(TABLES) == len(TABS) - 1
    for table in TABLES:
        assert 2 <= len(table.lessons) <= 5, table.tab_id
        for lesson in table.lessons.values():
            assert lesson.notice.strip().endswith(".") and lesson.values, (table.tab_id, lesson.name)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.tab_id)
def test_each_lesson_survives_its_link_and_each_setting_is_built(demo, table):
    built = table.widgets_in(demo)
    assert set(built) == set(table.settings), f"{table.tab_id}: declared but not built: {set(table.settings) - set(built)}"
    for name in table.lessons:
        read = table.read_link(lesson_query(table, name))
        want = table.values(name)
        for key, setting in table.settings.items():
            if setting.linked:
                assert read[key] == pytest.approx(want[key]) if isinstance(want[key], float) else read[key] == want[key], \
                    (table.tab_id, name, key, read[key], want[key])


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.tab_id)
def test_wrong_link_values_keep_the_defaults(demo, table):
    wrong = {"tab": table.tab_id, **{k: "\u2603 not a value" for k in table.settings}}
    defaults = table.values()
    read = table.read_link(wrong)
    for key, setting in table.settings.items():
        if setting.kind not in ("text",) and not setting.options.get("allow_custom_value"):
            assert read[key] == defaults[key], (table.tab_id, key, read[key])


def test_an_old_link_keeps_working_after_a_setting_is_renamed(demo):
    from playground.ui.density_tab import TABLE

    assert TABLE.version == 2  # v2 renamed the 2-D view's key `view` to `map` (`view` is the page's projector switch)
    assert TABLE.read_link({"tab": "density", "dim": "2-D", "view": "contours"})["map"] == "contours"
    assert TABLE.read_link({"tab": "density", "v": "2", "view": "contours"})["map"] == "heatmap"
    assert TABLE.read_link({"tab": "density", "v": "2", "map": "contours"})["map"] == "contours"


def test_a_range_one_setting_sets_for_another_is_checked(demo):
    """`hi_by`: the table's cross-setting check, as a handler sees it."""
    import gradio as gr

    from playground.ui.settings import Setting, Table

    table = Table("t", [Setting("kind", "radio", "Kind", "a", choices=("a", "b")),
                        Setting("steps", "slider", "Steps", 5, lo=1, hi=100, step=1, hi_by=("kind", {"a": 10}))])
    with gr.Blocks():
        table.build("kind"), table.build("steps")
    run = table.checked(lambda kind, steps: steps, ["kind", "steps"])
    assert run("a", 10) == 10 and run("b", 100) == 100
    with pytest.raises(gr.Error, match="Steps must be a whole number from 1 to 10 when Kind is 'a' \\(got 11\\)"):
        run("a", 11)


RANGE_CHECKS = ("checks.whole", "checks.seed", "check_number", "query_value", "min(max(", "max(min(")


def test_no_handler_checks_a_range_itself():
    """Ranges live in the tables; handlers get values already checked (data-dependent choices may be checked)."""
    for path in sorted((ROOT / "playground" / "ui").glob("*_handlers.py")):
        text = path.read_text()
        found = [c for c in RANGE_CHECKS if c in text]
        assert not found, f"{path.name} checks a range itself: {found}"
    for path in sorted((ROOT / "playground" / "ui").glob("*_tab.py")):
        assert "query_value" not in path.read_text() and "def _restore" not in path.read_text(), path.name


def _imports(path: Path) -> set:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_tab_files_import_only_light_modules_at_the_top():
    for path in sorted((ROOT / "playground" / "ui").glob("*_tab.py")):
        top = {n for node in ast.parse(path.read_text()).body if isinstance(node, (ast.Import, ast.ImportFrom))
               for n in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module])}
        bad = {n for n in top if n.split(".")[0] in HEAVY or n.startswith(("playground.models", "playground.tasks",
                                                                            "playground.plotting"))
               or n.endswith("_handlers")}
        assert not bad, f"{path.name} imports {bad} when the app is built"


FIRST_PAGE = """
import socket, sys, urllib.request
from playground.ui import CSS, build_app
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
demo = build_app()
demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, css=CSS)
page = urllib.request.urlopen(demo.local_url, timeout=60).read().decode()
print("PAGE", "Generative Playground" in page)
print("LOADED", " ".join(m for m in %r if m in sys.modules))
demo.close()
"""


def test_the_first_page_is_served_before_torch_plotly_diffusers_or_transformers_are_imported(tmp_path):
    out = subprocess.run([sys.executable, "-c", FIRST_PAGE % (HEAVY,)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if line.startswith(("PAGE", "LOADED")))
    assert lines.get("PAGE") == "True", out.stdout + out.stderr[-3000:]
    assert lines.get("LOADED", "").strip() == "", f"imported before the first page: {lines['LOADED']}"
