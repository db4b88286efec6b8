"""The layers of STYLE.md, read from the source: every import of every module under playground/ (those inside
functions too) is checked against the rules; the first page's modules import no heavy library; and the torch-free
copies of the widgets' names (playground/choices.py) agree with the backend modules that define them."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ABOVE_DATA = ("playground.models", "playground.tasks", "playground.registry", "playground.ui", "playground.plotting",
              "playground.train", "playground.figures")
# (rule, which modules it binds, the modules they must not import)
RULES = [
    ("the backend never imports gradio", lambda m: not m.startswith("playground.ui"), ("gradio", "playground.ui")),
    ("models never import tasks, the registry, the trainer or the UI", lambda m: m.startswith("playground.models."),
     ("playground.tasks", "playground.registry", "playground.train", "playground.figures", "playground.ui")),
    ("plotting never imports models", lambda m: m == "playground.plotting", ("playground.models",)),
    ("data imports nothing above it", lambda m: m == "playground.data", ABOVE_DATA),
]
HEAVY = ("torch", "plotly", "diffusers", "transformers")


def imported(module: str, source: str) -> set[str]:
    """What `source` (the text of `module`) imports anywhere, relative imports resolved: `import a.b` gives a.b,
    `from a import b` gives a.b (b may be a module or a name in a)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[:-node.level]
                base = ".".join(package + ([base] if base else []))
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def violations(module: str, source: str) -> list[str]:
    """'MODULE imports NAME: RULE' for each import in `source` that a rule binding `module` forbids."""
    found = []
    for rule, binds, forbidden in RULES:
        if binds(module):
            found += [f"{module} imports {name}: {rule}" for name in sorted(imported(module, source))
                      if any(name == f or name.startswith(f + ".") for f in forbidden)]
    return found


def package_modules() -> dict[str, str]:
    """Dotted name -> source of every module under playground/."""
    modules = {}
    for path in sorted((ROOT / "playground").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path.read_text(encoding="utf-8")
    return modules


def test_no_module_of_the_package_breaks_a_layer_rule():
    modules = package_modules()
    assert {"playground.data", "playground.plotting", "playground.models.diffusion"} <= set(modules)
    assert [v for name, source in modules.items() for v in violations(name, source)] == []


@pytest.mark.parametrize("module, source, expected", [
    ("playground.models.fake", "def quality(model):\n    from playground.tasks.evaluate import read_digits\n",
     "playground.models.fake imports playground.tasks.evaluate.read_digits: models never import tasks"),
    ("playground.models.fake", "from playground import registry\n",
     "playground.models.fake imports playground.registry: models never import tasks"),
    ("playground.models.fake", "from ..tasks import latent\n",
     "playground.models.fake imports playground.tasks.latent: models never import tasks"),
    ("playground.tasks.fake", "import gradio as gr\n", "playground.tasks.fake imports gradio: the backend never"),
    ("playground.plotting", "import playground.models.kde\n", "imports playground.models.kde: plotting never"),
    ("playground.data", "def f():\n    from playground.registry import get_spec\n",
     "playground.data imports playground.registry.get_spec: data imports nothing above it"),
])
def test_the_checker_reports_a_forbidden_import(module, source, expected):
    assert any(expected in v for v in violations(module, source)), violations(module, source)


def test_the_checker_lets_allowed_imports_pass():
    assert violations("playground.ui.fake_tab", "import gradio as gr\nfrom playground.tasks import latent\n") == []
    assert violations("playground.models.fake", "from playground.data import images_to_float\nimport torch\n") == []


@pytest.mark.parametrize("module", ["playground.registry", "playground.choices"])
def test_a_first_page_module_imports_no_heavy_library(module):
    code = f"import sys, {module}; print([m for m in {HEAVY!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr


def test_the_torch_free_choices_agree_with_the_backend():
    from playground import choices
    from playground.models import diffusion, flow_matching, kde
    from playground.tasks import flow_paths, inverse_lab, latent

    assert choices.KDE_KERNELS == kde.KERNELS
    assert choices.DIFFUSION_SAMPLERS == tuple(diffusion.SAMPLERS)
    assert choices.DIFFUSION_MAX_STEPS == diffusion.MAX_STEPS
    assert choices.FLOW_SOLVERS == flow_matching.SOLVERS == tuple(flow_matching.EVALS_PER_STEP)
    assert (choices.FLOW_MAX_STEPS, choices.FLOW_MAX_PARTICLES) == (flow_paths.MAX_STEPS, flow_paths.MAX_PARTICLES)
    assert choices.MAX_SIDE == latent.MAX_SIDE
    assert choices.INVERSE_PRIORS == tuple(inverse_lab.PRIORS)
    assert (choices.INVERSE_METHODS, choices.INVERSE_TASKS) == (inverse_lab.METHODS, inverse_lab.TASKS)
