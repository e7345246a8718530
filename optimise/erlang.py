"""Analytic queueing formulas for staffing: Erlang B / C / A, priorities, inverses.

Model
-----
Citizens arrive as a Poisson stream of rate ``lambda`` (per minute); each needs
exponential work of mean ``1/mu`` minutes; ``c`` identical staff serve one
FCFS queue. Offered load ``a = lambda/mu``, utilisation ``rho = a/c``.

* Erlang B, through the recursion ``B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))``
  (no factorials, so no overflow for thousands of staff).
* Erlang C (M/M/c), ``a < c``: ``C = c B / (c - a (1 - B))`` = P(wait > 0);
  ``Wq = C / (c mu - lambda)``; ``P(Wq <= t) = 1 - C exp(-(c mu - lambda) t)``.
* Erlang A (M/M/c+M): exponential patience of rate ``theta``. The number in
  the system is a birth-death chain (birth ``lambda``, death
  ``min(n, c) mu + max(n - c, 0) theta``) solved in log space and truncated
  where the tail is below 1e-12. P(wait > 0) = P(N >= c) (PASTA),
  P(abandon) = ``theta E[(N - c)+] / lambda``, mean wait over all arrivals =
  P(abandon) / theta (Garnett, Mandelbaum & Reiman 2002).
  Waiting-time tails use an exact identity of this chain: with
  ``x = lambda/theta`` and ``pi`` the stationary law,
  ``sum_k pi(c+k) P(S_k > t) = exp(-r t + x (1 - exp(-theta t))) sum_k pi(c+k) exp(-k theta t)``
  whenever ``S_k`` is a sum of exponentials of rates ``r, r + theta, ..., r + k theta``
  and ``pi(c+k)`` is proportional to ``x^k / prod_{i<=k} (r/theta + i)``.
  (Differentiate; both sides solve the same pure-death equations.)
* Erlang A service level (the convention of ``sim.metrics``): the share of
  *all* arrivals who are called with wait ``<= t``. Abandoning citizens count
  as failures, however early they leave. The offered ("virtual") wait
  ``P(V <= t)``, the wait a citizen with unlimited patience would have, is
  available as :meth:`ErlangAResult.offered_wait_cdf`.
* Square-root staffing ``c = ceil(a + beta sqrt(a))`` (the search's first guess); priorities (Cobham) and
  the Halfin-Whitt limit: :mod:`optimise.erlang_approx`.

Time is in minutes and rates are per minute throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .monotone import fewest_meeting

TAIL_TOLERANCE = 1e-12          # truncation of the Erlang A chain (probability mass left out)
MAX_CHAIN_STATES = 20_000_000   # beyond this the Erlang A queue is too long to hold in memory
MAX_SERVERS = 10_000_000        # search limit of the inverse staffing functions


def logsumexp(a) -> float:
    """``log(sum(exp(a)))`` by numpy's ``logaddexp`` reduction (the C ufunc; scipy's general
    ``logsumexp`` costs ~100 us a call in its array-API dispatch, and the staffing searches call it
    tens of thousands of times)."""
    return float(np.logaddexp.reduce(np.asarray(a, dtype=float), axis=None))


def checked_number(name: str, value: float, *, positive: bool = False) -> float:
    """``value`` as a finite float that is >= 0 (> 0 with ``positive``), else ValueError."""
    v = float(value)
    if not math.isfinite(v) or v < 0 or (positive and v == 0):
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '>= 0'}, got {value!r}")
    return v


def _optional(name: str, value: float | None, *, positive: bool = False) -> float | None:
    return None if value is None else checked_number(name, value, positive=positive)


def checked_count(name: str, value: int) -> int:
    """``value`` as a non-negative integer, else ValueError."""
    if isinstance(value, bool) or not float(value).is_integer() or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of M/M/c/c (Erlang B).

    Parameters
    ----------
    servers : int
        Staff on duty ``c >= 0``.
    offered_load : float
        ``a = lambda * mean work``, in erlangs (>= 0).

    Examples
    --------
    >>> round(erlang_b(10, 5.0), 6)
    0.018385
    >>> 0.0 < erlang_b(3000, 2900.0) < 1.0
    True
    """
    c = checked_count("servers", servers)
    a = checked_number("offered_load", offered_load)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """P(wait > 0) in M/M/c (Erlang C); 1.0 when ``offered_load >= servers``.

    With zero load and at least one server nobody waits (0.0).

    Examples
    --------
    >>> round(erlang_c(2, 1.0), 6)
    0.333333
    >>> erlang_c(3, 3.0)
    1.0
    """
    c = checked_count("servers", servers)
    a = checked_number("offered_load", offered_load)
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return min(1.0, c * b / (c - a * (1.0 - b)))


