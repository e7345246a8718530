"""Priority classes and the Halfin-Whitt limit: the formulas beside the Erlang ones.

* Priorities, non-preemptive (Cobham 1954): ``W_k = W0 / ((1 - s_{k-1})(1 - s_k))``,
  ``s_k`` the load of classes ``1..k``; M/G/1 with ``W0 = sum lambda_i E[S_i^2] / 2``,
  M/M/c with common ``mu`` and ``W0 = C / (c mu)`` (:func:`optimise.erlang.erlang_c`).
* The Halfin-Whitt limit of square-root staffing (``c = a + beta sqrt(a)``,
  :func:`optimise.erlang.square_root_staffing`): ``P(wait > 0) -> 1 / (1 + beta Phi(beta) / phi(beta))``
  as ``a`` grows (Halfin & Whitt 1981).

Time is in minutes and rates are per minute throughout.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import log_ndtr   # scipy.stats.norm.logcdf's function, without importing scipy.stats

from .erlang import checked_count, checked_number, erlang_c


def _priority_waits(w0_min: float, loads: np.ndarray) -> list[float]:
    sigma = np.cumsum(loads)
    before = np.concatenate(([0.0], sigma[:-1]))
    return [float(w0_min / ((1 - s0) * (1 - s1))) if s1 < 1 else math.inf for s0, s1 in zip(before, sigma)]


def _rates(name: str, values: Sequence[float], positive: bool = False) -> np.ndarray:
    out = np.array([checked_number(f"{name}[{i}]", v, positive=positive) for i, v in enumerate(values)])
    if out.size == 0:
        raise ValueError(f"{name} must list at least one priority class")
    return out


def cobham_mmc_priority_waits_min(arrival_rates_per_min: Sequence[float], mean_work_min: float,
                                  servers: int) -> list[float]:
    """Mean wait per class (highest first), non-preemptive M/M/c with common work, minutes.

    A class whose cumulative load ``s_k = sum_{i<=k} lambda_i / (c mu)`` is >= 1
    gets ``inf``; classes above it keep finite waits (``C = 1`` then).

    Examples
    --------
    >>> [round(w, 4) for w in cobham_mmc_priority_waits_min([1.0, 1.0], 1.0, 3)]
    [0.2222, 0.6667]
    """
    lam = _rates("arrival_rates_per_min", arrival_rates_per_min)
    work = checked_number("mean_work_min", mean_work_min, positive=True)
    c = checked_count("servers", servers)
    if c == 0:
        return [math.inf if x > 0 else 0.0 for x in lam]
    c_mu = c / work
    return _priority_waits(erlang_c(c, lam.sum() * work) / c_mu, lam / c_mu)


def cobham_mg1_priority_waits_min(arrival_rates_per_min: Sequence[float], mean_work_min: Sequence[float],
                                  second_moment_work_min2: Sequence[float]) -> list[float]:
    """Mean wait per class (highest first), non-preemptive M/G/1, minutes.

    ``W0`` is the mean residual work found in service. In overload the server
    never idles and serves classes up to the first unstable one; ``W0`` then
    uses those classes' throughputs, so stable high classes keep finite waits.

    Examples
    --------
    >>> # exponential work, mean 1: E[S^2] = 2
    >>> [round(w, 4) for w in cobham_mg1_priority_waits_min([0.2, 0.3], [1.0, 1.0], [2.0, 2.0])]
    [0.625, 1.25]
    """
    lam = _rates("arrival_rates_per_min", arrival_rates_per_min)
    work = _rates("mean_work_min", mean_work_min, positive=True)
    second = _rates("second_moment_work_min2", second_moment_work_min2, positive=True)
    if not lam.size == work.size == second.size:
        raise ValueError("arrival rates, mean work and second moments must have one entry per class")
    if np.any(second < work**2 * (1 - 1e-12)):
        raise ValueError("second_moment_work_min2 must be >= mean_work_min**2 (variance >= 0)")
    loads = lam * work
    served = lam.copy()                                  # throughput per class
    sigma = np.cumsum(loads)
    if sigma[-1] >= 1:
        first_unstable = int(np.argmax(sigma >= 1))
        spare = 1 - (sigma[first_unstable - 1] if first_unstable else 0.0)
        served[first_unstable] = spare / work[first_unstable]
        served[first_unstable + 1:] = 0.0
    return _priority_waits(float(np.sum(served * second)) / 2, loads)


def halfin_whitt_delay_probability(beta: float) -> float:
    """Limit of P(wait > 0) under square-root staffing: ``1 / (1 + beta Phi(beta) / phi(beta))``.

    Examples
    --------
    >>> round(halfin_whitt_delay_probability(0.5), 4)
    0.5045
    """
    if not (math.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be > 0 (for beta <= 0 the limit system is unstable), got {beta!r}")
    log_phi = -0.5 * beta * beta - 0.5 * math.log(2 * math.pi)     # log of the standard normal density
    log_ratio = log_ndtr(beta) - log_phi
    return 1.0 / (1.0 + beta * math.exp(log_ratio)) if log_ratio < 700 else 0.0   # below 1e-300 beyond
