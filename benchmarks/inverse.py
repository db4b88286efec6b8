"""Inverse problems: speed of inpainting 4 samples of a 28x28 digit (DDNM, RePaint, PixelCNN; 1 torch thread, the
app's per-request policy), and quality on held-out images beside the simple baselines: inpainting PSNR over the
filled pixels against mean fill and the classifier's reading of the inpainted digits, super-resolution PSNR against
bicubic (7x7 -> 28x28 digits, 8x8 -> 32x32 photos), colourization PSNR and colourfulness against grey.

Run from the repo root: python benchmarks/inverse.py [--images 100]
"""
import argparse
import os
import statistics
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from _common import ms, quiet_run  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from playground.device import configure_threads  # noqa: E402

configure_threads(workers=2)  # as in the app: one thread per request on this 2-core machine

import numpy as np  # noqa: E402
import torch  # noqa: E402

from playground import registry  # noqa: E402
from playground.data import mnist  # noqa: E402
from playground.tasks import inverse_lab as lab  # noqa: E402
from playground.tasks.evaluate import read_digits  # noqa: E402

MNIST = list(lab.PRIORS)[0]
REPEATS = 3


def speed() -> dict:
    """Seconds for 4 samples of test digit 0 with the centre square missing, each method at its tab default."""
    x, holes = lab.test_image(MNIST, 0), lab.preset_holes("centre square", 28)
    runs = {"ddnm50": dict(method=lab.METHODS[0], steps=50), "repaint50_j5_r5": dict(method=lab.METHODS[1], steps=50),
            "pixelcnn": dict(method=lab.METHODS[2])}

    def timed(settings):
        def go():
            for _ in lab.restore_stream(MNIST, "Inpainting", x, holes, k=4, **settings):
                pass
        return go

    for settings in runs.values():
        timed(settings)()  # load the models, warm up

    def measure():
        return {name: [ms(timed(s))[0] / 1e3 for _ in range(REPEATS)] for name, s in runs.items()}

    times, _ = quiet_run(measure, "inverse")
    return {name: statistics.median(t) for name, t in times.items()}


def quality(n: int) -> dict:
    digits, labels = mnist("test")
    x, labels = torch.as_tensor(np.array(digits[:n])).float()[:, None] / 255, np.asarray(labels[:n])
    prior, out = registry.load("mnist-diffusion"), {}
    for region in ("centre square", "random 70%"):  # most of the ink gone; scattered pixels gone
        holes, tag = lab.preset_holes(region, 28), region.split()[0]
        for key, method in (("ddnm", lab.METHODS[0]), ("repaint", lab.METHODS[1])):
            figures = lab.evaluate(prior, "Inpainting", x, holes, method=method, k=2)
            read, _ = read_digits(figures.pop("samples")[:, 0] * 2 - 1)
            out[f"inpaint_{tag}_{key}"] = figures | {"read_as_truth": round(float((read == labels).mean()), 3)}
        _, fill = lab.baseline("Inpainting", x, holes)
        out[f"inpaint_{tag}_mean_fill_read_as_truth"] = round(float((read_digits(fill * 2 - 1)[0] == labels).mean()), 3)
    out["inpaint_truth_read_as_truth"] = round(float((read_digits(x * 2 - 1)[0] == labels).mean()), 3)
    sr = lab.evaluate(prior, "Super-resolution", x, factor=4, k=2)
    out["superres_mnist_7to28"] = {k: v for k, v in sr.items() if k != "samples"}
    photos = torch.from_numpy(np.array(lab.test_images("cifar10")[:n])).float().permute(0, 3, 1, 2) / 255
    colour = registry.load("cifar-diffusion")
    for key, task in (("superres_cifar_8to32", "Super-resolution"), ("colourize_cifar", "Colourization")):
        out[key] = {k: v for k, v in lab.evaluate(colour, task, photos, factor=4, k=2).items() if k != "samples"}
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=100, help="held-out images per quality figure")
    args = parser.parse_args()
    seconds = speed()
    print("4 samples of a 28x28 digit, centre 14x14 square missing, 1 thread: " +
          ", ".join(f"{name} {s:.2f} s" for name, s in seconds.items()) + f" (medians of {REPEATS})")
    figures = quality(args.images)
    for name, values in figures.items():
        print(name, values)
    ddnm, repaint = figures["inpaint_centre_ddnm"], figures["inpaint_centre_repaint"]
    ddnm70, repaint70 = figures["inpaint_random_ddnm"], figures["inpaint_random_repaint"]
    sr, sr_c, col = figures["superres_mnist_7to28"], figures["superres_cifar_8to32"], figures["colourize_cifar"]
    print(f"RESULT inverse inpaint4_ddnm50_s={seconds['ddnm50']:.2f} inpaint4_repaint_s={seconds['repaint50_j5_r5']:.2f} "
          f"inpaint4_pixelcnn_s={seconds['pixelcnn']:.2f} inpaint_psnr_ddnm={ddnm['psnr_samples_db']} "
          f"inpaint_psnr_repaint={repaint['psnr_samples_db']} inpaint_psnr_mean_fill={ddnm['psnr_mean_fill_db']} "
          f"inpaint_read_ddnm={ddnm['read_as_truth']} inpaint_read_repaint={repaint['read_as_truth']} "
          f"inpaint_read_mean_fill={figures['inpaint_centre_mean_fill_read_as_truth']} "
          f"random70_psnr_ddnm={ddnm70['psnr_samples_db']} random70_psnr_repaint={repaint70['psnr_samples_db']} "
          f"random70_psnr_mean_fill={ddnm70['psnr_mean_fill_db']} random70_read_ddnm={ddnm70['read_as_truth']} "
          f"random70_read_repaint={repaint70['read_as_truth']} "
          f"sr28_psnr={sr['psnr_samples_db']} sr28_psnr_mean={sr['psnr_mean_db']} sr28_bicubic={sr['psnr_bicubic_db']} "
          f"sr32_psnr={sr_c['psnr_samples_db']} sr32_bicubic={sr_c['psnr_bicubic_db']} "
          f"colour_psnr={col['psnr_samples_db']} colour_grey={col['psnr_grey_db']} "
          f"colourfulness={col['colourfulness_samples']} colourfulness_truth={col['colourfulness_truth']}")


if __name__ == "__main__":
    main()
