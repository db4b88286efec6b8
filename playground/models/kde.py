"""Kernel density estimation (Parzen windows, Rosenblatt 1956 / Parzen 1962) in 1-D and 2-D, in torch.

Small data: the exact sum over points. Large data: linear binning + FFT convolution (Wand 1994, the
method KDEpy's FFTKDE uses); in 1-D the compact kernels are summed exactly from sorted prefix sums.
The bandwidth h is the kernel's standard deviation for every kernel (KDEpy's convention); in 2-D the
kernel is the product of two 1-D kernels with bandwidths (h_x, h_y).
"""
import math

import numpy as np
import torch

SQRT_2PI = math.sqrt(2 * math.pi)
# Half-width of each unit-variance kernel's support ("a" below); the Gaussian's is infinite.
SUPPORT = {"gaussian": math.inf, "box": math.sqrt(3), "triangular": math.sqrt(6), "epanechnikov": math.sqrt(5)}
KERNELS = tuple(SUPPORT)
EXACT_LIMIT = {1: 20_000, 2: 4_000}  # at most this many points are summed exactly on the grid
METHOD_EXACT = "exact sum over all points"
METHOD_SORTED = "exact, from sorted prefix sums"
METHOD_BINNED = "linear binning + FFT convolution"


def kernel_pdf(kernel: str, u: torch.Tensor) -> torch.Tensor:
    """Density of the unit-variance kernel at u."""
    if kernel == "gaussian":
        return torch.exp(-0.5 * (u * u).clamp(max=160.0)) / SQRT_2PI  # clamp: exp below -87 is slow on CPU
    if kernel not in SUPPORT:
        raise ValueError(f"Unknown kernel '{kernel}'. Choose one of {', '.join(KERNELS)}.")
    a = SUPPORT[kernel]
    r = u.abs() / a
    if kernel == "box":
        return (r <= 1).to(u.dtype) / (2 * a)
    if kernel == "triangular":
        return (1 - r).clamp(min=0) / a
    return 0.75 * (1 - r * r).clamp(min=0) / a  # epanechnikov


def scaled_kernel(kernel: str, offsets: torch.Tensor, h: float) -> torch.Tensor:
    """K_h(offsets) = K(offsets / h) / h."""
    return kernel_pdf(kernel, offsets / h) / h


def check_bandwidth(h, dim: int) -> tuple[float, ...]:
    """Bandwidth as a tuple of `dim` positive finite floats (a scalar is used on every axis)."""
    hs = tuple(float(v) for v in np.broadcast_to(np.asarray(h, dtype=float), (dim,)))
    if not all(math.isfinite(v) and v > 0 for v in hs):
        raise ValueError(f"The bandwidth must be a positive finite number, got {h}.")
    return hs


