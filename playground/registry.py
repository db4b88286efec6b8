"""The model registry: a readable table of model name -> spec, `names_with` / `first_with` that find models by
capability (so tasks need not write model names), and `load(name)`, lazy, cached and thread-safe. Local models
live in `checkpoints/NAME/`; hub models load through their library's `from_pretrained` and fail fast offline.
"""
import threading
from dataclasses import dataclass, field
from pathlib import Path

from playground.data import SHAKESPEARE_CHARS
from playground.hub import from_pretrained, hub_status
from playground.lazy import lazy_import

REPO_ROOT = Path(__file__).resolve().parent.parent

# family -> "module:class" whose `from_pretrained` loads a folder or a hub id.
FAMILIES = {
    "flow": "playground.models.flow:RealNVP",
    "toy-diffusion": "playground.models.diffusion:ToyDiffusion",
    "toy-flow-matching": "playground.models.flow_matching:ToyFlowMatching",
    "digit-classifier": "playground.models.classifier:DigitClassifier",
    "image-diffusion": "playground.models.diffusion:ImageDiffusion",
    "vae": "playground.models.vae:VAE",
    "independent-pixels": "playground.models.autoregressive:IndependentPixels",
    "markov-pixels": "playground.models.autoregressive:MarkovPixels",
    "pixelcnn": "playground.models.pixelcnn:PixelCNN",
    "char-gpt": "playground.models.char_gpt:CharGPT",
    "causal-lm": "transformers:AutoModelForCausalLM",
    "diffusers-pipeline": "diffusers:DiffusionPipeline",
}


@dataclass(frozen=True)
class ModelSpec:
    """What the UI and the trainer need to know about one model."""

    name: str
    family: str
    source: str  # a folder under checkpoints/ (local) or a Hugging Face Hub id
    capabilities: tuple  # what tasks may ask of it: they find models by these (names_with, first_with)
    blurb: str
    hub: bool = False
    train: dict = field(default_factory=dict)  # recipe for `python -m playground.train NAME`

    @property
    def path(self) -> Path:
        return REPO_ROOT / self.source


SHAPES_2D = ["moons", "8 gaussians", "checkerboard", "spirals"]
TOY_RECIPE = dict(config=dict(shapes=SHAPES_2D, hidden=256, blocks=4), dataset="toy2d-set:" + ",".join(SHAPES_2D),
                  train_size=200_000, test_size=20_000, steps=15_000, batch_size=1024, lr=1e-3, save_every=1000,
                  weights="float16",
                  notes="Toy sets are drawn with the seed (train and held-out with different seeds). SW figures: "
                        "5,000 samples per shape from a 100-step ODE (DDIM with eta = 0 for diffusion, Euler for the "
                        "flows), 256 random projections. Trained on the 2-core CPU of the development machine.")

# A small, fast UNet for 28x28 digits: 28 -> 14 -> 7, one ResNet block per level, attention only in the
# middle (7x7); a thin first level keeps a CPU sampling step cheap while most parameters sit deeper.
DIGIT_UNET = dict(sample_size=28, in_channels=1, out_channels=1, block_out_channels=[16, 64, 128], layers_per_block=1,
                  down_block_types=["DownBlock2D"] * 3, up_block_types=["UpBlock2D"] * 3, norm_num_groups=8,
                  attention_head_dim=32, num_class_embeds=11)

# The colour prior for 32x32 photos: 32 -> 16 -> 8, wider first level than the digits' (colour and texture).
PHOTO_UNET = dict(DIGIT_UNET, sample_size=32, in_channels=3, out_channels=3, block_out_channels=[32, 64, 128], hflip=True)

DIGIT_RECIPE = dict(dataset="mnist", train_size=60_000, test_size=10_000, steps=5000, batch_size=128, lr=1e-3, warmup=200,
                    ema=0.999, mixed_precision="bf16", save_every=250, weights="float16",
                    notes="MNIST as torchvision reads it (from PLAYGROUND_DATA_DIR offline), scaled to [-1, 1]; a tenth "
                          "of the labels replaced by the null class. Cosine noise schedule, 1000 timesteps, epsilon "
                          "prediction. Quality figures: 1,000 samples (100 per digit) from DDIM with 50 steps (eta = 0, "
                          "predicted x0 clipped to [-1, 1] as diffusers' DDIM does by default) at guidance 3, read by "
                          "the shipped mnist-classifier; FID on that classifier's 128 features against the 10,000 test "
                          "images, beside the FID of 10,000 training images against the same test images (the floor).")

