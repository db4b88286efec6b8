"""Evaluation of generative models: distances between samples and held-out data.

Sliced Wasserstein (Rabin et al. 2011): the mean over random directions of the 1-D Wasserstein-1
distance between the two sets projected on each direction.
"""
import numpy as np
import torch


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, projections: int = 256, seed: int = 0) -> float:
    """SW_1 between point sets a (N, d) and b (M, d), seeded; 0 only when all projections agree."""
    g = torch.Generator().manual_seed(seed)
    dirs = torch.randn(a.shape[1], projections, generator=g, dtype=torch.float64)
    dirs /= dirs.norm(dim=0, keepdim=True)
    pa, pb = (x.double().cpu() @ dirs for x in (a, b))  # (N, P), (M, P)
    # W1 in 1-D is the L1 distance between quantile functions; compare them on a common grid.
    qs = torch.linspace(0, 1, max(len(a), len(b)), dtype=torch.float64)
    qa, qb = (torch.quantile(p, qs, dim=0) if len(p) != len(qs) else p.sort(0).values for p in (pa, pb))
    return float((qa - qb).abs().mean())


def gaussian_fit_samples(train: torch.Tensor, n: int, seed: int = 0, generator: torch.Generator | None = None):
    """n samples (float32) of the Gaussian with the training data's mean and covariance: the baseline.
    Drawn with `generator` when given, else with a generator seeded by `seed`."""
    g = generator or torch.Generator().manual_seed(seed)
    mean, cov = train.double().mean(0), torch.cov(train.double().T)
    chol = torch.linalg.cholesky(cov + 1e-9 * torch.eye(len(cov), dtype=torch.float64))
    return (mean + torch.randn(n, len(mean), generator=g, dtype=torch.float64) @ chol.T).float()


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature sets a (N, d) and b (M, d) (Heusel et al. 2017):
    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))."""
    from scipy import linalg

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(s_a @ s_b)
    if not np.isfinite(root).all():  # near-singular product: nudge both covariances (as pytorch-fid does)
        eye = np.eye(len(s_a)) * 1e-6
        root = linalg.sqrtm((s_a + eye) @ (s_b + eye))
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a + s_b - 2 * np.real(root)))


@torch.no_grad()
def classifier_features(images, batch: int = 1000) -> np.ndarray:
    """The shipped MNIST classifier's 128 penultimate features of uint8 images, or floats in [-1, 1]."""
    from playground import registry

    clf = registry.load(registry.first_with("features"))
    return torch.cat([clf.features(images[i:i + batch]).cpu() for i in range(0, len(images), batch)]).numpy()


def read_digits(images) -> tuple[np.ndarray, np.ndarray]:
    """What the shipped classifier reads in each image (uint8, or floats in [-1, 1]): (class, its probability)."""
    from playground import registry

    probs = registry.load(registry.first_with("classify")).predict(images).cpu()
    conf, pred = probs.max(-1)
    return pred.numpy(), conf.numpy()


def digit_quality(model, test: tuple, train: tuple, per_class: int = 100, guidance: float = 3.0, steps: int = 50,
                  kind: str = "ddim", bf16: bool = False, batch: int = 100, seed: int = 0) -> dict:
    """Class-conditional samples (per_class of each digit) read back by the classifier, and FID on its features
    against the test images, beside the floor: as many training images against the same test images."""
    labels = torch.arange(model.classes).repeat_interleave(per_class)
    g = torch.Generator().manual_seed(seed)
    samples = torch.cat([model.sample(len(chunk), generator=g, labels=chunk, guidance=guidance, steps=steps,
                                      kind=kind, bf16=bf16).cpu() for chunk in labels.split(batch)]) * 2 - 1
    pred, _ = read_digits(samples)
    hits = pred == labels.numpy()
    test_images, train_images = test[0], train[0]
    test_feats = classifier_features(test_images)
    n = len(samples)
    pick = torch.randperm(len(train_images), generator=torch.Generator().manual_seed(seed))
    return {f"readable_at_guidance_{guidance:g}": round(float(hits.mean()), 4),
            "readable_worst_digit": round(float(min(hits[labels.numpy() == k].mean() for k in range(model.classes))), 4),
            "samples": n, "sampler": f"{kind} {steps} steps" + (" bf16" if bf16 else ""),
            "fid_model_vs_test": round(frechet_distance(classifier_features(samples), test_feats), 3),
            f"fid_floor_{n}_train_vs_test": round(frechet_distance(classifier_features(train_images[pick[:n]]),
                                                                   test_feats), 3),
            "fid_floor_10000_train_vs_test": round(frechet_distance(classifier_features(train_images[pick[:10_000]]),
                                                                    test_feats), 3)}