class KDE:
    """A kernel density estimate of fixed data on a fixed grid; caches what a bandwidth change reuses."""

    def __init__(self, data, lo, hi, size, device=None):
        x = np.asarray(data, dtype=np.float64)
        x = x.reshape(-1, 1) if x.ndim == 1 else x
        if x.ndim != 2 or x.shape[1] not in (1, 2) or len(x) == 0:
            raise ValueError("KDE needs a non-empty array of 1-D or 2-D points.")
        self.n, self.dim = x.shape
        self.device = torch.device(device or "cpu")
        self.data = x
        self.x = torch.as_tensor(x, device=self.device)  # (N, d) float64
        lo, hi, size = (np.broadcast_to(np.asarray(v), (self.dim,)) for v in (lo, hi, size))
        self.axes = [torch.linspace(float(a), float(b), int(g), dtype=torch.float64, device=self.device)
                     for a, b, g in zip(lo, hi, size)]
        self.steps = [float(ax[1] - ax[0]) for ax in self.axes]
        self._bins_fft = None  # rfft of the binned counts, kept across bandwidth changes
        self._prefix = None  # sorted data and prefix sums of 1, x, x^2 (1-D compact kernels)

    def method(self, kernel: str) -> str:
        """Which algorithm `evaluate` uses for this kernel (stated in the UI)."""
        if self.n <= EXACT_LIMIT[self.dim]:
            return METHOD_EXACT
        if self.dim == 1 and kernel != "gaussian":
            return METHOD_SORTED
        return METHOD_BINNED

    def evaluate(self, h, kernel: str = "gaussian") -> torch.Tensor:
        """Density on the grid: (G,) in 1-D, (Gx, Gy) in 2-D (x first)."""
        hs = check_bandwidth(h, self.dim)
        method = self.method(kernel)
        if method == METHOD_EXACT:
            return self._exact_on_grid(hs, kernel)
        if method == METHOD_SORTED:
            return self._sorted_on_grid(hs[0], kernel)
        return self._binned_on_grid(hs, kernel)

    def components(self, h, kernel: str = "gaussian") -> torch.Tensor:
        """Each point's scaled kernel K_h(g - x_i) / N on the 1-D grid: (N, G); they sum to the estimate."""
        hs = check_bandwidth(h, 1)
        return scaled_kernel(kernel, self.axes[0][None, :] - self.x[:, :1], hs[0]) / self.n

    def log_density(self, points, h, kernel: str = "gaussian", floor: float = 1e-300) -> torch.Tensor:
        """log p(points) (M,), exact for small data, linearly interpolated from the grid for large data."""
        q = torch.as_tensor(np.asarray(points, dtype=np.float64).reshape(-1, self.dim), device=self.device)
        hs = check_bandwidth(h, self.dim)
        if self.n > EXACT_LIMIT[self.dim]:
            return self.interpolate(self.evaluate(hs, kernel), q).clamp(min=floor).log()
        return exact_log_density(q, self.x, hs, kernel, floor)

    # -- the three algorithms -------------------------------------------------------------
    def _exact_on_grid(self, hs, kernel):
        # Product kernel: p(gx, gy) = 1/N sum_i Kx(gx - x_i) Ky(gy - y_i) = Kx^T Ky / N, a matmul.
        k = [scaled_kernel(kernel, ax[None, :] - self.x[:, j:j + 1], hs[j]) for j, ax in enumerate(self.axes)]
        if self.dim == 1:
            return k[0].sum(0) / self.n
        return k[0].T @ k[1] / self.n

    def _sorted_on_grid(self, h, kernel):
        # Compact kernels are polynomials in (g - x_i) on |g - x_i| <= a h: sums over the window come
        # from prefix sums of 1, x, x^2 over the sorted data, exactly, in O(G log N).
        if self._prefix is None:
            xs = torch.as_tensor(np.sort(self.data[:, 0]), device=self.device)
            zero = torch.zeros(1, dtype=torch.float64, device=self.device)
            self._prefix = (xs, *(torch.cat([zero, torch.cumsum(xs ** p, 0)]) for p in (1, 2)))
        xs, s1, s2 = self._prefix
        g, a = self.axes[0], SUPPORT[kernel] * h
        left = torch.searchsorted(xs, g - a, right=False)
        right = torch.searchsorted(xs, g + a, right=True)
        if kernel == "box":
            return (right - left).to(torch.float64) / (2 * a * self.n)
        if kernel == "epanechnikov":
            count, sx, sxx = right - left, s1[right] - s1[left], s2[right] - s2[left]
            quad = count * g * g - 2 * g * sx + sxx  # sum of (g - x_i)^2 over the window
            return 0.75 * (count - quad / (a * a)) / (a * self.n)
        # triangular: sum (1 - |g - x_i| / a), split at g into points left and right of it.
        mid = torch.searchsorted(xs, g, right=True)
        n_l, n_r = mid - left, right - mid
        dist_l = n_l * g - (s1[mid] - s1[left])
        dist_r = (s1[right] - s1[mid]) - n_r * g
        return ((n_l + n_r) - (dist_l + dist_r) / a) / (a * self.n)

    def _binned_on_grid(self, hs, kernel):
        sizes = [len(ax) for ax in self.axes]
        fft_shape = [2 * g for g in sizes]  # 2G >= G + reach: the circular convolution never wraps
        if self._bins_fft is None:
            x = self.x
            lo = torch.stack([ax[0] for ax in self.axes])
            hi = torch.stack([ax[-1] for ax in self.axes])
            # Per column: aminmax over dim 0 of an (N, d) tensor is 20x slower than over a vector.
            off_grid = any(bool(a < lo[j]) or bool(b > hi[j]) for j, (a, b) in
                           enumerate(torch.aminmax(x[:, j]) for j in range(self.dim)))
            if off_grid:  # far tails off the grid add nothing on it
                x = x[((x >= lo) & (x <= hi)).all(1)]
            self._bins_fft = torch.fft.rfftn(linear_binning(x, self.axes), s=fft_shape)
        kernel_grid = None
        for j, (g, step) in enumerate(zip(sizes, self.steps)):
            # Circular layout: offsets 0..G-1, then -G..-1; the -G slot stays 0 so nothing wraps.
            index = torch.arange(2 * g, device=self.device)
            offsets = torch.where(index < g, index, index - 2 * g).to(torch.float64) * step
            k = torch.where(index == g, 0.0, scaled_kernel(kernel, offsets, hs[j]) * step)
            shape = [1] * self.dim
            shape[j] = 2 * g
            k = k.reshape(shape)
            kernel_grid = k if kernel_grid is None else kernel_grid * k
        conv = torch.fft.irfftn(self._bins_fft * torch.fft.rfftn(kernel_grid, s=fft_shape), s=fft_shape)
        out = conv[tuple(slice(0, g) for g in sizes)]
        return out.clamp(min=0) / (self.n * math.prod(self.steps))

    def interpolate(self, grid_density, q: torch.Tensor) -> torch.Tensor:
        """Linear (bilinear in 2-D) interpolation of grid values at points q (M, d); 0 off the grid."""
        idx, frac, inside = [], [], torch.ones(len(q), dtype=torch.bool, device=self.device)
        for j, ax in enumerate(self.axes):
            t = (q[:, j] - ax[0]) / self.steps[j]
            inside &= (t >= 0) & (t <= len(ax) - 1)
            i = t.floor().clamp(0, len(ax) - 2).long()
            idx.append(i)
            frac.append((t - i).clamp(0, 1))
        if self.dim == 1:
            d = grid_density
            val = d[idx[0]] * (1 - frac[0]) + d[idx[0] + 1] * frac[0]
        else:
            (i, j), (u, v), d = idx, frac, grid_density
            val = ((d[i, j] * (1 - v) + d[i, j + 1] * v) * (1 - u) + (d[i + 1, j] * (1 - v) + d[i + 1, j + 1] * v) * u)
        return torch.where(inside, val, 0.0)


