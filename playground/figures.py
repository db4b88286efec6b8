"""A model card's figures, measured on held-out data by the trainer (`python -m playground.train`): one function
per registry family. They sit here, on the trainer's side, because they use tasks (samplers, the shipped
classifier, the inverse-problem solvers) that models must not import.
"""
import math

import numpy as np
import torch

from playground.data import images_to_float
from playground.models.vae import binarize
from playground.tasks.evaluate import digit_quality, gaussian_fit_samples, read_digits, sliced_wasserstein
from playground.tasks.inverse_lab import evaluate
from playground.tasks.latent import encode, reconstruct


def _flow(model, test: tuple, train: tuple) -> dict:
    """Held-out NLL (nats) beside that of a Gaussian fitted to the training data."""
    (test,), (train,) = test, train
    nll = float(-model.log_prob(test).mean())
    gauss = torch.distributions.MultivariateNormal(train.mean(0), covariance_matrix=torch.cov(train.T))
    return {"test_nll_nats": round(nll, 4), "gaussian_fit_nll_nats": round(float(-gauss.log_prob(test).mean()), 4)}


def _toy(model, test: tuple, train: tuple, n: int = 5000, steps: int = 100) -> dict:
    """Per shape: SW_1 of model samples (an ODE of `steps` steps) and of a fitted Gaussian to held-out data."""
    (test_x, test_y), (train_x, train_y) = test[:2], train[:2]
    figures = {}
    for k, shape in enumerate(model.shapes):
        held_out = test_x[test_y == k][:n]
        samples = model.sample(len(held_out), generator=torch.Generator().manual_seed(k), shape=k, steps=steps).cpu()
        baseline = gaussian_fit_samples(train_x[train_y == k], len(held_out), seed=k)
        key = shape.replace(" ", "_")
        figures[f"sw_{key}_model"] = round(sliced_wasserstein(samples, held_out), 4)
        figures[f"sw_{key}_gaussian_fit"] = round(sliced_wasserstein(baseline, held_out), 4)
    figures["sw_mean_model"] = round(float(np.mean([v for k, v in figures.items() if k.endswith("_model")])), 4)
    return figures


def _classifier(model, test: tuple, train: tuple) -> dict:
    images, labels = test
    accuracy = (model.predict(images).argmax(-1).cpu() == labels).float().mean()
    return {"test_accuracy": round(float(accuracy), 4), "test_images": len(labels)}


def _image_diffusion(model, test: tuple, train: tuple, n: int = 100) -> dict:
    """Digits: how often the classifier reads guided samples as the asked digit, and FID. Colour photos: how well
    the prior colourizes (DDNM, 50 steps, 2 samples each) the first n held-out images, beside the grey baseline."""
    if model.unet.config.in_channels != 3:
        return digit_quality(model, test, train)
    x = (images_to_float(test[0][:n]) + 1) / 2
    figures = evaluate(model, "Colourization", x, k=2, steps=50)
    figures.pop("samples")
    return {f"colourize_{key}": value for key, value in figures.items()}


def _latent(model, test: tuple, train: tuple, k: int = 100, samples: int = 1000, seed: int = 0) -> dict:
    """Test NLL (importance-weighted, k samples) and ELBO in nats on the test set binarized once with the seed,
    reconstruction error, and how the MNIST classifier reads decoded prior samples."""
    images = test[0]
    g = torch.Generator().manual_seed(seed)
    x = binarize(images, generator=g)
    figures = {"binarized_test_images": len(x)}
    recon, kl = model.elbo_terms(x, generator=g)
    if model.kind == "vae":
        figures["test_nll_iwae_nats"] = round(float(model.iwae_nll(x, k=k, generator=g).mean()), 2)
        figures["iwae_k"] = k
        figures["test_neg_elbo_nats"] = round(float((recon + kl.sum(-1)).mean()), 2)
        figures["kl_nats"] = round(float(kl.sum(-1).mean()), 2)
        figures["active_dims_kl_over_0.01"] = int((kl.mean(0) > 0.01).sum())
    figures["test_recon_bce_nats"] = round(float(recon.mean()), 2)
    figures["test_recon_mse_grey"] = round(float(reconstruct(model, images)[1].mean()), 4)
    if model.kind == "vae":
        drawn = model.sample(samples, generator=g) * 2 - 1
    else:
        drawn = model.decode(gaussian_fit_samples(encode(model, train[0][:10_000]), samples, generator=g)) * 2 - 1
    pred, conf = read_digits(drawn)
    counts = np.bincount(pred, minlength=10) / len(pred)
    figures["samples_read_confidently_p90"] = round(float((conf >= 0.9).mean()), 3)
    figures["samples_class_spread_entropy_over_log10"] = round(float(-(counts * np.log(counts + 1e-12)).sum() /
                                                                   np.log(10)), 3)
    return figures


