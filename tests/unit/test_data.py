"""Toy sets, the offline data folder (read, never written), and user points."""
import os
from pathlib import Path

import numpy as np
import pytest

from playground import data
from playground.toydata import TOY_1D, TOY_2D, toy_sample

DATA_DIR = Path(os.environ["PLAYGROUND_DATA_DIR"])
needs_data = pytest.mark.skipif(not (DATA_DIR / "mnist").exists(), reason="offline data folder not present")


@pytest.mark.parametrize("name", list(TOY_1D) + list(TOY_2D))
def test_toy_sets_are_seeded_and_finite(name):
    dim = 1 if name in TOY_1D else 2
    a, b, c = toy_sample(name, 500, 1, dim), toy_sample(name, 500, 1, dim), toy_sample(name, 500, 2, dim)
    np.testing.assert_array_equal(a, b)
    assert np.isfinite(a).all() and a.shape[-1 if dim == 2 else 0] == (2 if dim == 2 else len(a))
    if name != "six points":
        assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", [k for k, t in TOY_1D.items() if t.pdf is not None])
def test_1d_true_densities_integrate_to_one(name):
    grid = np.linspace(-60, 60, 400_001)
    assert np.trapezoid(TOY_1D[name].pdf(grid), grid) == pytest.approx(1.0, abs=2e-3)


@pytest.mark.parametrize("name", [k for k, t in TOY_2D.items() if t.pdf is not None])
def test_2d_true_densities_integrate_to_one_and_match_samples(name):
    edges = np.linspace(-5, 5, 801)
    g = (edges[1:] + edges[:-1]) / 2  # cell midpoints
    mesh = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    pdf = TOY_2D[name].pdf(mesh)
    assert pdf.sum() * (g[1] - g[0]) ** 2 == pytest.approx(1.0, abs=5e-3)
    x = toy_sample(name, 20_000, 0, 2)
    assert (TOY_2D[name].pdf(x) > 0).mean() > 0.999  # samples land where the density lives


@needs_data
def test_mnist_and_fashion_from_the_offline_folder_without_writing_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CACHE_DIR", str(tmp_path))
    before = sorted((p.name, p.stat().st_mtime) for p in DATA_DIR.rglob("*"))
    images, labels = data.mnist("test")
    assert images.shape == (10_000, 28, 28) and int(labels.max()) == 9
    f_images, _ = data.get_dataset("fashion-mnist", "test")
    assert f_images.shape == (10_000, 28, 28)
    assert sorted((p.name, p.stat().st_mtime) for p in DATA_DIR.rglob("*")) == before


@needs_data
def test_cifar_text_and_digits():
    x, y = data.cifar10("test")
    assert x.shape[1:] == (32, 32, 3) and x.dtype == np.uint8 and len(x) == len(y)
    text = data.text_corpus()
    assert text.startswith("First Citizen") and len(text) > 1_000_000
    images, labels = data.digits()
    assert images.shape[1:] == (8, 8) and len(images) == len(labels)


def test_missing_dataset_names_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("PLAYGROUND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "SHAKESPEARE_URL", "http://127.0.0.1:9/input.txt")  # refused at once
    with pytest.raises(data.DatasetUnavailable, match="PLAYGROUND_DATA_DIR"):
        data.text_corpus()
    with pytest.raises(KeyError, match="Unknown dataset"):
        data.get_dataset("imagenet")


def test_typed_points():
    np.testing.assert_array_equal(data.parse_points("1, 2 3\n4;5", 1), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(data.parse_points("1,2\n3 4", 2), [[1, 2], [3, 4]])
    for text, dim, message in [("", 1, "No numbers"), ("1 2 x", 1, "Value 3 is not numeric"),
                               ("1 nan", 1, "NaN or infinite"), ("1 inf", 1, "NaN or infinite"),
                               ("1,2\n3", 2, "Line 2 has fewer than 2 columns")]:
        with pytest.raises(data.PointsError, match=message):
            data.parse_points(text, dim)
    with pytest.raises(data.PointsError, match="Too many"):
        data.parse_points("1 2 3", 1, max_rows=2)


def test_csv_points(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("x,y\n1,2\n3,4\n5,6\n")
    np.testing.assert_array_equal(data.read_points_csv(good, 1), [1, 3, 5])
    np.testing.assert_array_equal(data.read_points_csv(good, 2), [[1, 2], [3, 4], [5, 6]])
    cases = {"empty.csv": ("", "empty"), "text.csv": ("1\n2\nabc\n", "Row 3 is not numeric"),
             "nan.csv": ("1\nnan\n", "Row 2 is NaN"), "one.csv": ("1\n2\n", "two numeric columns"),
             "bin.csv": ("\x00\x01\x02", "binary")}
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(data.PointsError, match=message):
            data.read_points_csv(path, 2 if name == "one.csv" else 1)
    with pytest.raises(data.PointsError, match="Too many rows"):
        data.read_points_csv(good, 1, max_rows=2)
