"""The shipped checkpoints as a GPU check machine receives them: the tracked tree fits in 40 MiB, the weights
are stored as their recipe says (float16 loads back into float32 parameters), and every model card is data
(card.json) whose rendering is the README.md beside it."""
import shutil
import subprocess

import pytest
import torch
from safetensors import safe_open

from playground import card, registry
from playground.train import round_weights, store_weights

MAX_TREE_BYTES = 40 * 2 ** 20  # a GPU check machine takes 64 MiB with everything carried along
LOCAL = [name for name, spec in registry.SPECS.items() if not spec.hub]


def test_the_tracked_tree_fits_in_40_mib():
    git = shutil.which("git")
    listed = subprocess.run([git, "ls-files", "-z"], cwd=registry.REPO_ROOT, capture_output=True) if git else None
    if listed is None or listed.returncode != 0:
        pytest.skip("not a git checkout")
    paths = [registry.REPO_ROOT / name.decode() for name in listed.stdout.split(b"\0") if name]
    total = sum(p.stat().st_size for p in paths if p.is_file())
    assert total <= MAX_TREE_BYTES, f"the tracked files take {total / 2 ** 20:.1f} MiB"


@pytest.mark.parametrize("name", LOCAL)
def test_every_checkpoint_has_a_card_and_stores_its_weights_as_the_recipe_says(name):
    spec = registry.get_spec(name)
    facts = card.read(spec.path)
    assert (spec.path / "README.md").read_text() == card.render(facts)
    assert facts["name"] == name and facts["figures"] and "precision" in facts["recipe"]
    assert {"command", "date", "hardware", "wall_time_s"} <= set(facts["run"])
    weights = spec.train.get("weights", "float32")
    assert facts["weights"] == weights and facts["figures_measured"]["weights"] == weights  # figures of these weights
    stored = set()
    for file in spec.path.glob("*.safetensors"):
        with safe_open(file, framework="pt") as f:
            stored |= {f.get_slice(key).get_dtype() for key in f.keys()} - {"I64"}
    assert stored == {"F16" if weights == "float16" else "F32"}


@pytest.mark.parametrize("family", ["flow", "toy-diffusion", "toy-flow-matching", "digit-classifier", "image-diffusion",
                                    "vae", "independent-pixels", "pixelcnn", "char-gpt"])
def test_weights_stored_in_float16_load_back_into_float32(family, tmp_path):
    from test_models import TINY

    torch.manual_seed(0)
    model = registry.family_class(family)(**TINY[family])
    store_weights(model, tmp_path, "float16")
    loaded = registry.family_class(family).from_pretrained(str(tmp_path))
    round_weights(model, "float16")
    expected, got = model.state_dict(), loaded.state_dict()
    assert expected.keys() == got.keys()
    for key, value in expected.items():
        assert got[key].dtype == value.dtype and torch.equal(got[key], value), key


def test_a_card_says_not_recorded_for_what_it_lacks_and_names_the_cpu():
    text = card.render({"name": "old", "blurb": "An old model", "figures": {"test_nll_nats": 1.5}})
    assert "| test_nll_nats | 1.5 |" in text and text.count(card.NOT_RECORDED) >= 6
    assert card.cpu_model() not in ("", "x86_64", "aarch64")
    assert card.hardware("cpu")["threads"] == torch.get_num_threads()
