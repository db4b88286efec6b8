"""The one training entry point: `python -m playground.train NAME [--steps N] [--out DIR]`.

One loop over `model.loss(x)` for every family: seeded, with a progress bar, resumable (a run folder
keeps the weights, optimizer and step, all safetensors/JSON), on the GPU when present, on several
through `accelerate launch -m playground.train NAME`. It writes `checkpoints/NAME/` with config.json,
model.safetensors and a README.md model card holding the measured figures.
"""
import argparse
import json
import math
import platform
import shlex
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, load_model, save_file, save_model

from playground.data import get_dataset
from playground.device import configure_threads, get_device
from playground.registry import REPO_ROOT, family_class, get_spec


def training_data(spec, seed: int):
    """(train, test), each a tuple of tensors (points, or points and labels) from the spec's dataset."""
    recipe = spec.train
    splits = []
    for split, size in (("train", recipe.get("train_size", 10_000)), ("test", recipe.get("test_size", 2_000))):
        data = get_dataset(recipe["dataset"], split, n=size, seed=seed)
        data = data if isinstance(data, tuple) else (data,)
        splits.append(tuple(_as_tensor(d) for d in data))
    return splits[0], splits[1]


def _as_tensor(data) -> torch.Tensor:
    """Points -> float32, labels -> int64; uint8 images stay uint8 (the model scales them)."""
    t = torch.as_tensor(data)
    if t.dtype == torch.uint8:
        return t
    return t.long() if not t.is_floating_point() else t.float()


def _save_state(run_dir: Path, model, optimizer, step: int, losses: list, ema: dict | None, wall: float) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    save_model(model, str(run_dir / "model.safetensors"))
    if ema is not None:
        save_file(ema, run_dir / "ema.safetensors")
    opt = optimizer.state_dict()
    tensors = {f"{i}.{k}": v.contiguous() for i, s in opt["state"].items() for k, v in s.items() if torch.is_tensor(v)}
    save_file(tensors, run_dir / "optimizer.safetensors")
    meta = {"step": step, "losses": losses, "wall_time_s": wall, "param_groups": opt["param_groups"]}
    (run_dir / "state.json").write_text(json.dumps(meta))


def _load_state(run_dir: Path, model, optimizer, ema: dict | None):
    """Restore a run's weights, optimizer and EMA; returns (step, losses, wall time so far)."""
    meta = json.loads((run_dir / "state.json").read_text())
    load_model(model, str(run_dir / "model.safetensors"))
    if ema is not None:
        ema.update(load_file(run_dir / "ema.safetensors"))
    state: dict = {}
    for key, value in load_file(run_dir / "optimizer.safetensors").items():
        index, _, name = key.partition(".")
        state.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    return meta["step"], meta["losses"], meta.get("wall_time_s", 0.0)


def _update_ema(ema: dict, model, decay: float, step: int) -> None:
    """Exponential moving average of the weights, with the usual warm-up of the decay."""
    d = min(decay, (1 + step) / (10 + step))
    with torch.no_grad():
        for key, value in model.state_dict().items():
            if value.is_floating_point():
                ema[key].mul_(d).add_(value.float(), alpha=1 - d)
            else:
                ema[key].copy_(value)


