"""scripts/fetch_data.py writes CIFAR-10 in the layout playground.data reads offline."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from playground import data

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fetch_data.py"


def _fetch_data():
    spec = importlib.util.spec_from_file_location("fetch_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cifar_file_it_writes_is_what_the_offline_folder_serves(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (7, 32, 32, 3), dtype=np.uint8), list(rng.integers(0, 10, 7))
    test = rng.integers(0, 256, (5, 32, 32, 3), dtype=np.uint8), list(rng.integers(0, 10, 5))
    _fetch_data().write_cifar_npz(train, test, tmp_path / "cifar10" / "cifar10.npz", n_train=4)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    images, labels = data.cifar10("train")
    np.testing.assert_array_equal(images, train[0][:4])
    assert labels.dtype == np.int64 and labels.tolist() == train[1][:4]
    assert data.cifar10("test")[0].shape == (5, 32, 32, 3)


def test_it_refuses_images_of_the_wrong_shape(tmp_path):
    bad = np.zeros((2, 28, 28), np.uint8), [0, 1]
    with pytest.raises(ValueError, match="32, 32, 3"):
        _fetch_data().write_cifar_npz(bad, bad, tmp_path / "c.npz")
