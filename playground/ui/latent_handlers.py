"""Handlers of the Latent variables tab: settings already checked by the tab's settings table in, pictures and figures
out. The maths lives in playground.tasks.latent; drawings and uploads are checked here, and bad ones become a gr.Error
a student can act on."""
import tempfile
from functools import lru_cache

import gradio as gr
import numpy as np
import torch

from playground import export, plotting, registry
from playground.tasks import latent
from playground.tasks.evaluate import gaussian_fit_samples
from playground.ui import checks
from playground.ui.latent_tab import SIZES

MAP_POINTS = 4000
GIF_SCALE = 24  # a 28x28 digit shown 672 pixels wide: room for the footer's settings


def _model(family, size):
    """(the model, its registry name), or a clear error when its checkpoint is missing."""
    name = registry.latent_name(family, SIZES[size])
    ok, why = registry.availability(name)
    if not ok:
        raise checks.user_error(f"{family} with a {size} is not available: {why}.")
    return registry.load(name), name


@lru_cache(maxsize=8)
def _encodings(name: str) -> torch.Tensor:
    """The first MAP_POINTS test digits encoded by the model (computed once per model)."""
    return latent.encode(registry.load(name), checks.mnist_test()[0][:MAP_POINTS])


@lru_cache(maxsize=8)
def _plane(name: str):
    return latent.latent_plane(_encodings(name), checks.mnist_test()[1][:MAP_POINTS].numpy())


def _digit(index) -> torch.Tensor:
    return checks.mnist_test()[0][index][None]


def _map(name: str, title: str, path=None, marker=None):
    _, _, coords, labels = _plane(name)
    axes = ("z1", "z2") if name.endswith("-2d") else ("principal direction 1", "principal direction 2")
    return plotting.latent_map_figure(coords, labels, title, axes, path, marker)


def overview(family, size, temperature, seed, index):
    """Samples, reconstructions, the latent map and manifold, KL per dimension, traversals, AE against VAE."""
    model, name = _model(family, size)
    g, start = torch.Generator().manual_seed(seed), index
    images, _ = checks.mnist_test()
    inputs = images[start:start + 8]
    recon, err = latent.reconstruct(model, inputs)
    pair = plotting.image_grid(torch.cat([latent.to_unit(inputs), recon]).numpy(), cols=8, scale=3)
    mean, basis, coords, _ = _plane(name)
    lo, hi = np.percentile(coords, 2, axis=0), np.percentile(coords, 98, axis=0)
    grid = latent.decode_plane(model, mean, basis, np.linspace(lo[0], hi[0], 12), np.linspace(lo[1], hi[1], 12))
    if model.kind == "vae":
        kl_dims = latent.kl_per_dim(model, images[:2000])
        dims = sorted(np.argsort(-kl_dims)[:8].tolist())  # the (at most 8) dimensions the model uses most
        kl = plotting.bar_figure(kl_dims, f"KL per latent dimension ({family})", "latent dimension", "mean KL (nats)")
    else:
        dims = list(range(min(8, model.latent_dim)))
        kl = plotting.message_figure("An autoencoder has no KL term: choose a VAE to see posterior collapse.", "KL")
    walk = latent.traversal(model, inputs[:1], dims, np.linspace(-3, 3, 9))
    note = (f"**{family}, {size}**: mean squared reconstruction error {float(err.mean()):.4f} on test digits "
            f"{start}-{start + 7}. Traversals move dimensions {', '.join(str(d + 1) for d in dims)} of test digit "
            f"{start}" + (" (those with the largest KL)." if model.kind == "vae" and model.latent_dim > 8 else "."))
    return (_samples(model, name, temperature, g), pair, _map(name, f"Test digits in the latent space ({family})"),
            plotting.image_grid(grid.numpy(), cols=12, scale=2), plotting.image_grid(walk.numpy(), cols=9, scale=2),
            kl, _ae_vs_vae(size, g), note)


def _samples(model, name, temperature, g):
    if model.kind == "vae":
        x = model.decode(temperature * torch.randn(32, model.latent_dim, generator=g))
    else:  # no prior: a Gaussian fitted to the AE's own encodings, scaled by the temperature
        z, mean = gaussian_fit_samples(_encodings(name), 32, generator=g), _encodings(name).mean(0)
        x = model.decode(mean + temperature * (z - mean))
    return plotting.image_grid(x.numpy(), cols=8, scale=3)


def _ae_vs_vae(size, g):
    """16 random latents decoded by the AE (from a Gaussian fitted to its encodings) and by the VAE (prior);
    None when one of the two models is missing (the rest of the overview still shows)."""
    try:
        (ae, ae_name), (vae, _) = _model("autoencoder", size), _model("VAE (beta = 1)", size)
    except gr.Error:
        return None
    left = ae.decode(gaussian_fit_samples(_encodings(ae_name), 16, generator=g))
    right = vae.decode(torch.randn(16, vae.latent_dim, generator=g))
    gap = torch.ones(4, 1, 28, 28)
    rows = [torch.cat([left[4 * r:4 * r + 4], gap[:1], right[4 * r:4 * r + 4]]) for r in range(4)]
    return plotting.image_grid(torch.cat(rows).numpy(), cols=9, scale=3)


