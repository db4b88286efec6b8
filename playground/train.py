"""The one training entry point: `python -m playground.train NAME [--steps N] [--out DIR]`.

One loop over `model.loss(x)` for every family: seeded, with a progress bar, resumable exactly (a run folder
keeps the weights, optimizer, EMA, step and random generator states, all safetensors/JSON), on the GPU when
present, on several processes through `accelerate launch -m playground.train NAME`. It writes
`checkpoints/NAME/`: config.json, the weights, and a model card (card.json, rendered as README.md).
`--remeasure` measures a shipped checkpoint's figures again with its weights as the recipe stores them.
"""
import argparse
import copy
import json
import math
import os
import shlex
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, load_model, save_file, save_model
from torch import nn

from playground import card
from playground.data import get_dataset
from playground.device import configure_threads, fast_bf16, get_device
from playground.figures import card_figures
from playground.registry import REPO_ROOT, family_class, get_spec
from playground.tasks.flow_paths import reflow_pairs


def training_data(spec, seed: int):
    """(train, test), each a tuple of tensors (points, or points and labels) from the spec's dataset."""
    recipe = spec.train
    splits = []
    for split, size in (("train", recipe.get("train_size", 10_000)), ("test", recipe.get("test_size", 2_000))):
        data = _dataset(recipe["dataset"], split, size, seed)
        data = data if isinstance(data, tuple) else (data,)
        splits.append(tuple(_as_tensor(d) for d in data))
    return splits[0], splits[1]


def _dataset(name: str, split: str, n: int, seed: int):
    """playground.data's datasets, and 'reflow:MODEL': for training, the (sample, label, noise) pairs that the
    trained flow MODEL makes itself; for testing, the real held-out data of MODEL's own recipe."""
    family, _, model = name.partition(":")
    if family != "reflow":
        return get_dataset(name, split, n=n, seed=seed)
    if split == "train":
        return reflow_pairs(model, n, seed)
    return get_dataset(get_spec(model).train["dataset"], split, n=n, seed=seed)


def _as_tensor(data) -> torch.Tensor:
    """Points -> float32, labels -> int64; uint8 images stay uint8 (the model scales them)."""
    t = torch.as_tensor(data)
    if t.dtype == torch.uint8:
        return t
    return t.long() if not t.is_floating_point() else t.float()


class LossOf(nn.Module):
    """A model's training loss as a module's forward. `accelerate` wraps this module (in DDP on several
    processes), so the loss is one call through the wrapper, whose backward averages the gradients across
    processes; the wrapper itself has no `loss`, and calling the bare model would skip that averaging."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, *batch):
        return self.model.loss(*batch)


class EMA:
    """Exponential moving average of a model's weights, in float32 on the model's own device."""

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.weights = {k: v.detach().clone().float() if v.is_floating_point() else v.detach().clone()
                        for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        """Move the average towards the weights, with the usual warm-up of the decay."""
        d = min(self.decay, (1 + step) / (10 + step))
        for key, value in model.state_dict().items():
            if value.is_floating_point():
                self.weights[key].mul_(d).add_(value.float(), alpha=1 - d)
            else:
                self.weights[key].copy_(value)

    def copy_to(self, model: nn.Module) -> None:
        model.load_state_dict({k: v.to(model.state_dict()[k].dtype) for k, v in self.weights.items()})


def _rng_state(device: torch.device) -> dict:
    """The global generators a loss draws from: the CPU's, and the accelerator's."""
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["cpu"])
    if device.type == "cuda":
        torch.cuda.set_rng_state(state["cuda"], device)


def _save_state(run_dir: Path, model, optimizer, step: int, losses: list, ema: EMA | None, wall: float) -> None:
    """The main process's part of a run folder: weights, EMA, optimizer, step, losses (each rank saves its RNG)."""
    save_model(model, str(run_dir / "model.safetensors"))
    if ema is not None:
        save_file(ema.weights, run_dir / "ema.safetensors")
    opt = optimizer.state_dict()
    tensors = {f"{i}.{k}": v.contiguous() for i, s in opt["state"].items() for k, v in s.items() if torch.is_tensor(v)}
    save_file(tensors, run_dir / "optimizer.safetensors")
    meta = {"step": step, "losses": losses, "wall_time_s": wall, "param_groups": opt["param_groups"]}
    (run_dir / "state.json").write_text(json.dumps(meta))


