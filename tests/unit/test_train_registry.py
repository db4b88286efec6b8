"""The training path end to end, the registry's loading, and hub loading that never hangs."""
import time
from pathlib import Path

import pytest
import torch

from playground import hub, registry
from playground.train import train

TINY_FLOW = dict(dim=2, layers=2, hidden=8)


def test_train_save_reload_through_the_registry_and_sample(tmp_path):
    out = tmp_path / "ckpt"
    model, metrics = train("flow-moons", steps=6, out=out, run_dir=tmp_path / "run", config=TINY_FLOW,
                           progress=False)
    assert {"config.json", "model.safetensors", "README.md"} <= {p.name for p in out.iterdir()}
    assert not list(out.glob("*.bin")) and not list(out.glob("*.pt"))
    assert "python -m playground.train flow-moons" in (out / "README.md").read_text()
    loaded = registry.load("flow-moons", source=str(out))
    assert registry.load("flow-moons", source=str(out)) is loaded  # cached
    sample = loaded.sample(16, generator=torch.Generator().manual_seed(0))
    assert sample.shape == (16, 2) and torch.isfinite(sample).all()
    x = torch.randn(5, 2)
    torch.testing.assert_close(loaded.log_prob(x), model.log_prob(x))
    assert metrics["steps"] == 6 and "test_nll_nats" in metrics


def test_resumed_training_equals_an_uninterrupted_run(tmp_path):
    full, _ = train("flow-moons", steps=8, out=tmp_path / "a", run_dir=tmp_path / "ra", config=TINY_FLOW,
                    progress=False, resume=False)
    _, partial = train("flow-moons", steps=8, out=tmp_path / "b", run_dir=tmp_path / "rb", config=TINY_FLOW,
                       progress=False, resume=False, until=5)
    assert partial == {"steps": 5, "of": 8, "resumed_from": 0} and not (tmp_path / "b").exists()
    resumed, metrics = train("flow-moons", steps=8, out=tmp_path / "b", run_dir=tmp_path / "rb", config=TINY_FLOW,
                             progress=False)
    assert metrics["resumed_from"] == 5
    for a, b in zip(full.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b)


def test_tasks_find_their_models_by_capability():
    from playground.tasks import diffusion_lab, joint, pixels

    assert list(diffusion_lab.DIGIT_MODELS) == ["mnist-diffusion-fast", "mnist-diffusion"]  # the fast one by default
    assert [registry.first_with(c) for c in ("velocity", "straight_paths", "noise_prediction")] == \
        ["flow-matching-2d", "rectified-flow-2d", "diffusion-2d"]
    assert registry.first_with("classify") == registry.first_with("features") == "mnist-classifier"
    assert pixels.COMPLETERS == {"PixelCNN": "mnist-pixelcnn", "Markov chain": "mnist-markov"}
    assert joint.PIXEL_MODELS == {"independent pixels": "mnist-independent", "Markov chain": "mnist-markov",
                                  "PixelCNN": "mnist-pixelcnn"}
    assert registry.names_with("generate") == ["shakespeare-char-gpt", "gpt2", "distilgpt2"]
    assert registry.latent_name("beta-VAE (beta = 4)", 2) == "mnist-beta-vae-2d" in registry.SPECS
    with pytest.raises(KeyError, match="No model offers telepathy"):
        registry.first_with("telepathy")
    with pytest.raises(KeyError, match="No latent model"):
        registry.latent_name("VAE (beta = 1)", 3)


def test_shipped_flow_loads_and_its_quality_holds():
    from playground.figures import card_figures
    from playground.train import training_data

    spec = registry.get_spec("flow-moons")
    model = registry.load("flow-moons")
    train_set, test_set = training_data(spec, seed=0)
    figures = card_figures(spec.family, model, test_set, train_set)
    assert figures["test_nll_nats"] < 1.6 < figures["gaussian_fit_nll_nats"]


@pytest.mark.parametrize("name", ["diffusion-2d", "flow-matching-2d", "rectified-flow-2d"])
def test_shipped_2d_models_beat_a_fitted_gaussian_on_every_shape(name):
    from playground.data import get_dataset
    from playground.tasks.evaluate import gaussian_fit_samples, sliced_wasserstein

    model = registry.load(name)
    for k, shape in enumerate(model.shapes):
        held_out = torch.as_tensor(get_dataset(f"toy2d:{shape}", "test", n=3000, seed=5), dtype=torch.float32)
        train = torch.as_tensor(get_dataset(f"toy2d:{shape}", "train", n=3000, seed=5), dtype=torch.float32)
        # 40 ODE steps: the held-out margins are those of 100 steps (moons, the tightest: 0.42 against 0.44 of the
        # Gaussian's distance), at 40% of the cost; the card has the 5,000-sample, 100-step figures
        samples = model.sample(3000, generator=torch.Generator().manual_seed(k), shape=k, steps=40)
        assert sliced_wasserstein(samples, held_out) < 0.5 * sliced_wasserstein(gaussian_fit_samples(train, 3000), held_out)