def _mmc(arrival_rate_per_min: float, mean_work_min: float, servers: int) -> tuple[float, float, int]:
    lam = checked_number("arrival_rate_per_min", arrival_rate_per_min)
    work = checked_number("mean_work_min", mean_work_min, positive=True)
    return lam, work, checked_count("servers", servers)


def mmc_mean_wait_min(arrival_rate_per_min: float, mean_work_min: float, servers: int) -> float:
    """Mean wait in queue ``Wq = C / (c mu - lambda)`` of M/M/c, minutes (inf if unstable).

    Examples
    --------
    >>> round(mmc_mean_wait_min(1.0, 1.0, 2), 6)   # C = 1/3, c mu - lambda = 1
    0.333333
    >>> mmc_mean_wait_min(2.0, 1.0, 2)
    inf
    """
    lam, work, c = _mmc(arrival_rate_per_min, mean_work_min, servers)
    if lam == 0:
        return 0.0
    drain_per_min = c / work - lam
    if drain_per_min <= 0:
        return math.inf
    return erlang_c(c, lam * work) / drain_per_min


def mmc_wait_cdf(arrival_rate_per_min: float, mean_work_min: float, servers: int, wait_min):
    """``P(Wq <= wait_min) = 1 - C exp(-(c mu - lambda) t)`` of M/M/c; 0 where unstable.

    ``wait_min`` may be a scalar or an array (then an array is returned).

    Examples
    --------
    >>> mmc_wait_cdf(1.0, 1.0, 2, [0.0, 1.0]).round(4).tolist()
    [0.6667, 0.8774]
    """
    lam, work, c = _mmc(arrival_rate_per_min, mean_work_min, servers)
    t = np.asarray(wait_min, dtype=float)
    if np.any(np.isnan(t) | (t < 0)):
        raise ValueError(f"wait_min must be >= 0, got {wait_min!r}")
    drain_per_min = c / work - lam
    if lam == 0:
        out = np.ones_like(t)
    elif drain_per_min <= 0:
        out = np.zeros_like(t)
    else:
        out = 1.0 - erlang_c(c, lam * work) * np.exp(-drain_per_min * t)
    return float(out) if out.ndim == 0 else out


def mmc_service_level(arrival_rate_per_min: float, mean_work_min: float, servers: int,
                      target_wait_min: float) -> float:
    """Share of citizens waiting at most ``target_wait_min`` in M/M/c (0.0 if unstable).

    Examples
    --------
    >>> round(mmc_service_level(4.0, 5.0, 22, 1.0), 4)
    0.6193
    """
    return float(mmc_wait_cdf(arrival_rate_per_min, mean_work_min, servers,
                              checked_number("target_wait_min", target_wait_min)))