def _load_state(run_dir: Path, model, optimizer):
    """Restore a run's weights and optimizer; returns (step, losses, wall time so far)."""
    meta = json.loads((run_dir / "state.json").read_text())
    load_model(model, str(run_dir / "model.safetensors"))
    state: dict = {}
    for key, value in load_file(run_dir / "optimizer.safetensors").items():
        index, _, name = key.partition(".")
        state.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    return meta["step"], meta["losses"], meta.get("wall_time_s", 0.0)


def _learning_rate(lr: float, step: int, steps: int, warmup: int) -> float:
    """Linear warm-up, then cosine decay: a function of the step alone, so resuming is exact."""
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def choose_precision(recipe: dict, device_type: str) -> str:
    """'bf16' where the recipe asks for it and the device runs it fast (the app's rule, fast_bf16), else 'fp32':
    emulated bf16 is many times slower than fp32."""
    return "bf16" if recipe.get("mixed_precision") == "bf16" and fast_bf16(device_type) else "fp32"


@torch.no_grad()
def round_weights(model: nn.Module, dtype: str) -> None:
    """Round the floating weights in place to `dtype` and back, so the model is what a checkpoint stored in
    `dtype` loads as (its figures are then the shipped checkpoint's)."""
    for value in model.state_dict().values():
        if value.is_floating_point():
            value.copy_(value.to(getattr(torch, dtype)))


def store_weights(model: nn.Module, folder, dtype: str = "float32") -> None:
    """`save_pretrained` with the floating tensors in `dtype`: float16 halves the files, and every family's
    loader copies them back into float32 parameters."""
    if dtype != "float32":
        model = copy.deepcopy(model).to(getattr(torch, dtype))
    model.save_pretrained(folder)


