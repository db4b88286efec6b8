"""Model cards as data: `card.json` in a checkpoint folder holds what is known about the checkpoint (data,
recipe, command, date, hardware, precision, wall time, stored weights, figures) and README.md is rendered
from it. A fact a card lacks (cards written before card.json existed) reads "not recorded".
"""
import json
import platform
from datetime import datetime, timezone
from pathlib import Path

NOT_RECORDED = "not recorded"

FIGURES_NOTE = """Figures are measured on the held-out examples (the notes below say how). NLLs are in nats
per example (a point or an image); sliced Wasserstein (SW) distances compare samples with held-out data;
for 2-D data a Gaussian fitted to the training data is the baseline a model must beat."""


def cpu_model() -> str:
    """The CPU's model name as /proc/cpuinfo gives it (e.g. 'AMD EPYC 7R13 Processor'), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or f"{NOT_RECORDED} ({platform.machine()})"


def hardware(device, processes: int = 1) -> dict:
    """Where a run or a measurement happened: device, GPU name, CPU model, torch threads, processes, torch."""
    import torch

    device = torch.device(device)
    facts = {"device": device.type, "cpu": cpu_model(), "threads": torch.get_num_threads(), "processes": processes,
             "torch": torch.__version__}
    if device.type == "cuda":
        facts["gpu"] = torch.cuda.get_device_name(device)
    return facts


def today() -> str:
    """The date and time (UTC, to the minute) a card records."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def read(folder) -> dict:
    return json.loads((Path(folder) / "card.json").read_text())


def write(folder, card: dict) -> None:
    """card.json and the README.md rendered from it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    (folder / "README.md").write_text(render(card))


def _get(block: dict, key: str):
    value = (block or {}).get(key)
    return NOT_RECORDED if value is None else value


def _hardware_line(hw: dict) -> str:
    if not hw:
        return NOT_RECORDED
    where = f"GPU {hw['gpu']}" if hw.get("gpu") else f"device {_get(hw, 'device')}"
    processes, threads = hw.get("processes") or 1, _get(hw, "threads")
    return (f"{where}; CPU {_get(hw, 'cpu')}, {threads} torch thread{'' if threads == 1 else 's'}"
            f"{f' per process, {processes} processes' if processes > 1 else ''}; torch {_get(hw, 'torch')}")


def _recipe_line(recipe: dict) -> str:
    if recipe.get("steps") == 0:
        return "closed form (no gradient steps)"
    ema = recipe.get("ema", NOT_RECORDED)
    return (f"{_get(recipe, 'steps')} steps of AdamW, batch {_get(recipe, 'batch_size')}, learning rate "
            f"{_get(recipe, 'lr')} ({_get(recipe, 'warmup')} warm-up steps, then cosine decay), EMA of the weights: "
            f"{ema or 'none'}, seed {_get(recipe, 'seed')}")


def _run_line(run: dict) -> str:
    resumed = f", resumed from step {run['resumed_from']}" if run.get("resumed_from") else ""
    loss = f"; final training loss {run['final_train_loss']}" if run.get("final_train_loss") is not None else ""
    return (f"{_get(run, 'date')}; wall time {_get(run, 'wall_time_s')} s (`wall_time_s`, every resumed run "
            f"together){resumed}{loss}")


def _measured_line(card: dict) -> str:
    measured = card.get("figures_measured") or {}
    line = f"with the {_get(measured, 'weights')} weights"
    if measured.get("command"):
        line += f", {_get(measured, 'date')}, by `{measured['command']}` on {_hardware_line(measured.get('hardware'))}"
    return line


def render(card: dict) -> str:
    """README.md of a checkpoint folder from its card."""
    data, recipe, run = card.get("data", {}), card.get("recipe", {}), card.get("run", {})
    precision, wanted = recipe.get("precision"), recipe.get("precision_wanted")
    precision = NOT_RECORDED if precision is None else precision + (
        f" (the recipe asks for {wanted} where the hardware runs it fast)" if wanted and wanted != precision else "")
    figures = card.get("figures") or {}
    rows = "\n".join(f"| {k} | {v} |" for k, v in figures.items()) or "| (not measured) | |"
    return f"""# {card['name']}

{card.get('blurb', '')}.

- Family: `{card.get('family')}` (`{card.get('config')}`)
- Data: `{_get(data, 'dataset')}`, {_count(data.get('train_examples'))} training and \
{_count(data.get('test_examples'))} held-out examples
- Training command: `{_get(run, 'command')}`
- Recipe: {_recipe_line(recipe)}
- Precision: {precision}
- Trained: {_run_line(run)}
- Hardware: {_hardware_line(run.get('hardware'))}
- Weights stored in {_get(card, 'weights')}; figures measured {_measured_line(card)}

| figure | value |
|---|---|
{rows}

{FIGURES_NOTE}
""" + (f"\n{card['notes']}\n" if card.get("notes") else "")


def _count(n) -> str:
    return f"{n:,}" if isinstance(n, int) else NOT_RECORDED