LATENT_RECIPE = dict(dataset="mnist", train_size=60_000, test_size=10_000, steps=20_000, batch_size=128, lr=1e-3,
                     warmup=200, save_every=2000, weights="float16",
                     notes="Dynamically binarized MNIST: every batch is a fresh Bernoulli draw of the grey pixels; the "
                           "test set is binarized once (seed 0). NLL: importance-weighted bound with k = 100 samples "
                           "over the 10,000 test images. Prior samples: 1,000 decoded z ~ N(0, I) (for the AE, z from "
                           "a Gaussian fitted to its training encodings), read by the shipped mnist-classifier. "
                           "Trained on the 2-core CPU of the development machine.")
LATENT_MODELS = [("ae", "autoencoder", 0.0), ("vae", "VAE (beta = 1)", 1.0), ("beta-vae", "beta-VAE (beta = 4)", 4.0)]
LATENT_DIMS = (2, 16)

PIXEL_NOTES = ("Dynamically binarized MNIST (each grey level is the probability of ink). Test NLL in nats per image "
               "(and bits per pixel) on the 10,000 test images binarized once with seed 0, the same binarization as "
               "the VAE cards. Trained on the 2-core CPU of the development machine.")
FIT_RECIPE = dict(dataset="mnist", train_size=60_000, test_size=10_000, steps=0, batch_size=1, lr=0.0,
                  notes="Closed-form maximum likelihood: counts expected over the dynamic binarization, with one "
                        "pseudo-count per outcome (Laplace smoothing); no gradient steps. " + PIXEL_NOTES)


def _latent_name(key: str, dim: int) -> str:
    return f"mnist-{key}-{dim}d"


def latent_name(what: str, dim: int) -> str:
    """The latent-variable model described as `what` in LATENT_MODELS (e.g. 'VAE (beta = 1)') with a dim-D latent."""
    key = next((key for key, described, _ in LATENT_MODELS if described == what), None)
    if key is None or dim not in LATENT_DIMS:
        raise KeyError(f"No latent model '{what}' with a {dim}-D latent. Known: "
                       f"{', '.join(d for _, d, _ in LATENT_MODELS)}; latent sizes {LATENT_DIMS}.")
    return _latent_name(key, dim)


def _latent_spec(key: str, what: str, beta: float, dim: int) -> "ModelSpec":
    kind = "ae" if key == "ae" else "vae"
    caps = ("encode", "decode", "sample") if kind == "vae" else ("encode", "decode")
    return ModelSpec(_latent_name(key, dim), "vae", f"checkpoints/{_latent_name(key, dim)}", caps,
                     f"MLP {what} on binarized MNIST with a {dim}-D latent",
                     train=dict(LATENT_RECIPE, config=dict(latent_dim=dim, hidden=512, beta=beta, kind=kind)))