def train(name: str, steps: int | None = None, out: str | Path | None = None, run_dir: str | Path | None = None,
          seed: int = 0, resume: bool = True, config: dict | None = None, batch_size: int | None = None,
          lr: float | None = None, progress: bool = True, until: int | None = None, precision: str | None = None,
          figures: bool = True):
    """Train model NAME from its registry recipe; returns (model, metrics).

    `until` stops this run early at that step (state saved, no checkpoint written): a long run can be
    spread over several sessions and resumes exactly where it stopped. `precision` ('fp32' or 'bf16')
    overrides choose_precision; `figures=False` skips the quality figures (a quick run).
    """
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState
    from tqdm.auto import tqdm

    spec = get_spec(name)
    if not spec.train:
        raise ValueError(f"'{name}' is not trained here (it comes from {spec.source}).")
    recipe = dict(spec.train)
    steps = steps or recipe["steps"]
    batch_size, lr = batch_size or recipe["batch_size"], lr or recipe["lr"]
    out = Path(out) if out else spec.path
    run_dir = Path(run_dir) if run_dir else REPO_ROOT / "runs" / name
    device_type = get_device().type
    precision = precision or choose_precision(recipe, device_type)
    torch.manual_seed(seed)
    AcceleratorState._reset_state()  # one process may train several recipes (tests), each with its own precision
    accelerator = Accelerator(cpu=device_type == "cpu", mixed_precision="bf16" if precision == "bf16" else "no")
    rank, world, device = accelerator.process_index, accelerator.num_processes, accelerator.device
    model = family_class(spec.family)(**(config or recipe["config"]))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    resumed = resume and (run_dir / "state.json").exists()
    start, losses, wall = _load_state(run_dir, model, optimizer) if resumed else (0, [], 0.0)
    net, optimizer = accelerator.prepare(LossOf(model), optimizer)  # moves `model` to the device
    ema = EMA(model, recipe["ema"]) if recipe.get("ema") else None  # made after the move: on the model's device
    if ema is not None and resumed:
        ema.weights.update({k: v.to(device) for k, v in load_file(run_dir / "ema.safetensors").items()})
    prepared = time.perf_counter()
    train_set, test_set = training_data(spec, seed)
    data_seconds = round(time.perf_counter() - prepared, 1)
    began = time.perf_counter()
    if hasattr(model, "fit"):  # closed-form maximum likelihood: no gradient steps
        model.fit(*train_set)
    rng_file = run_dir / f"rng-{rank}.safetensors"
    exact = _start_generators(rng_file if resumed else None, device, seed + start)
    if resumed:
        accelerator.print(f"resuming {name} from step {start} ({run_dir})" + ("" if exact else ", not exactly: "
                          f"{rng_file.name} is missing (an older trainer, or another number of processes)"))
    stop = min(steps, until) if until else steps
    bar = tqdm(range(start, stop), initial=start, total=steps, desc=name, mininterval=2.0,
               disable=not progress or not accelerator.is_main_process)

    def save(step_done):
        run_dir.mkdir(parents=True, exist_ok=True)
        save_file(_rng_state(device), rng_file)
        if accelerator.is_main_process:
            _save_state(run_dir, model, optimizer, step_done, losses, ema, round(wall + time.perf_counter() - began, 1))

    for step in bar:
        # The batch depends only on (seed, step), so a resumed run sees exactly the batches it would have;
        # each process takes its share of it, and the gradients are averaged over the processes.
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        idx = torch.randint(len(train_set[0]), (batch_size,), generator=g)[rank::world]
        with accelerator.autocast():
            loss = net(*(t[idx].to(device) for t in train_set))
        optimizer.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        for group in optimizer.param_groups:
            group["lr"] = _learning_rate(lr, step, steps, recipe.get("warmup", 0))
        optimizer.step()
        if ema is not None:
            ema.update(model, step)
        losses.append(round(float(accelerator.reduce(loss.detach(), "mean")), 5))
        if step % 50 == 0:
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if (step + 1) % recipe.get("save_every", 1000) == 0:
            save(step + 1)
    save(stop)
    if stop < steps:
        return model, {"steps": stop, "of": steps, "resumed_from": start}
    if ema is not None:  # the averaged weights are the ones shipped
        ema.copy_to(model)
    model = model.cpu().eval()  # figures in full precision, no autocast, on the CPU
    weights = recipe.get("weights", "float32")
    round_weights(model, weights)
    metrics = {"steps": steps, "resumed_from": start, "wall_time_s": round(wall + time.perf_counter() - began, 1),
               "data_seconds": data_seconds}
    if losses:
        metrics["final_train_loss"] = round(sum(losses[-50:]) / len(losses[-50:]), 4)
    if not accelerator.is_main_process:
        return model, metrics
    measured = card_figures(spec.family, model, test_set, train_set) if figures else {}
    store_weights(model, out, weights)
    facts = dict(steps=steps, batch_size=batch_size, lr=lr, warmup=recipe.get("warmup", 0), ema=recipe.get("ema"),
                 seed=seed, precision=precision, precision_wanted=recipe.get("mixed_precision", "fp32"))
    run = dict(command=_command(name, world), date=card.today(), hardware=card.hardware(device, world),
               **{k: v for k, v in metrics.items() if k != "steps"})
    card.write(out, dict(_card_head(spec, config or recipe["config"], train_set, test_set), recipe=facts, run=run,
                         weights=weights, figures=measured or None, figures_measured=dict(weights=weights),
                         notes=recipe.get("notes", "")))
    return model, {**metrics, **measured}