def decode_point(family, size, s1, s2):
    """The image at one point of the map (for a 16-D latent: on the plane of its principal directions); the
    coordinates come in standard deviations of the test encodings, so one range suits every model."""
    model, name = _model(family, size)
    mean, basis, coords, _ = _plane(name)
    c1, c2 = (float(v) for v in np.array([s1, s2]) * coords.std(0))
    image = latent.decode_plane(model, mean, basis, [c1], [c2])
    return plotting.image_grid(image.numpy(), scale=8), _map(name, f"Decoded point ({c1:.2f}, {c2:.2f})",
                                                             marker=(c1, c2))


def _endpoint(label, source, index, editor, upload):
    """One end of the interpolation as a uint8 (1, 28, 28) digit, with notes on any conversion."""
    if source == "test digit":
        return _digit(index), []
    if source == "drawing":
        path = editor.get("composite") if isinstance(editor, dict) else None
        if not path:
            raise checks.user_error(f"Nothing drawn for {label}: draw a digit on its sketchpad first.")
    else:
        path = upload if isinstance(upload, str) else (upload or {}).get("path") if isinstance(upload, dict) else None
        if not path:
            raise checks.user_error(f"No picture uploaded for {label}: upload a PNG or JPEG of a digit first.")
    try:
        digit, notes = latent.ink_from_picture(latent.read_picture(path))
    except ValueError as error:
        raise checks.user_error(f"{label}: {error}") from None
    return torch.as_tensor(digit)[None], [f"{label}: {n}" for n in notes]


def _frames(family, size, a_source, a_index, a_editor, a_upload, b_source, b_index, b_editor, b_upload, method, frames):
    """The model's name, both ends (uint8 (1, 28, 28)), the decoded frames from A to B, the latent path, notes."""
    model, name = _model(family, size)
    a, notes_a = _endpoint("A", a_source, a_index, a_editor, a_upload)
    b, notes_b = _endpoint("B", b_source, b_index, b_editor, b_upload)
    images, path = latent.interpolate(model, a, b, frames, method)
    return name, a, b, images, path, notes_a + notes_b


def interpolate(family, size, a_source, a_index, a_editor, a_upload, b_source, b_index, b_editor, b_upload, method,
                frames):
    """Frames from A to B through the latent space: a strip, an animation, and the path on the map."""
    name, a, b, images, path, notes = _frames(family, size, a_source, a_index, a_editor, a_upload, b_source, b_index,
                                              b_editor, b_upload, method, frames)
    mean, basis, _, _ = _plane(name)
    strip = torch.cat([latent.to_unit(a), images, latent.to_unit(b)])
    labels = [f"{k / (frames - 1):.2f}" for k in range(frames)]
    length = path.norm(dim=1)
    note = (f"{method} interpolation in {frames} frames: the strip shows input A, the frames (the first and last "
            "are the reconstructions of A and B), then input B. Length of z along the path: "
            f"{length[0]:.2f} at A, {length.min():.2f} at its shortest, {length[-1]:.2f} at B."
            + "".join(f" {n}." for n in notes))
    return (plotting.image_grid(strip.numpy(), cols=frames + 2, scale=3),
            plotting.frames_animation(images.numpy(), f"{method} interpolation, A to B", labels),
            _map(name, f"{method} path from A to B", path=((path - mean) @ basis.T).numpy()), note)


def interpolation_gif(family, size, a_source, a_index, a_editor, a_upload, b_source, b_index, b_editor, b_upload,
                      method, frames):
    """The interpolation's frames (the reconstruction of A to that of B) as a GIF file for slides; its footer names
    the model and the settings (no seed: the path and the decoder are deterministic)."""
    name, _, _, images, _, _ = _frames(family, size, a_source, a_index, a_editor, a_upload, b_source, b_index,
                                       b_editor, b_upload, method, frames)
    ends = [index if source == "test digit" else source for source, index in ((a_source, a_index), (b_source, b_index))]
    footer = export.footer_line("Latent variables", model=name, path=method, frames=frames, A=ends[0], B=ends[1])
    labels = [f"{method} interpolation, t = {k / (frames - 1):.2f}" for k in range(frames)]
    gif = export.images_gif(images.numpy(), footer, scale=GIF_SCALE, labels=labels)
    return str(export.write_gif(gif, f"{name}-{method}-{frames}-frames", tempfile.mkdtemp(prefix="gp-gif-")))


def draw(family, size, temperature, seed, index, a_source, a_index, a_editor, a_upload, b_source, b_index, b_editor,
         b_upload, method, frames):
    """A lesson or a link: the overview, and the interpolation too when both ends are test digits (a drawing or an
    upload is never in a link)."""
    over = overview(family, size, temperature, seed, index)
    if a_source != "test digit" or b_source != "test digit":
        return (*over, *(gr.skip(),) * 4)
    return (*over, *interpolate(family, size, a_source, a_index, a_editor, a_upload, b_source, b_index, b_editor,
                                b_upload, method, frames))


def arithmetic(family, size, a, b, c):
    """decode(z_a - z_b + z_c) beside the three inputs' reconstructions."""
    model, _ = _model(family, size)
    out = latent.arithmetic(model, _digit(a), _digit(b), _digit(c))
    inputs = torch.cat([latent.to_unit(_digit(i)) for i in (a, b, c)])
    return plotting.image_grid(torch.cat([inputs, torch.ones(1, 1, 28, 28), out]).numpy(), cols=4, scale=4)