def _pixels(model, test: tuple, train: tuple, seed: int = 0) -> dict:
    """Test NLL in nats per image and bits per pixel (given the class, where the model takes one), on the test set
    binarized once with the seed."""
    x = binarize(test[0], generator=torch.Generator().manual_seed(seed))
    labels = test[1] if len(test) > 1 else None
    nll = torch.cat([model.nll(x[i:i + 500], None if labels is None else labels[i:i + 500])
                     for i in range(0, len(x), 500)])
    return {"binarized_test_images": len(x), "test_nll_nats": round(float(nll.mean()), 2),
            "test_bits_per_pixel": round(float(nll.mean()) / (x.shape[1] * math.log(2)), 4),
            "parameters": model.parameter_count()}


def _pixelcnn(model, test: tuple, train: tuple, seed: int = 0, per_class: int = 20) -> dict:
    """The pixel models' NLL figures given the class, the NLL with no class, and the classifier's reading of
    samples of each class."""
    figures = _pixels(model, test, train, seed)
    x = binarize(test[0], generator=torch.Generator().manual_seed(seed))
    nll = torch.cat([model.nll(xb) for xb in x.split(500)])
    figures["test_nll_nats_no_class"] = round(float(nll.mean()), 2)
    figures["test_bits_per_pixel_no_class"] = round(float(nll.mean()) / (x.shape[1] * math.log(2)), 4)
    labels = torch.arange(model.classes).repeat_interleave(per_class)
    samples = model.sample(len(labels), generator=torch.Generator().manual_seed(seed), labels=labels)
    read, _ = read_digits(samples * 2 - 1)
    figures["samples_read_as_label"] = round(float((torch.as_tensor(read) == labels).float().mean()), 3)
    figures["samples_read"] = len(labels)
    return figures


def _char_gpt(model, test: tuple, train: tuple, batches: int = 100, batch: int = 32, seed: int = 0) -> dict:
    """Validation loss per character (nats, and bits) on random held-out windows, and a sample for the card."""
    g = torch.Generator().manual_seed(seed)
    windows = test[0]
    losses = [float(model.loss(windows[torch.randint(len(windows), (batch,), generator=g)])) for _ in range(batches)]
    val = sum(losses) / len(losses)
    tokenizer = model.tokenizer()
    prompt = tokenizer("ROMEO:\n", return_tensors="pt").input_ids
    torch.manual_seed(seed)
    out = model.generate(prompt, do_sample=True, temperature=0.8, top_k=0, top_p=1.0, max_new_tokens=240)
    text = tokenizer.decode(out[0])
    return {"val_loss_per_char_nats": round(val, 4), "val_bits_per_char": round(val / math.log(2), 4),
            "val_windows": batches * batch, "parameters": sum(p.numel() for p in model.parameters()),
            "sample_t0.8": text.replace("\n", " / ")}


# registry family -> its card's figures
FIGURES = {"flow": _flow, "toy-diffusion": _toy, "toy-flow-matching": _toy, "digit-classifier": _classifier,
           "image-diffusion": _image_diffusion, "vae": _latent, "independent-pixels": _pixels,
           "markov-pixels": _pixels, "pixelcnn": _pixelcnn, "char-gpt": _char_gpt}


@torch.no_grad()
def card_figures(family: str, model, test: tuple, train: tuple) -> dict:
    """The card's figures of a trained model of `family` (in eval mode) on the held-out set `test`; some set a
    baseline fitted to `train` beside them."""
    if family not in FIGURES:
        raise KeyError(f"No card figures for the family '{family}'. Known: {', '.join(FIGURES)}.")
    return FIGURES[family](model, test, train)