def _start_generators(rng_file: Path | None, device: torch.device, seed: int) -> bool:
    """Go on with the random generators where a run stopped, from this process's file (True when it exists), or
    seed them afresh, each process with its own seed (seed + process index), so that each draws its own noise."""
    from accelerate.utils import set_seed

    if rng_file is not None and rng_file.exists():
        _set_rng_state(load_file(rng_file), device)
        return True
    set_seed(seed, device_specific=True)
    return False


def _card_head(spec, config: dict, train_set: tuple, test_set: tuple) -> dict:
    return dict(name=spec.name, blurb=spec.blurb, family=spec.family, config=config,
                data=dict(dataset=spec.train["dataset"], train_examples=len(train_set[0]),
                          test_examples=len(test_set[0])))


def _command(name: str, processes: int = 1, extra: tuple = ()) -> str:
    """The command line that ran, as a user would type it."""
    args = sys.argv[2:] if sys.argv and sys.argv[0].endswith("train.py") else list(extra)
    launcher = f"accelerate launch --multi_gpu --num_processes {processes} -m" if processes > 1 else "python -m"
    return f"{launcher} playground.train " + " ".join(shlex.quote(a) for a in [name, *args])


def remeasure(name: str, out: str | Path | None = None, seed: int = 0) -> dict:
    """Measure a checkpoint's figures again with its weights as the recipe stores them (the weights file is
    rewritten in that dtype), keeping its card's training facts; returns the figures."""
    spec = get_spec(name)
    out = Path(out) if out else spec.path
    weights = spec.train.get("weights", "float32")
    model = family_class(spec.family).from_pretrained(str(out)).eval()  # float32, whatever the file holds
    round_weights(model, weights)
    train_set, test_set = training_data(spec, seed)
    figures = card_figures(spec.family, model, test_set, train_set)
    previous = card.read(out) if (out / "card.json").exists() else _card_head(spec, spec.train["config"], train_set,
                                                                              test_set)
    store_weights(model, out, weights)
    measured = dict(weights=weights, date=card.today(), command=_command(name, extra=("--remeasure",)),
                    hardware=card.hardware("cpu"))
    card.write(out, dict(previous, weights=weights, figures=figures, figures_measured=measured,
                         notes=spec.train.get("notes", "")))
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Train a registry model and write its checkpoint folder.")
    parser.add_argument("name", help="model name in playground/registry.py")
    parser.add_argument("--steps", type=int, help="total optimisation steps (default: the recipe's)")
    parser.add_argument("--out", help="checkpoint folder (default: checkpoints/NAME)")
    parser.add_argument("--run-dir", help="resumable state folder (default: runs/NAME)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-resume", action="store_true", help="start over even if a run folder exists")
    parser.add_argument("--until", type=int, help="stop this run at that step (resume later with the same command)")
    parser.add_argument("--precision", choices=["fp32", "bf16"], help="default: the recipe's, bf16 only where fast")
    parser.add_argument("--no-figures", action="store_true", help="skip the quality figures (a quick run)")
    parser.add_argument("--remeasure", action="store_true",
                        help="no training: measure the checkpoint's figures again with its weights stored as the "
                             "recipe says, and rewrite its card (keeping the training facts)")
    args = parser.parse_args(argv)
    configure_threads(workers=int(os.environ.get("LOCAL_WORLD_SIZE", "1")))  # processes on this machine share it
    if args.remeasure:
        print(json.dumps(remeasure(args.name, out=args.out, seed=args.seed), indent=2))
        return
    _, metrics = train(args.name, steps=args.steps, out=args.out, run_dir=args.run_dir, seed=args.seed,
                       resume=not args.no_resume, until=args.until, precision=args.precision,
                       figures=not args.no_figures)
    if int(os.environ.get("RANK", "0")) == 0:
        print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