SPECS = {spec.name: spec for spec in [
    ModelSpec("flow-moons", "flow", "checkpoints/flow-moons", ("sample", "log_prob", "trajectory"),
              "RealNVP coupling flow (8 layers) trained on the two-moons toy data",
              train=dict(config=dict(dim=2, layers=8, hidden=128), dataset="toy2d:moons", train_size=50_000,
                         test_size=10_000, steps=4000, batch_size=512, lr=2e-3, save_every=500, weights="float16")),
    ModelSpec("diffusion-2d", "toy-diffusion", "checkpoints/diffusion-2d", ("sample", "ode_paths", "noise_prediction"),
              "DDPM noise-prediction MLP for four 2-D shapes (moons, 8 gaussians, checkerboard, spirals)",
              train=TOY_RECIPE),
    ModelSpec("flow-matching-2d", "toy-flow-matching", "checkpoints/flow-matching-2d",
              ("sample", "ode_paths", "velocity"),
              "Flow-matching (1-rectified flow) velocity MLP for the same four 2-D shapes", train=TOY_RECIPE),
    ModelSpec("rectified-flow-2d", "toy-flow-matching", "checkpoints/rectified-flow-2d",
              ("sample", "ode_paths", "velocity", "straight_paths"),
              "2-rectified flow: flow-matching-2d retrained on its own (noise, sample) pairs, so its paths are nearly straight",
              train=dict(TOY_RECIPE, dataset="reflow:flow-matching-2d",
                         notes=TOY_RECIPE["notes"] + " Reflow pairs: 200,000 noise points carried by flow-matching-2d "
                               "(Heun, 50 steps); the held-out figures compare with real held-out shapes.")),
    ModelSpec("mnist-classifier", "digit-classifier", "checkpoints/mnist-classifier", ("classify", "features"),
              "Small MNIST convnet (>= 99% test accuracy): reads generated digits back and gives FID features",
              train=dict(config=dict(channels=1, classes=10, width=32, features=128), dataset="mnist", steps=3000,
                         batch_size=128, lr=2e-3, save_every=500,
                         notes="MNIST as torchvision reads it (from PLAYGROUND_DATA_DIR offline); augmentation: random "
                               "shifts of up to 2 pixels. Trained on the 2-core CPU of the development machine.")),
    # listed before the 2.4 M model: the digit sampler used by default (fast, and its digits read better)
    ModelSpec("mnist-diffusion-fast", "image-diffusion", "checkpoints/mnist-diffusion-fast",
              ("sample", "guidance", "trajectory"),
              "The same class-conditional DDPM with a smaller UNet (0.64 M parameters), for fast sampling on a CPU",
              train=dict(DIGIT_RECIPE, config=dict(DIGIT_UNET, block_out_channels=[16, 32, 64]))),
    ModelSpec("mnist-diffusion", "image-diffusion", "checkpoints/mnist-diffusion", ("sample", "guidance", "trajectory"),
              "Class-conditional DDPM on MNIST: diffusers' UNet2DModel (2.4 M parameters) with a null class for "
              "classifier-free guidance",
              train=dict(DIGIT_RECIPE, config=DIGIT_UNET)),
    ModelSpec("cifar-diffusion", "image-diffusion", "checkpoints/cifar-diffusion", ("sample", "guidance", "colour"),
              "Class-conditional DDPM on 32x32 CIFAR-10 colour photos: diffusers' UNet2DModel (2.5 M parameters), "
              "the colour prior of the inverse problems",
              train=dict(config=PHOTO_UNET, dataset="cifar10", train_size=50_000, test_size=10_000, steps=4000,
                         batch_size=64, lr=1e-3, warmup=200, ema=0.999, mixed_precision="bf16", save_every=250,
                         weights="float16",
                         notes="CIFAR-10 as the offline folder holds it (PLAYGROUND_DATA_DIR: a partial copy, the first "
                               "4,000 training and 1,000 test images; online, torchvision's full set), scaled to "
                               "[-1, 1], half of each batch mirrored left-right, a tenth of the labels replaced by the "
                               "null class. Cosine noise schedule, 1000 timesteps, epsilon prediction. Trained on one "
                               "core of the 2-core CPU of the development machine: a small prior that knows colour "
                               "statistics and textures, not a sharp generator. Quality figures: colourization of the "
                               "first 100 held-out images (luminance kept, DDNM null-space sampling, 50 DDIM steps, "
                               "no class), against the truth and beside the grey baseline; colourfulness is Hasler and "
                               "Suesstrunk's (2003) metric. The weights are stored in float16 (10.2 MB in float32).")),
    *[_latent_spec(key, what, beta, dim) for dim in LATENT_DIMS for key, what, beta in LATENT_MODELS],
    ModelSpec("mnist-independent", "independent-pixels", "checkpoints/mnist-independent",
              ("sample", "log_prob", "binary_pixels"),
              "Binary MNIST pixels as independent Bernoullis: n = 784 parameters",
              train=dict(FIT_RECIPE, config=dict(pixels=784))),
    ModelSpec("mnist-markov", "markov-pixels", "checkpoints/mnist-markov",
              ("sample", "log_prob", "binary_pixels", "complete"),
              "Binary MNIST pixels as a Markov chain along the raster order: 2n - 1 = 1,567 parameters",
              train=dict(FIT_RECIPE, config=dict(pixels=784))),
    ModelSpec("mnist-pixelcnn", "pixelcnn", "checkpoints/mnist-pixelcnn",
              ("sample", "log_prob", "binary_pixels", "complete", "labels", "trajectory"),
              "Class-conditional gated PixelCNN on binarized MNIST (10 gated layers, 32 channels)",
              train=dict(config=dict(channels=32, layers=10, kernel=3, first_kernel=7, classes=10, label_dropout=0.1),
                         dataset="mnist", train_size=60_000, test_size=10_000, steps=3000, batch_size=64, lr=2e-3,
                         warmup=100, mixed_precision="bf16", save_every=250,
                         notes=PIXEL_NOTES + " A tenth of the labels are replaced by 'no class' while training, so the "
                               "model also gives p(x) without a class (test_nll_nats_no_class). Samples: 20 per "
                               "digit, temperature 1, read by the shipped mnist-classifier.")),
    ModelSpec("shakespeare-char-gpt", "char-gpt", "checkpoints/shakespeare-char-gpt", ("generate",),
              "Character-level GPT-2 (4 layers, 4 heads, 128 wide, 0.8 M parameters) trained here on tiny Shakespeare",
              train=dict(config=dict(vocab_size=len(SHAKESPEARE_CHARS), chars=SHAKESPEARE_CHARS, n_positions=256,
                                     n_embd=128, n_layer=4, n_head=4, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                                     bos_token_id=None, eos_token_id=None),
                         dataset="chars:256", steps=3000, batch_size=16, lr=1e-3, warmup=100, mixed_precision="bf16",
                         save_every=250,
                         notes="Tiny Shakespeare (1.1 M characters), nanoGPT's split: the first 90% for training, the "
                               "last 10% held out; training batches are 16 random 256-character windows. One token per "
                               "character (65 characters); the tokenizer is built here with the tokenizers library and "
                               "saved in this folder. Validation loss: 3,200 random held-out windows. The sample is "
                               "temperature 0.8 from the prompt 'ROMEO:' (newlines shown as ' / '). Trained on the "
                               "2-core CPU of the development machine.")),
    ModelSpec("gpt2", "causal-lm", "openai-community/gpt2", ("generate",),
              "GPT-2 small (124 M parameters), loaded from the Hugging Face Hub on demand", hub=True),
    ModelSpec("distilgpt2", "causal-lm", "distilbert/distilgpt2", ("generate",),
              "DistilGPT-2 (82 M parameters), loaded from the Hugging Face Hub on demand", hub=True),
    ModelSpec("ddpm-cifar10-32", "diffusers-pipeline", "google/ddpm-cifar10-32", ("sample",),
              "DDPM trained on CIFAR-10 at 32x32 (Ho et al. 2020), loaded from the Hugging Face Hub on demand", hub=True),
]}