def test_shipped_classifier_reads_mnist_at_99_percent():
    _need_mnist()
    from playground.data import mnist

    images, labels = mnist("test")
    model = registry.load("mnist-classifier")
    assert (model.predict(images).argmax(-1) == labels).float().mean() >= 0.99


def _need_mnist():
    import os

    if not (Path(os.environ["PLAYGROUND_DATA_DIR"]) / "mnist").exists():
        pytest.skip("offline MNIST not present")


def test_a_tiny_digit_unet_trains_through_the_entry_point(tmp_path, monkeypatch):
    from playground.figures import FIGURES
    from playground.tasks.evaluate import digit_quality
    from test_models import TINY

    _need_mnist()
    monkeypatch.setitem(FIGURES, "image-diffusion", lambda model, test, train: digit_quality(
        model, (test[0][:300],), (train[0][:300],), per_class=2, steps=3))
    out = tmp_path / "ckpt"
    model, metrics = train("mnist-diffusion", steps=3, out=out, run_dir=tmp_path / "run",
                           config=TINY["image-diffusion"], progress=False)
    assert metrics["steps"] == 3 and 0 <= metrics["readable_at_guidance_3"] <= 1 and metrics["samples"] == 20
    assert {"config.json", "diffusion_pytorch_model.safetensors", "scheduler_config.json", "README.md"} <= \
        {p.name for p in out.iterdir()}
    loaded = registry.load("mnist-diffusion", source=str(out))
    assert loaded.sample(2, generator=torch.Generator().manual_seed(0), steps=2).shape == (2, 1, 28, 28)


@pytest.mark.parametrize("name", ["mnist-diffusion", "mnist-diffusion-fast"])
def test_shipped_digit_diffusion_samples_the_asked_digits(name):
    from playground.tasks.evaluate import read_digits

    model = registry.load(name)
    labels = torch.arange(40) % 10
    x = model.sample(40, generator=torch.Generator().manual_seed(0), labels=labels, guidance=3.0, steps=20)
    assert x.shape == (40, 1, 28, 28) and x.min() >= 0 and x.max() <= 1
    read, _ = read_digits(x * 2 - 1)
    assert (read == labels.numpy()).mean() >= 0.95  # DDIM-20 reads 40 of 40; the card has the 1,000-sample DDIM-50 figure


