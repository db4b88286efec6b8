"""Home tab: what the playground is, the tabs that exist, the device, and which models are here."""
import gradio as gr

from playground.registry import SPECS, availability
from playground.ui.urlstate import sync_url

ABOUT = """## Welcome
A visual playground for deep generative models: every idea of the course as something to **see and
touch**, live, with real models, on a laptop CPU (faster on a GPU). Change one knob and watch what happens.

**Tabs**
- **Density estimation**: kernel density estimation (Parzen windows) in 1-D and 2-D; kernels, bandwidth
  rules, each point's kernel under the sum, held-out likelihood against bandwidth (under- vs
  over-smoothing), up to a million points, and the curse of dimensionality.
- **Joint distributions**: sampling Bernoulli and categorical variables; what a joint over n binary
  variables costs (2^n - 1 parameters, against 2n - 1 for a Markov chain and n under independence);
  independent pixels, a Markov chain and a PixelCNN on binary MNIST side by side (samples, parameters,
  test likelihood); a Gaussian mixture fitted by EM, one iteration at a time.
- **Autoregressive models**: a class-conditional PixelCNN drawing digits pixel by pixel (streamed) and
  completing a partly given digit several ways; a character-level GPT-2 trained here on Shakespeare (or
  a hub model when online) writing text with temperature, top-k and top-p, the next-token distribution
  drawn at each step (kept against cut tokens, entropy, nucleus size), or one token at a time.
- **Latent variables**: autoencoder, VAE and beta-VAE on MNIST with a 2-D or a 16-D latent: prior
  samples with a temperature, reconstructions, the latent map and its decoded manifold, interpolation
  (linear or spherical) between test digits or your own drawings, latent arithmetic, traversals, KL per
  dimension, and random latents decoded by the AE against the VAE.
- **Diffusion**: the forward process on an MNIST digit or a 2-D shape with its noise schedule; the
  reverse process in 2-D with diffusers' samplers (DDPM, DDIM with eta, DPM-Solver++, Euler, Euler
  ancestral) and any number of steps, particles flowing from noise to data, and the learned score field;
  class-conditional MNIST digits with classifier-free guidance, x_t and the predicted x_0 streamed live.
- **Flow matching**: the same noise carried to a 2-D shape by a flow-matching model and by a diffusion
  model's probability-flow ODE, side by side: straight against curved paths, ODE solver and steps.
- **Inverse problems**: inpainting (paint the region to fill), colourization and super-resolution as
  posterior sampling from diffusion priors trained here on MNIST and CIFAR-10 (DDNM, RePaint) and from
  the PixelCNN: several samples that all agree with the observation, their mean, the per-pixel spread,
  and scores against the truth beside mean fill, bicubic and grey.
- **Imputation lab**: a table with missing values (MCAR, MAR, MNAR) filled by the mean, regression,
  stochastic regression and multiple imputation from a Gaussian mixture and a neural model (MIWAE);
  the bias of means, variances, correlations and slopes against the truth, with Rubin's-rules intervals.

Every tab keeps its settings in the page link: copy the address bar to share exactly what you see.
"""


def models_table() -> str:
    """A Markdown table of the registry: where each model comes from and whether it is usable now."""
    rows = ["| model | family | source | status |", "|---|---|---|---|"]
    for spec in SPECS.values():
        ok, why = availability(spec.name)
        source = f"Hub: `{spec.source}`" if spec.hub else f"local: `{spec.source}`"
        rows.append(f"| **{spec.name}**: {spec.blurb} | {spec.family} | {source} | {'✅ available' if ok else '⛔ unavailable'}: {why} |")
    return "\n".join(rows)


def build_tab(demo: gr.Blocks) -> None:
    with gr.Tab("Home", id="home", elem_id="tab-home") as tab:
        gr.Markdown(ABOUT)
        device = gr.Markdown("**Device:** finding out…", elem_id="home-device")
        gr.Markdown("### Models")
        table = gr.Markdown("Checking which models are available…", elem_id="home-models")
    demo.load(models_table, None, table, api_name="home_models")
    demo.load(device_line, None, device, api_visibility="private")
    sync_url(tab, "home", {})


def device_line() -> str:
    """The device in words, for the header and this tab (finding it imports torch: after the first page)."""
    from playground.device import describe

    return f"**Device:** {describe()}"