@dataclass(frozen=True)
class ErlangAResult:
    """Steady state of M/M/c+M (Erlang A); build it with :func:`erlang_a`.

    Attributes
    ----------
    prob_wait : float
        P(an arrival finds all staff busy) = P(wait > 0).
    prob_abandon : float
        Share of arrivals who leave before being called.
    mean_wait_min : float
        Mean wait over all arrivals (abandoners: until they left), minutes.
    """

    prob_wait: float
    prob_abandon: float
    mean_wait_min: float
    servers: int
    arrival_rate_per_min: float
    mean_work_min: float
    patience_mean_min: float
    log_queue_probs: np.ndarray = field(repr=False, compare=False)  # log P(N = c + k), k = 0, 1, ...

    def _log_tail(self, rate_per_min: float, weights_log: np.ndarray, t: float) -> float:
        # The identity in the module docstring, in log space.
        theta = 1.0 / self.patience_mean_min
        k = np.arange(self.log_queue_probs.size)
        x = self.arrival_rate_per_min / theta
        return (-rate_per_min * t - x * math.expm1(-theta * t)
                + float(logsumexp(self.log_queue_probs + weights_log - k * theta * t)))

    def offered_wait_cdf(self, wait_min: float) -> float:
        """``P(V <= wait_min)``, V the wait of a citizen who would never abandon.

        Examples
        --------
        >>> r = erlang_a(4.0, 5.0, 22, patience_mean_min=10.0)
        >>> r.offered_wait_cdf(0.0) == 1.0 - r.prob_wait
        True
        """
        t = checked_number("wait_min", wait_min)
        if self.prob_wait == 0.0 or self.servers == 0:
            return 1.0 if self.prob_wait == 0.0 else 0.0
        c_mu = self.servers / self.mean_work_min
        return min(1.0, max(0.0, -math.expm1(self._log_tail(c_mu, 0.0, t))))

    def service_level(self, target_wait_min: float) -> float:
        """Share of all arrivals called with a wait ``<= target_wait_min``.

        Abandoning citizens count as not served in time (as in ``sim.metrics``).
        A citizen with ``k`` waiting ahead is called after a sum of exponentials
        of rates ``c mu + theta, ..., c mu + (k + 1) theta`` (own patience racing)
        with probability ``c mu / (c mu + (k + 1) theta)``.

        Examples
        --------
        >>> r = erlang_a(4.0, 5.0, 22, patience_mean_min=10.0)
        >>> round(r.service_level(0.0), 12) == round(1 - r.prob_wait, 12)
        True
        >>> r.service_level(1e6) <= 1 - r.prob_abandon + 1e-12
        True
        """
        t = checked_number("target_wait_min", target_wait_min)
        if self.prob_wait == 0.0:
            return 1.0
        if self.servers == 0:
            return 0.0
        theta = 1.0 / self.patience_mean_min
        c_mu = self.servers / self.mean_work_min
        k = np.arange(self.log_queue_probs.size)
        log_called = np.log(c_mu) - np.log(c_mu + (k + 1) * theta)
        called_after_waiting = math.exp(float(logsumexp(self.log_queue_probs + log_called)))
        called_after_t = math.exp(self._log_tail(c_mu + theta, log_called, t))
        return min(1.0, max(0.0, 1.0 - self.prob_wait + called_after_waiting - called_after_t))


def erlang_a(arrival_rate_per_min: float, mean_work_min: float, servers: int,
             patience_mean_min: float) -> ErlangAResult:
    """Erlang A (M/M/c+M): waiting and abandonment with exponential patience.

    Parameters
    ----------
    arrival_rate_per_min, mean_work_min : float
        Poisson arrival rate and mean exponential work.
    servers : int
        Staff on duty (may be 0: everyone abandons).
    patience_mean_min : float
        Mean exponential patience, finite and > 0 (for unlimited patience use
        the Erlang C functions).

    Examples
    --------
    >>> r = erlang_a(4.0, 5.0, 22, patience_mean_min=10.0)
    >>> round(r.prob_wait, 4), round(r.prob_abandon, 4), round(r.mean_wait_min, 3)
    (0.4067, 0.0373, 0.373)
    >>> abs(r.mean_wait_min - 10.0 * r.prob_abandon) < 1e-12
    True
    """
    lam, work, c = _mmc(arrival_rate_per_min, mean_work_min, servers)
    patience = checked_number("patience_mean_min", patience_mean_min, positive=True)
    if lam == 0:
        return ErlangAResult(0.0, 0.0, 0.0, c, lam, work, patience, np.array([-np.inf]))
    mu, theta = 1.0 / work, 1.0 / patience
    # n < c: log pi(n) - log pi(0) = sum_{i<=n} log(lambda / (i mu)).
    log_low = np.concatenate(([0.0], np.cumsum(np.log(lam / mu) - np.log(np.arange(1.0, c + 1)))))
    if (lam - c * mu) / theta > MAX_CHAIN_STATES:      # the queue settles near (lambda - c mu) / theta
        raise ValueError(f"Erlang A queue too long to compute (> {MAX_CHAIN_STATES} waiting): "
                         "patience is very long for an overloaded system; use a shorter patience")
    pieces, k_next, chunk = [np.array([log_low[-1]])], 1, 256
    while True:
        k = np.arange(k_next, k_next + chunk, dtype=float)
        pieces.append(pieces[-1][-1] + np.cumsum(np.log(lam) - np.log(c * mu + k * theta)))
        k_next += chunk
        ratio = lam / (c * mu + k_next * theta)     # next-term ratio; decreasing in k
        if ratio < 1:
            log_total = logsumexp(np.concatenate((log_low[:-1], *pieces)))
            log_rest = pieces[-1][-1] + math.log(ratio) - math.log1p(-ratio)
            if log_rest < log_total + math.log(TAIL_TOLERANCE):
                break
        if k_next > MAX_CHAIN_STATES:
            raise ValueError(f"Erlang A queue too long to compute (> {MAX_CHAIN_STATES} waiting)")
        chunk *= 2
    log_queue = np.concatenate(pieces)
    log_queue -= log_total
    log_queue.flags.writeable = False
    prob_wait = min(1.0, math.exp(float(logsumexp(log_queue))))
    k = np.arange(1, log_queue.size)
    mean_queue = math.exp(float(logsumexp(log_queue[1:] + np.log(k)))) if k.size else 0.0
    prob_abandon = min(1.0, theta * mean_queue / lam)
    return ErlangAResult(prob_wait, prob_abandon, prob_abandon * patience, c, lam, work, patience, log_queue)


