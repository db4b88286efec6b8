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
from safetensors.torch import load_file, save_file

from playground.data import get_dataset
from playground.device import configure_threads, get_device
from playground.registry import REPO_ROOT, family_class, get_spec


def training_data(spec, seed: int):
    """(train, test) tensors for the spec's dataset; toy sets are drawn with split-specific seeds."""
    recipe = spec.train
    train = get_dataset(recipe["dataset"], "train", n=recipe.get("train_size", 10_000), seed=seed)
    test = get_dataset(recipe["dataset"], "test", n=recipe.get("test_size", 2_000), seed=seed)
    return torch.as_tensor(train, dtype=torch.float32), torch.as_tensor(test, dtype=torch.float32)


def _save_state(run_dir: Path, model, optimizer, step: int, losses: list) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(run_dir / "model")
    opt = optimizer.state_dict()
    tensors = {f"{i}.{k}": v.contiguous() for i, s in opt["state"].items() for k, v in s.items() if torch.is_tensor(v)}
    save_file(tensors, run_dir / "optimizer.safetensors")
    (run_dir / "state.json").write_text(json.dumps({"step": step, "losses": losses, "param_groups": opt["param_groups"]}))


def _load_state(run_dir: Path, model, optimizer):
    """Restore a run's weights and optimizer; returns (step, losses)."""
    meta = json.loads((run_dir / "state.json").read_text())
    weights = load_file(run_dir / "model" / "model.safetensors")
    model.load_state_dict(weights)
    state: dict = {}
    for key, value in load_file(run_dir / "optimizer.safetensors").items():
        index, _, name = key.partition(".")
        state.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    return meta["step"], meta["losses"]


def train(name: str, steps: int | None = None, out: str | Path | None = None, run_dir: str | Path | None = None,
          seed: int = 0, resume: bool = True, config: dict | None = None, batch_size: int | None = None,
          lr: float | None = None, progress: bool = True, until: int | None = None):
    """Train model NAME from its registry recipe; returns (model, metrics).

    `until` stops this run early at that step (state saved, no checkpoint written): a long run can be
    spread over several sessions and resumes exactly where it stopped.
    """
    from accelerate import Accelerator
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
    accelerator = Accelerator(cpu=get_device().type == "cpu")
    model = family_class(spec.family)(**(config or recipe["config"]))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    start, losses = 0, []
    if resume and (run_dir / "state.json").exists():
        start, losses = _load_state(run_dir, model, optimizer)
        accelerator.print(f"resuming {name} from step {start} ({run_dir})")
    model, optimizer = accelerator.prepare(model, optimizer)
    train_x, test_x = training_data(spec, seed)
    rank, world = accelerator.process_index, accelerator.num_processes
    began = time.perf_counter()
    stop = min(steps, until) if until else steps
    bar = tqdm(range(start, stop), initial=start, total=steps, desc=name, mininterval=2.0, disable=not progress or not accelerator.is_main_process)
    for step in bar:
        # The batch depends only on (seed, step), so a resumed run sees exactly the batches it would have.
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        idx = torch.randint(len(train_x), (batch_size,), generator=g)[rank::world]
        loss = model.loss(train_x[idx].to(accelerator.device))
        optimizer.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        for group in optimizer.param_groups:  # cosine decay, a function of the step alone (resume-safe)
            group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        optimizer.step()
        losses.append(round(float(loss.detach()), 5))
        if step % 50 == 0:
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if (step + 1) % recipe.get("save_every", 1000) == 0 and accelerator.is_main_process:
            _save_state(run_dir, accelerator.unwrap_model(model), optimizer, step + 1, losses)
    model = accelerator.unwrap_model(model)
    if stop < steps:
        if accelerator.is_main_process:
            _save_state(run_dir, model, optimizer, stop, losses)
        return model, {"steps": stop, "of": steps, "resumed_from": start}
    model = model.cpu().eval()
    metrics = {"steps": steps, "resumed_from": start, "wall_time_s": round(time.perf_counter() - began, 1),
               "final_train_loss": round(sum(losses[-50:]) / max(1, len(losses[-50:])), 4)}
    if hasattr(model, "quality"):
        metrics.update(model.quality(test_x, train_x))
    if accelerator.is_main_process:
        model.save_pretrained(out)
        (out / "README.md").write_text(model_card(spec, metrics, steps, batch_size, lr, seed, accelerator.device))
        _save_state(run_dir, model, optimizer, steps, losses)
    return model, metrics


def model_card(spec, metrics: dict, steps: int, batch_size: int, lr: float, seed: int, device) -> str:
    hardware = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
    command = "python -m playground.train " + " ".join(shlex.quote(a) for a in [spec.name, *sys.argv[2:]]) \
        if sys.argv[0].endswith("train.py") else f"python -m playground.train {spec.name}"
    rows = "\n".join(f"| {k} | {v} |" for k, v in metrics.items())
    return f"""# {spec.name}

{spec.blurb}.

- Family: `{spec.family}` (`{spec.train['config']}`)
- Data: `{spec.train['dataset']}`, {spec.train.get('train_size', '?'):,} training points, {spec.train.get('test_size', '?'):,} held-out points (seeded)
- Training command: `{command}`
- Recipe: {steps} steps of AdamW, batch {batch_size}, learning rate {lr} with cosine decay, seed {seed}
- Hardware: {hardware}; torch {torch.__version__}

| figure | value |
|---|---|
{rows}

NLLs are in nats per point on held-out data; the Gaussian fit is the baseline a model must beat.
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