def linear_binning(x: torch.Tensor, axes) -> torch.Tensor:
    """Share each point's unit mass between its neighbouring grid nodes, linearly; returns counts.

    Written for speed at a million points: float32, in-place arithmetic (fresh 4 MB buffers cost
    page faults), and per axis one unweighted plus one weighted bincount instead of 2^d scatters.
    """
    sizes = [len(ax) for ax in axes]
    padded = [g + 1 for g in sizes]  # one spare node past the end absorbs the (zero) right weight
    index, fracs = None, []
    for j, ax in enumerate(axes):
        step, start = float(ax[1] - ax[0]), float(ax[0])
        t = x[:, j].to(torch.float32, copy=True)
        t.mul_(1.0 / step).sub_(start / step).clamp_(0, sizes[j] - 1)
        i = t.int()  # t >= 0, so truncation is the floor; int32 bincounts are 1.5x faster than int64
        index = i if index is None else index.mul_(padded[j]).add_(i)
        fracs.append(t.frac_())  # w = t - floor(t), the share of the right-hand node
    total = math.prod(padded)

    def sums(weights=None):
        return torch.bincount(index, weights=weights, minlength=total).to(torch.float64).reshape(padded)

    if len(axes) == 1:
        ones, right = sums(), sums(fracs[0])
        counts = ones - right
        counts[1:] += right[:-1]
        return counts[:-1]
    wx, wy = fracs
    s0, sx, sy, sxy = sums(), sums(wx), sums(wy), sums(wx * wy)
    counts = s0 - sx - sy + sxy  # corner (0, 0): (1 - wx)(1 - wy)
    counts[1:, :] += (sx - sxy)[:-1, :]  # corner (1, 0): wx (1 - wy)
    counts[:, 1:] += (sy - sxy)[:, :-1]  # corner (0, 1): (1 - wx) wy
    counts[1:, 1:] += sxy[:-1, :-1]  # corner (1, 1): wx wy
    return counts[:-1, :-1]


def exact_log_density(q: torch.Tensor, x: torch.Tensor, hs, kernel: str, floor: float = 1e-300,
                      exclude_self: bool = False, chunk: int = 512) -> torch.Tensor:
    """log (1/N sum_i prod_d K_h(q_d - x_id)) for query points q (M, d) and data x (N, d), exactly.

    `exclude_self` drops the i = m term (q is x), giving leave-one-out densities.
    """
    n = len(x) - (1 if exclude_self else 0)
    out = []
    for start in range(0, len(q), chunk):
        qc = q[start:start + chunk]
        scale = torch.as_tensor(hs, dtype=x.dtype, device=x.device)
        if kernel == "gaussian":
            logk = -0.5 * torch.cdist(qc / scale, x / scale).square()  # (m, N), via a matmul
            if exclude_self:
                rows = torch.arange(len(qc), device=x.device)
                logk[rows, rows + start] = -math.inf
            val = torch.logsumexp(logk, 1) - len(hs) * math.log(SQRT_2PI)
        else:
            u = (qc[:, None, :] - x[None, :, :]) / scale  # (m, N, d)
            k = kernel_pdf(kernel, u).prod(-1)
            if exclude_self:
                rows = torch.arange(len(qc), device=x.device)
                k[rows, rows + start] = 0.0
            val = k.sum(1).clamp(min=floor).log()
        out.append(val - math.log(n) - sum(math.log(h) for h in hs))
    return torch.cat(out).clamp(min=math.log(floor))