def square_root_staffing(offered_load: float, beta: float) -> int:
    """Staff ``ceil(a + beta sqrt(a))`` (never below 0).

    Examples
    --------
    >>> square_root_staffing(100.0, 0.5)
    105
    >>> square_root_staffing(20.0, 1.0)
    25
    """
    a = checked_number("offered_load", offered_load)
    if not math.isfinite(beta):
        raise ValueError(f"beta must be finite, got {beta!r}")
    # The small allowance keeps a + beta sqrt(a) = 105.00000000000001 at 105.
    return max(0, math.ceil(a + beta * math.sqrt(a) - 1e-9))


def min_servers_for_service_level(arrival_rate_per_min: float, mean_work_min: float,
                                  target_wait_min: float | None, target_fraction: float | None,
                                  patience_mean_min: float | None = None, *,
                                  max_mean_wait_min: float | None = None,
                                  max_abandon_fraction: float | None = None,
                                  start: int | None = None) -> int:
    """Fewest staff meeting every given target, by Erlang C (or Erlang A with patience).

    Targets (all that are given must hold):

    * service level: the share of arrivals called within ``target_wait_min`` is
      ``>= target_fraction`` (Erlang A: abandoners count as failures; see
      :meth:`ErlangAResult.service_level`). Pass ``None`` for both to skip it.
    * ``max_mean_wait_min``: mean wait over all arrivals.
    * ``max_abandon_fraction``: needs ``patience_mean_min``.

    Zero demand needs 0 staff. Every criterion improves with more staff, so
    the answer is bracketed by galloping from ``start`` (e.g. the previous
    period's answer) or from the square-root staffing guess, then bisected
    (:func:`optimise.monotone.fewest_meeting`); the answer does not depend on
    the start, only the number of Erlang evaluations does.

    Examples
    --------
    >>> min_servers_for_service_level(4.0, 5.0, 1.0, 0.8)     # 80% within 1 minute
    24
    >>> min_servers_for_service_level(4.0, 5.0, 1.0, 0.8, patience_mean_min=10.0)
    22
    >>> min_servers_for_service_level(0.0, 5.0, 1.0, 0.8)
    0
    """
    lam = checked_number("arrival_rate_per_min", arrival_rate_per_min)
    work = checked_number("mean_work_min", mean_work_min, positive=True)
    if (target_wait_min is None) != (target_fraction is None):
        raise ValueError("give target_wait_min and target_fraction together (or neither)")
    t = _optional("target_wait_min", target_wait_min)
    frac = _optional("target_fraction", target_fraction, positive=True)
    max_wait = _optional("max_mean_wait_min", max_mean_wait_min, positive=True)
    max_abandon = _optional("max_abandon_fraction", max_abandon_fraction, positive=True)
    patience = _optional("patience_mean_min", patience_mean_min, positive=True)
    if (frac or 0) >= 1 or (max_abandon or 0) >= 1:
        raise ValueError("target_fraction and max_abandon_fraction must be < 1 (never met exactly)")
    if max_abandon is not None and patience is None:
        raise ValueError("max_abandon_fraction needs patience_mean_min (without patience nobody abandons)")
    if t is None and max_wait is None and max_abandon is None:
        raise ValueError("give at least one target")
    if lam == 0:
        return 0

    def meets(c: int) -> bool:
        if patience is None:
            if c <= lam * work:
                return False
            return ((t is None or mmc_service_level(lam, work, c, t) >= frac)
                    and (max_wait is None or mmc_mean_wait_min(lam, work, c) <= max_wait))
        r = erlang_a(lam, work, c, patience)
        return ((t is None or r.service_level(t) >= frac)
                and (max_wait is None or r.mean_wait_min <= max_wait)
                and (max_abandon is None or r.prob_abandon <= max_abandon))

    guess = start if start is not None and checked_count("start", start) > 0 else \
        max(1, square_root_staffing(lam * work, 1.0))
    c = fewest_meeting(meets, 0, MAX_SERVERS, start=guess)
    if c is None:
        raise ValueError(f"no staffing up to {MAX_SERVERS} meets the targets")
    return c