def test_shipped_colour_prior_colourizes_held_out_photos_keeping_their_luma():
    from playground.tasks import inverse
    from playground.tasks.inverse_lab import test_images

    model = registry.load("cifar-diffusion")
    x = torch.from_numpy(test_images("cifar10")[:8].copy()).permute(0, 3, 1, 2).float() / 127.5 - 1
    op = inverse.Luminance()
    *_, (_, _, _, out) = inverse.ddnm_steps(model, op, op.observe(x), 8, 25, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(op.observe(out), op.observe(x), atol=1e-5, rtol=0)
    # colours about as vivid as the photos' (the grey input has 0), and close to the truth: the card reports 20.5 dB
    # over 100 images (grey scores higher, 26.8 dB, since a wrong colour costs more than none)
    assert 0.5 < inverse.colourfulness((out + 1) / 2) / inverse.colourfulness((x + 1) / 2) < 2
    assert inverse.psnr((out + 1) / 2, (x + 1) / 2) > 18


@pytest.mark.parametrize("name", [n for n, s in registry.SPECS.items() if not s.hub])
def test_every_local_model_ships_a_small_safetensors_checkpoint_with_a_card(name):
    folder = registry.get_spec(name).path
    files = {p.name: p for p in folder.iterdir()}
    assert {"config.json", "card.json", "README.md"} <= set(files)
    assert any(n.endswith(".safetensors") for n in files)
    assert not any(n.endswith((".bin", ".pt", ".pth", ".ckpt", ".pkl")) for n in files)
    assert all(p.stat().st_size < 10_000_000 for p in files.values())  # under 10 MB
    card = files["README.md"].read_text()
    assert f"python -m playground.train {name}" in card and "wall_time_s" in card and "Hardware" in card


def test_hub_model_fails_fast_with_a_clear_message_when_unreachable(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "https://127.0.0.1:9")  # nothing listens there: unreachable at once
    monkeypatch.setattr(hub, "_probe", {"at": -1e9, "result": (False, "")})
    started = time.perf_counter()
    ok, why = registry.availability("gpt2")
    assert not ok and "Hugging Face Hub" in why
    with pytest.raises(hub.HubUnavailable, match="cannot be reached"):
        registry.load("gpt2")
    assert time.perf_counter() - started < 3.0


def test_a_hub_model_in_the_local_cache_is_available_offline(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    assert registry.availability("distilgpt2")[0] is False
    repo = tmp_path / "models--distilbert--distilgpt2"  # the cache's layout: refs/main names the snapshot
    (repo / "snapshots" / "abc123").mkdir(parents=True)
    (repo / "snapshots" / "abc123" / "config.json").write_text("{}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    ok, why = registry.availability("distilgpt2")
    assert ok and "local Hugging Face cache" in why and "HF_HUB_OFFLINE" in why
    assert registry.availability("gpt2")[0] is False


def test_offline_flag_is_respected_without_probing(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub.hub_status() == (False, "HF_HUB_OFFLINE is set")


def test_transformers_and_diffusers_models_load_from_local_folders_like_hub_models(tmp_path):
    from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel
    from transformers import GPT2Config, GPT2LMHeadModel

    GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=50, n_positions=32)).save_pretrained(tmp_path / "lm")
    lm = registry.load("gpt2", source=str(tmp_path / "lm"))
    assert lm.config.n_embd == 16
    unet = UNet2DModel(sample_size=8, in_channels=1, out_channels=1, block_out_channels=(8, 16), norm_num_groups=4,
                       down_block_types=("DownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "UpBlock2D"))
    DDPMPipeline(unet=unet, scheduler=DDPMScheduler(num_train_timesteps=10)).save_pretrained(tmp_path / "ddpm")
    pipe = registry.load("ddpm-cifar10-32", source=str(tmp_path / "ddpm"))
    images = pipe(batch_size=1, num_inference_steps=2, output_type="np",
                  generator=torch.Generator().manual_seed(0)).images
    assert images.shape == (1, 8, 8, 1)


def test_concurrent_loads_share_one_model(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from playground.models.flow import RealNVP

    RealNVP(**TINY_FLOW).save_pretrained(tmp_path / "flow")
    calls = []
    original = RealNVP.from_pretrained.__func__

    def counting(cls, *args, **kwargs):
        calls.append(1)
        time.sleep(0.2)  # a slow load: every thread arrives while it runs
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(RealNVP, "from_pretrained", classmethod(counting))
    with ThreadPoolExecutor(4) as pool:
        models = list(pool.map(lambda _: registry.load("flow-moons", source=str(tmp_path / "flow")), range(4)))
    assert len(calls) == 1 and all(m is models[0] for m in models)


def test_two_diffusers_models_loading_at_once_in_a_cold_process_both_load():
    """A cold app: the Diffusion tab's 2-D model (a DDPMScheduler) and a digit request's UNet load at the same
    time. Without playground.lazy's lock one of them found diffusers half-imported (4 of 4 runs failed)."""
    import subprocess
    import sys

    script = (
        "import threading\n"
        "from playground import registry\n"
        "errors = []\n"
        "def load(name):\n"
        "    try:\n"
        "        registry.load(name)\n"
        "    except Exception as error:\n"
        "        errors.append(repr(error))\n"
        "threads = [threading.Thread(target=load, args=(n,)) for n in ('diffusion-2d', 'mnist-diffusion-fast')]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(errors)\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().splitlines()[-1:] == ["[]"], out.stdout + out.stderr[-2000:]


def test_a_device_copy_is_cached_apart_and_leaves_the_cpu_model_where_it_was(tmp_path):
    from playground.models.flow import RealNVP

    RealNVP(**TINY_FLOW).save_pretrained(tmp_path / "flow")
    source = str(tmp_path / "flow")
    cpu = registry.load("flow-moons", source=source)
    meta = registry.load("flow-moons", source=source, device="meta")  # stands in for a GPU: no data, any shape
    assert meta is not cpu and registry.load("flow-moons", source=source, device=torch.device("meta")) is meta
    assert {p.device.type for p in meta.parameters()} == {"meta"}
    assert {p.device.type for p in cpu.parameters()} == {"cpu"}
    assert registry.load("flow-moons", source=source, device="cpu") is cpu


def test_start_up_imports_no_heavy_model_libraries():
    import subprocess
    import sys

    code = ("import sys, app, playground.ui; playground.ui.build_app(); "
            "heavy = [m for m in ('diffusers', 'transformers', 'accelerate', 'sklearn') if m in sys.modules]; "
            "print(heavy); sys.exit(1 if heavy else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=registry.REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", [n for n, s in registry.SPECS.items() if s.family == "vae"])
def test_shipped_latent_models_load_encode_and_decode(name):
    from playground.data import mnist
    from playground.models.vae import binarize
    from playground.tasks import latent

    _need_mnist()
    model = registry.load(name)
    images, _ = mnist("test")
    recon, err = latent.reconstruct(model, images[:200])
    assert recon.shape == (200, 1, 28, 28) and float(err.mean()) < 0.05  # card: 0.007 to 0.037
    if model.kind == "vae":
        x = model.sample(8, generator=torch.Generator().manual_seed(0))
        assert x.shape == (8, 1, 28, 28) and 0 <= x.min() and x.max() <= 1
        nll = model.iwae_nll(binarize(images[:300], generator=torch.Generator().manual_seed(0)), k=100,
                             generator=torch.Generator().manual_seed(1)).mean()
        assert float(nll) < (100 if model.latent_dim == 16 and model.beta == 1 else 150)  # card: 92.97 / 137-138


def test_count_models_fit_in_closed_form_through_the_entry_point(tmp_path):
    _need_mnist()
    out = tmp_path / "markov"
    model, metrics = train("mnist-markov", out=out, run_dir=tmp_path / "run", progress=False)
    assert metrics["steps"] == 0 and metrics["parameters"] == 1567 and 120 < metrics["test_nll_nats"] < 170
    assert "closed form" in (out / "README.md").read_text()
    loaded = registry.load("mnist-markov", source=str(out))
    torch.testing.assert_close(loaded.logits, model.logits)


@pytest.mark.parametrize("name, most", [("mnist-independent", 210), ("mnist-markov", 150), ("mnist-pixelcnn", 100)])
def test_shipped_pixel_models_sample_binary_digits_and_keep_their_nll(name, most):
    """NLL on 300 test digits (binarized with seed 0, as the cards): independent 205.8, Markov 145.4 on all 10,000."""
    from playground.data import mnist
    from playground.models.vae import binarize

    _need_mnist()
    model = registry.load(name)
    images, labels = mnist("test")
    x = binarize(images[:300], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        nll = model.nll(x, labels[:300]).mean()
    assert float(nll) < most
    s = model.sample(2, generator=torch.Generator().manual_seed(0))
    assert s.shape == (2, 1, 28, 28) and set(s.unique().tolist()) <= {0.0, 1.0}


def test_a_tiny_char_gpt_trains_through_the_entry_point_and_loads_like_a_hub_model(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from test_models import TINY

    out = tmp_path / "gpt"
    config = dict(TINY["char-gpt"], n_positions=256)
    model, metrics = train("shakespeare-char-gpt", steps=3, out=out, run_dir=tmp_path / "run", config=config,
                           progress=False)
    assert metrics["steps"] == 3 and 3.0 < metrics["val_loss_per_char_nats"] < 5.0  # ln 65 = 4.17 before training
    auto, tokenizer = AutoModelForCausalLM.from_pretrained(out), AutoTokenizer.from_pretrained(out)
    ids = tokenizer("To be, or not", return_tensors="pt").input_ids
    torch.testing.assert_close(auto(ids).logits, model.eval()(ids).logits)
    assert tokenizer.decode(ids[0]) == "To be, or not"


def test_shipped_char_gpt_writes_shakespeare_like_text():
    from transformers import AutoTokenizer

    folder = registry.get_spec("shakespeare-char-gpt").path
    model, tokenizer = registry.load("shakespeare-char-gpt"), AutoTokenizer.from_pretrained(folder)
    text = "ROMEO:\nI will not be so bold as to say the thing I think of thee.\n"
    ids = tokenizer(text, return_tensors="pt").input_ids
    with torch.no_grad():
        loss = model(input_ids=ids, labels=ids).loss
    assert float(loss) < 2.3  # a uniform guess is ln 65 = 4.17 nats per character