_cache: dict = {}
_locks: dict = {}
_locks_guard = threading.Lock()


def family_class(family: str):
    if family not in FAMILIES:
        raise KeyError(f"Unknown model family '{family}'. Known: {', '.join(FAMILIES)}.")
    module, _, attr = FAMILIES[family].partition(":")
    return lazy_import(module, attr)


def names_with(*capabilities: str) -> list[str]:
    """The models that offer every one of `capabilities`, in the order of SPECS (the default first)."""
    return [name for name, spec in SPECS.items() if set(capabilities) <= set(spec.capabilities)]


def first_with(*capabilities: str) -> str:
    """The first model in SPECS that offers every one of `capabilities`: the one a task uses by default."""
    names = names_with(*capabilities)
    if not names:
        raise KeyError(f"No model offers {' + '.join(capabilities)}.")
    return names[0]


def get_spec(name: str) -> ModelSpec:
    if name not in SPECS:
        raise KeyError(f"Unknown model '{name}'. Known models: {', '.join(SPECS)}.")
    return SPECS[name]


def load(name: str, source: str | None = None, device=None):
    """The model, loaded once per process and device (the first caller loads, concurrent callers wait).

    `source` overrides where it loads from (a folder), as the training test does. `device` (a torch device
    or its name; None is the CPU) gives a copy on that device, cached apart from the CPU copy: callers whose
    code is written for it ask for playground.device.get_device(), the others keep the CPU copy.
    """
    import torch

    spec = get_spec(name)
    device = torch.device(device or "cpu")
    key = (name, source, str(device))
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _cache:
            if device.type == "cpu":
                cls = family_class(spec.family)
                where = source or (spec.source if spec.hub else str(spec.path))
                model = from_pretrained(cls.from_pretrained, where)
                if hasattr(model, "eval"):
                    model.eval()
            else:  # a copy of the CPU model, so both can serve at once
                import copy

                model = copy.deepcopy(load(name, source)).to(device)
            _cache[key] = model
        return _cache[key]


def availability(name: str) -> tuple[bool, str]:
    """(usable now, why) without loading anything heavy."""
    spec = get_spec(name)
    if not spec.hub:
        ok = (spec.path / "config.json").exists()
        return ok, "shipped checkpoint" if ok else f"checkpoint missing: run python -m playground.train {name}"
    reachable, why = hub_status()
    if reachable:
        return True, "Hugging Face Hub reachable"
    if cached_snapshot(spec.source):
        return True, f"in the local Hugging Face cache (the Hub cannot be reached: {why})"
    return False, f"needs the Hugging Face Hub ({why})"


def cached_snapshot(repo_id: str) -> str | None:
    """The folder of a hub model's snapshot in the local Hugging Face cache, or None; never touches the network
    (from_pretrained falls back to this copy when the Hub cannot be reached)."""
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(repo_id, local_files_only=True)
    except Exception:  # not cached (LocalEntryNotFoundError), or a cache folder that cannot be read
        return None
