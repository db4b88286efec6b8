"""The names and limits the UI's widgets offer, importable without torch, so the first page builds fast. Each
is a copy of what a torch-based backend module defines (named beside it), and tests/unit/test_layers.py checks
that they agree. Model names and the 2-D shapes come from playground.registry, which is torch-free too.
"""

KDE_KERNELS = ("gaussian", "box", "triangular", "epanechnikov")  # playground.models.kde.KERNELS
DIFFUSION_SAMPLERS = ("ddpm", "ddim", "dpm++", "euler", "euler-ancestral")  # playground.models.diffusion.SAMPLERS
# playground.models.diffusion.MAX_STEPS: the most steps each sampler takes
DIFFUSION_MAX_STEPS = {"ddpm": 1000, "ddim": 1000, "dpm++": 500, "euler": 500, "euler-ancestral": 500}
FLOW_SOLVERS = ("euler", "midpoint", "heun")  # playground.models.flow_matching.SOLVERS
FLOW_MAX_STEPS, FLOW_MAX_PARTICLES = 200, 5000  # playground.tasks.flow_paths.MAX_STEPS, MAX_PARTICLES
MAX_SIDE = 4096  # playground.tasks.latent.MAX_SIDE: the most pixels on a side of a picture, drawn or uploaded
# playground.tasks.inverse_lab: PRIORS (the keys), METHODS, TASKS
INVERSE_PRIORS = ("MNIST digits (28x28 grey)", "CIFAR-10 photos (32x32 colour)",
                  "CIFAR-10 DDPM from the Hub (google/ddpm-cifar10-32)")
INVERSE_METHODS = ("DDNM (fast)", "RePaint (resampling)", "PixelCNN (binary digits)")
INVERSE_TASKS = ("Inpainting", "Colourization", "Super-resolution")