def _learning_rate(lr: float, step: int, steps: int, warmup: int) -> float:
    """Linear warm-up, then cosine decay: a function of the step alone, so resuming is exact."""
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def train(name: str, steps: int | None = None, out: str | Path | None = None, run_dir: str | Path | None = None,
          seed: int = 0, resume: bool = True, config: dict | None = None, batch_size: int | None = None,
          lr: float | None = None, progress: bool = True, until: int | None = None):
    """Train model NAME from its registry recipe; returns (model, metrics).

    `until` stops this run early at that step (state saved, no checkpoint written): a long run can be
    spread over several sessions and resumes exactly where it stopped.
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
    torch.manual_seed(seed)
    AcceleratorState._reset_state()  # one process may train several recipes (tests), each with its own precision
    accelerator = Accelerator(cpu=get_device().type == "cpu", mixed_precision=recipe.get("mixed_precision", "no"))
    model = family_class(spec.family)(**(config or recipe["config"]))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    ema = {k: v.detach().clone().float() for k, v in model.state_dict().items()} if recipe.get("ema") else None
    start, losses, wall = 0, [], 0.0
    if resume and (run_dir / "state.json").exists():
        start, losses, wall = _load_state(run_dir, model, optimizer, ema)
        accelerator.print(f"resuming {name} from step {start} ({run_dir})")
    model, optimizer = accelerator.prepare(model, optimizer)
    prepared = time.perf_counter()
    train_set, test_set = training_data(spec, seed)
    data_seconds = round(time.perf_counter() - prepared, 1)
    rank, world = accelerator.process_index, accelerator.num_processes
    began = time.perf_counter()
    if hasattr(accelerator.unwrap_model(model), "fit"):  # closed-form maximum likelihood: no gradient steps
        accelerator.unwrap_model(model).fit(*train_set)
    stop = min(steps, until) if until else steps
    bar = tqdm(range(start, stop), initial=start, total=steps, desc=name, mininterval=2.0,
               disable=not progress or not accelerator.is_main_process)

    def save(step_done):
        if accelerator.is_main_process:
            _save_state(run_dir, accelerator.unwrap_model(model), optimizer, step_done, losses, ema,
                        round(wall + time.perf_counter() - began, 1))

    for step in bar:
        # The batch depends only on (seed, step), so a resumed run sees exactly the batches it would have.
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        idx = torch.randint(len(train_set[0]), (batch_size,), generator=g)[rank::world]
        with accelerator.autocast():
            loss = model.loss(*(t[idx].to(accelerator.device) for t in train_set))
        optimizer.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        for group in optimizer.param_groups:
            group["lr"] = _learning_rate(lr, step, steps, recipe.get("warmup", 0))
        optimizer.step()
        if ema is not None:
            _update_ema(ema, accelerator.unwrap_model(model), recipe["ema"], step)
        losses.append(round(float(loss.detach()), 5))
        if step % 50 == 0:
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if (step + 1) % recipe.get("save_every", 1000) == 0:
            save(step + 1)
    save(stop)
    model = accelerator.unwrap_model(model, keep_fp32_wrapper=False)  # figures in full precision, no autocast
    if stop < steps:
        return model, {"steps": stop, "of": steps, "resumed_from": start}
    if ema is not None:  # the averaged weights are the ones shipped
        model.load_state_dict({k: v.to(model.state_dict()[k].dtype) for k, v in ema.items()})
    model = model.cpu().eval()
    metrics = {"steps": steps, "resumed_from": start, "wall_time_s": round(wall + time.perf_counter() - began, 1),
               "data_seconds": data_seconds}
    if losses:
        metrics["final_train_loss"] = round(sum(losses[-50:]) / len(losses[-50:]), 4)
    if hasattr(model, "quality"):
        metrics.update(model.quality(test_set, train_set))
    if accelerator.is_main_process:
        model.save_pretrained(out)
        sizes = (len(train_set[0]), len(test_set[0]))
        (out / "README.md").write_text(model_card(spec, metrics, steps, batch_size, lr, seed, accelerator.device, sizes))
    return model, metrics


def model_card(spec, metrics: dict, steps: int, batch_size: int, lr: float, seed: int, device, sizes) -> str:
    hardware = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
    command = "python -m playground.train " + " ".join(shlex.quote(a) for a in [spec.name, *sys.argv[2:]]) \
        if sys.argv[0].endswith("train.py") else f"python -m playground.train {spec.name}"
    rows = "\n".join(f"| {k} | {v} |" for k, v in metrics.items())
    recipe = spec.train
    how = (f"{steps} steps of AdamW, batch {batch_size}, learning rate {lr} ({recipe.get('warmup', 0)} warm-up steps, "
           f"then cosine decay), EMA of the weights: {recipe.get('ema') or 'none'}, precision: "
           f"{recipe.get('mixed_precision', 'fp32')}, seed {seed}") if steps else "closed form (no gradient steps)"
    return f"""# {spec.name}

{spec.blurb}.

- Family: `{spec.family}` (`{spec.train['config']}`)
- Data: `{spec.train['dataset']}`, {sizes[0]:,} training and {sizes[1]:,} held-out examples
- Training command: `{command}`
- Recipe: {how}
- Hardware: {hardware}; torch {torch.__version__}

| figure | value |
|---|---|
{rows}

Figures are measured on the held-out examples at the end of training (the notes below say how). NLLs
are in nats per example (a point or an image); sliced Wasserstein (SW) distances compare samples with
held-out data; for 2-D data a Gaussian fitted to the training data is the baseline a model must beat.
`wall_time_s` adds up every resumed run.

{recipe.get("notes", "")}
"""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Train a registry model and write its checkpoint folder.")
    parser.add_argument("name", help="model name in playground/registry.py")
    parser.add_argument("--steps", type=int, help="total optimisation steps (default: the recipe's)")
    parser.add_argument("--out", help="checkpoint folder (default: checkpoints/NAME)")
    parser.add_argument("--run-dir", help="resumable state folder (default: runs/NAME)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-resume", action="store_true", help="start over even if a run folder exists")
    parser.add_argument("--until", type=int, help="stop this run at that step (resume later with the same command)")
    args = parser.parse_args(argv)
    configure_threads(workers=1)
    _, metrics = train(args.name, steps=args.steps, out=args.out, run_dir=args.run_dir, seed=args.seed,
                       resume=not args.no_resume, until=args.until)
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
