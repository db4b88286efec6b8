"""Datasets: toy sets, scikit-learn digits, MNIST / Fashion-MNIST / CIFAR-10 through torchvision, the
tiny Shakespeare text, and user-supplied points (typed or CSV).

Online, the files are downloaded into the cache folder (every wait on the network bounded, so a request
without a network answers in about a second). Offline, `PLAYGROUND_DATA_DIR` names a folder laid out as
`mnist/raw/*.gz`, `fashion-mnist/raw/*.gz`, `cifar10/cifar10.npz`, `tinyshakespeare/input.txt`; it is only
read, never written (files are copied into the cache).
"""
import os
import shutil
import socket
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from playground.toydata import TOY_1D, TOY_2D, toy_sample

if TYPE_CHECKING:
    import torch

DATA_DIR_ENV = "PLAYGROUND_DATA_DIR"
SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
MAX_POINTS = 1_000_000
PROBE_TIMEOUT_S = 1.5  # to learn that a download server does not answer (name lookup included)
READ_TIMEOUT_S = 30.0  # for a download under way to stall before it is given up
# The 65 characters of tiny Shakespeare, sorted: a character model's token id is the position in this string.
SHAKESPEARE_CHARS = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class DatasetUnavailable(RuntimeError):
    """A dataset is neither in the offline folder nor downloadable; the message says what to set."""


class PointsError(ValueError):
    """User-supplied points (typed or CSV) cannot be used; the message says why and where."""


def data_dir() -> Path | None:
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


def cache_dir() -> Path:
    """Writable folder for downloads and extracted copies (`PLAYGROUND_CACHE_DIR`)."""
    root = os.environ.get("PLAYGROUND_CACHE_DIR") or Path.home() / ".cache" / "generative-playground"
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _offline_file(*parts) -> Path | None:
    root = data_dir()
    if root is None:
        return None
    path = root.joinpath(*parts)
    return path if path.exists() else None


