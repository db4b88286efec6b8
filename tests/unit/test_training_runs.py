"""Training where a user runs it: resumed stochastic runs equal uninterrupted ones bit for bit, several
processes train like one over the same global batch, the EMA lives on the model's device, bf16 only where
the hardware runs it fast. Everything here trains in fp32, whatever the CPU."""
import os
import socket
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from playground import card, figures, registry
from playground import train as trainer
from playground.registry import SHAPES_2D
from playground.train import EMA, choose_precision, main, train

TINY_TOY = dict(shapes=SHAPES_2D, hidden=16, blocks=1)


def _same_weights(a: nn.Module, b: nn.Module) -> None:
    for (key, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(x, y), key


def test_a_resumed_stochastic_run_is_bit_identical_to_an_uninterrupted_one(tmp_path):
    """diffusion-2d's loss draws timesteps and noise: a resumed run must go on with the generator where it stopped."""
    run = dict(steps=12, config=TINY_TOY, batch_size=64, progress=False, figures=False)
    full, _ = train("diffusion-2d", out=tmp_path / "a", run_dir=tmp_path / "ra", resume=False, **run)
    train("diffusion-2d", out=tmp_path / "b", run_dir=tmp_path / "rb", resume=False, until=5, **run)
    resumed, metrics = train("diffusion-2d", out=tmp_path / "b", run_dir=tmp_path / "rb", **run)
    assert metrics["resumed_from"] == 5
    _same_weights(full, resumed)


def test_the_resume_commands_write_the_same_checkpoint(tmp_path, monkeypatch):
    """The commands a user types, on the real recipe (the figures, slow here, are left out)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(trainer, "configure_threads", lambda workers: None)  # keep the tests' thread policy
    monkeypatch.setitem(figures.FIGURES, "toy-diffusion", lambda model, test, train: {})
    main(["diffusion-2d", "--steps", "40", "--out", "A", "--run-dir", "RA", "--no-resume"])
    main(["diffusion-2d", "--steps", "40", "--until", "20", "--out", "B", "--run-dir", "RB", "--no-resume"])
    assert not (tmp_path / "B").exists()
    main(["diffusion-2d", "--steps", "40", "--out", "B", "--run-dir", "RB"])
    assert (tmp_path / "A" / "model.safetensors").read_bytes() == (tmp_path / "B" / "model.safetensors").read_bytes()
    assert card.read(tmp_path / "B")["run"]["resumed_from"] == 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_reflow_recipe_trains_on_the_flows_own_pairs_and_is_tested_on_real_data():
    from playground.data import get_dataset

    teacher = registry.get_spec("rectified-flow-2d").train["dataset"].partition(":")[2]
    x1, labels, x0 = trainer._dataset(f"reflow:{teacher}", "train", 40, seed=0)
    flow = registry.load(teacher)
    carried = flow.ode_paths(torch.as_tensor(x0), torch.as_tensor(labels), 50, "heun")[-1]
    torch.testing.assert_close(torch.as_tensor(x1), carried)
    held_out = trainer._dataset(f"reflow:{teacher}", "test", 40, seed=0)
    real = get_dataset(registry.get_spec(teacher).train["dataset"], "test", n=40, seed=0)
    assert all((a == b).all() for a, b in zip(held_out, real))


def test_two_processes_train_like_one_over_the_same_global_batch(tmp_path):
    """DDP on the CPU (gloo): each process takes half of every batch and the gradients are averaged, so the
    weights match one process on the whole batch up to float rounding (flow-moons: its loss draws nothing)."""
    # accelerate's --cpu flag runs a single process; --multi_gpu starts torch.distributed, which uses the
    # CPU (gloo) when the script's Accelerator is on the CPU.
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "--main_process_port", str(_free_port()), "-m", "playground.train", "flow-moons", "--steps", "6",
               "--out", str(tmp_path / "two"), "--run-dir", str(tmp_path / "run2"), "--no-resume", "--no-figures"]
    env = dict(os.environ, OMP_NUM_THREADS="1", PLAYGROUND_DEVICE="cpu")
    done = subprocess.run(command, cwd=registry.REPO_ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    train("flow-moons", steps=6, out=tmp_path / "one", run_dir=tmp_path / "run1", resume=False, progress=False,
          figures=False)
    one, two = (load_file(tmp_path / run / "model.safetensors") for run in ("run1", "run2"))  # float32, not stored
    assert one.keys() == two.keys()
    for key in one:
        torch.testing.assert_close(one[key], two[key], atol=2e-6, rtol=0, msg=key)
    facts = card.read(tmp_path / "two")["run"]
    assert facts["hardware"]["processes"] == 2 and facts["command"].startswith("accelerate launch")
    assert {p.name for p in (tmp_path / "run2").glob("rng-*")} == {"rng-0.safetensors", "rng-1.safetensors"}


def test_the_ema_lives_on_the_models_device():
    """The meta device stands in for a GPU: the average is made, updated and copied back where the model is."""
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).to("meta")
    ema = EMA(model, decay=0.999)
    assert {v.device.type for v in ema.weights.values()} == {"meta"}
    ema.update(model, step=0)
    ema.copy_to(model)
    cpu = nn.Linear(2, 2)
    ema = EMA(cpu, decay=0.999)
    before = cpu.weight.detach().clone()
    with torch.no_grad():
        cpu.weight.add_(1.0)
    ema.update(cpu, step=0)  # warm-up: decay (1 + 0) / (10 + 0) = 0.1
    torch.testing.assert_close(ema.weights["weight"], 0.1 * before + 0.9 * (before + 1))


def test_the_trainer_makes_the_ema_after_accelerate_moved_the_model(tmp_path, monkeypatch):
    """On a GPU `accelerator.prepare` moves the model; an EMA made before it stays on the CPU (step 0 failed)."""
    from accelerate import Accelerator

    from test_models import TINY

    events = []
    prepare, ema_init = Accelerator.prepare, EMA.__init__
    monkeypatch.setattr(Accelerator, "prepare", lambda self, *a: events.append("prepare") or prepare(self, *a))
    monkeypatch.setattr(EMA, "__init__", lambda self, *a: events.append("ema") or ema_init(self, *a))
    monkeypatch.setattr(trainer, "training_data", lambda spec, seed: ((torch.zeros(8, 28, 28, dtype=torch.uint8),
                                                                       torch.arange(8) % 10),) * 2)
    train("mnist-diffusion-fast", steps=1, out=tmp_path / "ckpt", run_dir=tmp_path / "run", config=TINY["image-diffusion"],
          batch_size=2, progress=False, figures=False, precision="fp32")
    assert events == ["prepare", "ema"]


@pytest.mark.parametrize("fast", [False, True])
def test_bf16_recipes_use_bf16_only_where_the_hardware_runs_it_fast(monkeypatch, fast):
    monkeypatch.setattr(trainer, "fast_bf16", lambda device_type: fast)
    assert choose_precision(registry.get_spec("mnist-pixelcnn").train, "cpu") == ("bf16" if fast else "fp32")
    assert choose_precision(registry.get_spec("flow-moons").train, "cuda") == "fp32"


def test_the_card_records_the_precision_used(tmp_path, monkeypatch):
    from test_models import TINY

    monkeypatch.setattr(trainer, "fast_bf16", lambda device_type: False)  # as on a CPU without bf16 instructions
    train("shakespeare-char-gpt", steps=2, out=tmp_path / "gpt", run_dir=tmp_path / "run",
          config=dict(TINY["char-gpt"], n_positions=256), progress=False, figures=False)
    facts = card.read(tmp_path / "gpt")["recipe"]
    assert facts["precision"] == "fp32" and facts["precision_wanted"] == "bf16"
    assert "Precision: fp32 (the recipe asks for bf16" in (tmp_path / "gpt" / "README.md").read_text()