def _first_reachable(urls: list[str]) -> str | None:
    """The first of urls whose server accepts a connection within PROBE_TIMEOUT_S, all probed at once, in threads:
    a name lookup has no timeout of its own."""
    answered = [False] * len(urls)

    def probe(i: int, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            socket.create_connection((parts.hostname, port), timeout=PROBE_TIMEOUT_S).close()
            answered[i] = True
        except OSError:
            pass

    threads = [threading.Thread(target=probe, args=(i, url), daemon=True) for i, url in enumerate(urls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + PROBE_TIMEOUT_S
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return next((url for url, ok in zip(urls, answered) if ok), None)


def _intact(path: Path, md5: str) -> bool:
    from torchvision.datasets.utils import check_integrity

    return check_integrity(str(path), md5)


def _download(urls: list[str], path: Path, md5: str | None = None) -> None:
    """path from the first mirror in urls that answers; every wait bounded. Raises OSError when none can give it."""
    url = _first_reachable(urls)
    if url is None:
        raise OSError(f"no answer from {', '.join(urllib.parse.urlsplit(u).hostname for u in urls)} within "
                      f"{PROBE_TIMEOUT_S:g} s")
    part = path.with_name(path.name + ".part")
    with urllib.request.urlopen(url, timeout=READ_TIMEOUT_S) as response, part.open("wb") as f:
        shutil.copyfileobj(response, f)
    if md5 is not None and not _intact(part, md5):
        part.unlink()
        raise OSError(f"{url} sent a file with the wrong checksum")
    part.replace(path)


def _missing(name: str, layout: str, error: Exception) -> DatasetUnavailable:
    where = f"{DATA_DIR_ENV}={data_dir()}" if data_dir() else f"{DATA_DIR_ENV} is not set"
    return DatasetUnavailable(
        f"{name} is not available: it is not in the offline data folder ({where}; expected {layout}) "
        f"and the download failed ({type(error).__name__}: {error}). Set {DATA_DIR_ENV} to a folder "
        f"holding {layout}, or connect to the internet.")


def mnist(split: str = "train", fashion: bool = False):
    """MNIST or Fashion-MNIST as (images uint8 (N, 28, 28), labels int64 (N,)) tensors."""
    from torchvision import datasets

    cls, folder, sub = (datasets.FashionMNIST, "fashion-mnist", "FashionMNIST") if fashion else (datasets.MNIST, "mnist", "MNIST")
    raw = _offline_file(folder, "raw")
    target = cache_dir() / sub / "raw"
    target.mkdir(parents=True, exist_ok=True)
    if raw is not None:  # copy the .gz files
        for gz in raw.glob("*.gz"):
            if not (target / gz.name).exists():
                shutil.copyfile(gz, target / gz.name)
    try:
        for name, md5 in cls.resources:  # download what is missing (torchvision's own download has no timeout)
            if not (target / name.removesuffix(".gz")).exists() and not _intact(target / name, md5):
                _download([mirror + name for mirror in cls.mirrors], target / name, md5)
        ds = cls(str(cache_dir()), train=(split == "train"), download=True)  # every file is here: it only extracts
    except Exception as error:  # OSError when offline, RuntimeError from torchvision
        raise _missing(sub, f"{folder}/raw/*-idx?-ubyte.gz", error) from error
    return ds.data, ds.targets


def cifar10(split: str = "train"):
    """CIFAR-10 as (images uint8 (N, 32, 32, 3), labels int64 (N,)) numpy arrays.

    The offline folder may hold a partial copy (`cifar10/cifar10.npz`); online, torchvision's full set.
    """
    npz = _offline_file("cifar10", "cifar10.npz")
    if npz is not None:
        with np.load(npz, allow_pickle=False) as d:
            key = "train" if split == "train" else "test"
            return d[f"x_{key}"], d[f"y_{key}"].astype(np.int64)
    from torchvision import datasets

    cls, root = datasets.CIFAR10, cache_dir()
    try:
        if not (root / cls.base_folder).exists() and not _intact(root / cls.filename, cls.tgz_md5):
            _download([cls.url], root / cls.filename, cls.tgz_md5)  # torchvision's own download has no timeout
        ds = cls(str(root), train=(split == "train"), download=True)  # the archive is here: it only extracts
    except Exception as error:
        raise _missing("CIFAR-10", "cifar10/cifar10.npz", error) from error
    return ds.data, np.asarray(ds.targets, dtype=np.int64)


def text_corpus() -> str:
    """The tiny Shakespeare corpus (1.1 M characters)."""
    path = _offline_file("tinyshakespeare", "input.txt")
    if path is None:
        path = cache_dir() / "tinyshakespeare.txt"
        if not path.exists():
            try:
                _download([SHAKESPEARE_URL], path)
            except Exception as error:
                raise _missing("tiny Shakespeare", "tinyshakespeare/input.txt", error) from error
    return path.read_text(encoding="utf-8")


def encode_corpus(text: str, chars: str) -> np.ndarray:
    """The whole corpus as token ids (int64), by a lookup table (the tokenizer gives the same, more slowly)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    table = np.full(max(max(map(ord, chars)), int(codes.max(initial=0))) + 1, -1, dtype=np.int64)
    table[[ord(c) for c in chars]] = np.arange(len(chars))
    if (ids := table[codes]).min(initial=0) < 0:
        unknown = sorted(set(text) - set(chars))
        raise ValueError(f"The corpus has characters outside the vocabulary: {''.join(unknown)[:40]!r}.")
    return ids


def char_windows(split: str, block: int, chars: str = SHAKESPEARE_CHARS):
    """Every window of `block` characters of tiny Shakespeare's first 90% (train) or last 10% (test), as a
    (N, block) view of one int64 tensor, nanoGPT's split."""
    import torch

    ids = torch.from_numpy(encode_corpus(text_corpus(), chars))
    cut = int(0.9 * len(ids))
    part = ids[:cut] if split == "train" else ids[cut:]
    return part.unfold(0, block, 1)


def digits():
    """scikit-learn's 8x8 digits: (images float (N, 8, 8) in [0, 16], labels (N,))."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images, d.target


def images_to_float(images) -> "torch.Tensor":
    """uint8 images (N, H, W) or (N, H, W, C), or floats already in [-1, 1] (N, C, H, W), as float (N, C, H, W) in [-1, 1]."""
    import torch

    x = torch.as_tensor(images)
    if x.dtype != torch.uint8:
        return x.float()
    x = x[:, None] if x.ndim == 3 else x.permute(0, 3, 1, 2)
    return x.float() / 127.5 - 1.0


def get_dataset(name: str, split: str = "train", n: int = 10_000, seed: int = 0):
    """One entry point: 'toy1d:NAME', 'toy2d:NAME', 'toy2d-set:NAME,NAME,...' (points, labels), 'chars:BLOCK'
    (tiny Shakespeare's character windows), 'digits', 'mnist', 'fashion-mnist', 'cifar10', 'tinyshakespeare'."""
    family, _, sub = name.partition(":")
    if family == "toy2d-set":  # several shapes at once, labelled by their index in the list
        shapes = sub.split(",")
        per = [get_dataset(f"toy2d:{shape}", split, n // len(shapes), seed + k) for k, shape in enumerate(shapes)]
        labels = np.repeat(np.arange(len(shapes)), [len(p) for p in per])
        return np.concatenate(per), labels
    if family == "chars":
        return char_windows(split, int(sub))
    if family in ("toy1d", "toy2d"):
        # Seeds differ by split, so train and test are independent draws.
        return toy_sample(sub, n, seed + (0 if split == "train" else 1_000_003), dim=1 if family == "toy1d" else 2)
    loaders = {"digits": digits, "mnist": lambda: mnist(split), "fashion-mnist": lambda: mnist(split, fashion=True),
               "cifar10": lambda: cifar10(split), "tinyshakespeare": text_corpus}
    if name not in loaders:
        toys = [f"toy1d:{k}" for k in TOY_1D] + [f"toy2d:{k}" for k in TOY_2D]
        raise KeyError(f"Unknown dataset '{name}'. Choose one of {', '.join(list(loaders) + toys)}.")
    return loaders[name]()


def parse_points(text: str, dim: int, max_rows: int = MAX_POINTS) -> np.ndarray:
    """Points from typed or pasted text: 1-D numbers separated by commas/spaces/lines; 2-D 'x, y' per line."""
    if text is None or not text.strip():
        raise PointsError("No numbers given: type or paste some values first.")
    if dim == 1:
        tokens = text.replace(",", " ").replace(";", " ").split()
        rows = [[token] for token in tokens]
    else:
        rows = [line.replace(",", " ").replace(";", " ").split() for line in text.strip().splitlines() if line.strip()]
    return _to_points(rows, dim, max_rows, "value" if dim == 1 else "line")


def read_points_csv(path, dim: int, max_rows: int = MAX_POINTS) -> np.ndarray:
    """Points from a CSV (or whitespace-separated) file; a header row is skipped; the first `dim` columns are used."""
    import pandas as pd

    path = Path(path)
    with path.open("rb") as f:
        head = f.read(4096).decode("utf-8", errors="replace")
    if not head.strip():
        raise PointsError("The CSV file is empty.")
    if "\x00" in head:
        raise PointsError("This does not look like a CSV text file (it contains binary data).")
    first = next((line for line in head.splitlines() if line.strip()), "")
    sep = next((s for s in (",", ";", "\t") if s in first), r"\s+")
    tokens = [t for t in first.replace(",", " ").replace(";", " ").split()]
    header = 1 if tokens and not _is_number(tokens[0]) else 0
    try:
        frame = pd.read_csv(path, sep=sep, header=None, skiprows=header, nrows=max_rows + 1, dtype=np.float64,
                            skip_blank_lines=True, engine="c")
    except ValueError:  # a non-numeric cell: read again as text to say where
        frame = pd.read_csv(path, sep=sep, header=None, skiprows=header, nrows=max_rows + 1, dtype=str, engine="c")
        return _to_points(frame.values.tolist(), dim, max_rows, "row")
    except Exception as error:
        raise PointsError(f"Could not read the CSV: {error}") from error
    if frame.shape[1] < dim:
        raise PointsError(f"The CSV has {frame.shape[1]} column(s); 2-D data needs two numeric columns (x, y).")
    if len(frame) == 0:
        raise PointsError("No data rows found.")
    if len(frame) > max_rows:
        raise PointsError(f"Too many rows: more than {max_rows:,} (the cap). Use fewer points.")
    x = frame.values[:, :dim].astype(np.float64)
    finite = np.isfinite(x).all(1)
    if not finite.all():
        bad = int(np.argmin(finite)) + 1
        raise PointsError(f"Row {bad} is NaN, infinite or missing a value; remove it and try again.")
    return x[:, 0] if dim == 1 else x


def _is_number(token) -> bool:
    try:
        float(token)
        return True
    except (TypeError, ValueError):
        return False


def _to_points(rows, dim: int, max_rows: int, unit: str) -> np.ndarray:
    if not rows:
        raise PointsError("No data rows found.")
    if len(rows) > max_rows:
        raise PointsError(f"Too many {unit}s: more than {max_rows:,} (the cap). Use fewer points.")
    if any(len(r) < dim for r in rows):
        bad = next(i for i, r in enumerate(rows) if len(r) < dim) + 1
        raise PointsError(f"{unit.capitalize()} {bad} has fewer than {dim} columns; 2-D data needs 'x, y' on each line.")
    try:
        x = np.array([[float(v) for v in r[:dim]] for r in rows], dtype=np.float64)
    except (TypeError, ValueError):
        bad = next(i for i, r in enumerate(rows) if not all(_is_number(v) for v in r[:dim])) + 1
        raise PointsError(f"{unit.capitalize()} {bad} is not numeric: {' '.join(map(str, rows[bad - 1][:dim]))!r}.") from None
    finite = np.isfinite(x).all(1)
    if not finite.all():
        bad = int(np.argmin(finite)) + 1
        raise PointsError(f"{unit.capitalize()} {bad} is NaN or infinite; remove it and try again.")
    return x[:, 0] if dim == 1 else x
