"""Scenario inputs estimated from a ticket log (input analysis; the model is never touched).

Estimators (every figure keeps its sample size ``n``):

* **Daily volume by weekday.** Walk-in tickets (no appointment slot) per
  day. ``daily_volume`` is the mean of the weekday means; the factor of
  weekday *k* is its mean over ``daily_volume``, with a t interval on the
  weekday mean (the overall mean is treated as known). Day-to-day
  variability: with expected count E_d = daily_volume * factor, a Poisson
  count with a Gamma(1, cv) day factor has Var(N/E) = 1/E + cv^2, so
  ``volume_cv^2 = max(0, var(N_d/E_d) - mean(1/E_d))`` (moment estimator).
* **Opening batch.** Share of walk-ins ticketed exactly at opening.
* **Profile** (over all services, and per service type). Share of the other walk-ins issued in each slot (a ticket
  issued exactly at a reopening belongs to the closed period before it, when
  arrivals wait); conditionally on the total the counts are multinomial, so
  each share has an exact binomial (Clopper-Pearson) interval.
* **Mix, classes, step probabilities, appointment no-shows.** Proportions
  with Clopper-Pearson intervals (``scipy.stats.binomtest``).
* **Work time per service and step.** Finish minus call of served rows.
  Lognormal, gamma and exponential (location 0) are fitted by maximum
  likelihood (``scipy.stats.<dist>.fit``), the smallest AIC = 2k - 2 log L
  is chosen, and its Kolmogorov-Smirnov statistic is reported (its p-value
  is optimistic: the parameters were estimated from the same data). The
  mean has a t interval; the CV an exact chi-square interval when the fit is
  lognormal, else a percentile bootstrap interval.
* **Patience.** Time from ticket to leaving (过号/取消: an event) or to the
  first call (right-censored: they would have waited at least that long;
  unserved tickets are censored at the day's last finish). Kaplan-Meier
  (``scipy.stats.ecdf`` on ``CensoredData``) and censored maximum likelihood
  among the three families (AIC on log L = sum log f(events) + sum log S(censored)).
  The naive mean of the leavers' waits is shown beside it: it is biased low.
* **Staffing seen.** Distinct windows with a call, per interval and station,
  averaged over days; distinct staff per day and station.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .schema import CANCELLED, NO_SHOW, SERVED, UNSERVED

FAMILIES = {"lognormal": (stats.lognorm, 2), "gamma": (stats.gamma, 2), "exponential": (stats.expon, 1)}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LEFT = (NO_SHOW, CANCELLED)
MIN_SAMPLE = 5


@dataclass
class FitResult:
    """Everything fitted from a log (frames keep the sample sizes)."""

    days: pd.DataFrame            # date, weekday, walk_ins, appointments
    weekdays: pd.DataFrame        # weekday, days, mean, factor, factor_lo, factor_hi
    daily_volume: float
    volume_cv: float
    batch_share: float
    batch_n: int
    profile: pd.DataFrame         # start_min, end_min, n, share, lo, hi
    mix: pd.DataFrame             # service, n, share, lo, hi
    classes: pd.DataFrame         # klass, n, share, lo, hi
    work: pd.DataFrame            # service, step, station, n, probability(+lo, hi), family, mean_min, cv, ...
    work_samples: dict            # (service, step) -> durations (for the report)
    patience: dict                # events, censored, km_median, family, mean_min, cv, naive_mean_min, ...
    patience_km: object           # scipy ECDFResult (or None)
    no_show: dict                 # booked, missed, share, lo, hi
    staffing: pd.DataFrame        # interval_min, station, windows_active (mean over days), days
    staff_per_day: pd.DataFrame   # date, station, staff
    profile_by_service: pd.DataFrame | None = None  # service, start_min, end_min, n, share, lo, hi
    sessions: list = field(default_factory=list)   # [(start_min, end_min)] seen or given
    n_tickets: int = 0
    n_rows: int = 0


def ci_share(k: int, n: int) -> tuple[float, float, float]:
    """Share k/n with its exact 95% interval (Clopper-Pearson)."""
    if n == 0:
        return np.nan, np.nan, np.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci()
    return k / n, ci.low, ci.high


def tickets_of(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per ticket: service, class, slot, issue, first call, outcome, leave time."""
    has = rows[rows["issue_min"].notna()].sort_values(["date", "ticket", "step"])
    has = has.assign(is_served=has["status"] == SERVED)
    g = has.groupby(["date", "ticket"], sort=False)
    served_any = g["is_served"].max()
    out = g.agg(service=("service", "first"), klass=("klass", "first"), slot_min=("slot_min", "first"),
                issue_min=("issue_min", "first"), first_call_min=("call_min", "first"),
                status=("status", "first")).reset_index()
    out["served"] = served_any.to_numpy()
    out.loc[out["served"], "status"] = SERVED
    out["appointment"] = out["slot_min"].notna()
    return out


def _t_interval(x: np.ndarray) -> tuple[float, float]:
    if len(x) < 2 or np.std(x) == 0:
        return float(np.mean(x)), float(np.mean(x))
    ci = stats.ttest_1samp(x, 0.0).confidence_interval()
    return float(ci.low), float(ci.high)


def fit_volumes(tickets: pd.DataFrame, missed_by_day: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame, float, float]:
    walk = tickets[~tickets["appointment"]].groupby("date").size()
    appt = tickets[tickets["appointment"]].groupby("date").size()
    dates = sorted(set(tickets["date"]) | set(missed_by_day.index))
    days = pd.DataFrame({"date": dates})
    days["weekday"] = [WEEKDAYS[d.weekday()] for d in days["date"]]
    days["walk_ins"] = walk.reindex(dates, fill_value=0).to_numpy()
    days["appointments"] = appt.reindex(dates, fill_value=0).to_numpy()
    per = days.groupby("weekday", sort=False)["walk_ins"]
    means = per.mean()
    daily = float(means.mean())
    rows = []
    for wd in [w for w in WEEKDAYS if w in means.index]:
        x = days.loc[days["weekday"] == wd, "walk_ins"].to_numpy(float)
        lo, hi = _t_interval(x)
        rows.append({"weekday": wd, "days": len(x), "mean": x.mean(), "factor": x.mean() / daily,
                     "factor_lo": lo / daily, "factor_hi": hi / daily})
    weekdays = pd.DataFrame(rows)
    expected = days["weekday"].map(means).to_numpy(float)
    ratio = days["walk_ins"].to_numpy(float) / expected
    cv2 = np.var(ratio, ddof=1) - np.mean(1.0 / expected) if len(days) > 2 else 0.0
    return days, weekdays, daily, float(np.sqrt(max(cv2, 0.0)))


def default_slots(sessions: list[tuple[float, float]], last_ticket_min: float) -> list[tuple[float, float]]:
    """Hour-aligned slots in each session up to the last ticket, and one slot per closed gap."""
    slots = []
    for k, (a, b) in enumerate(sessions):
        if k > 0 and a > sessions[k - 1][1]:
            slots.append((sessions[k - 1][1], a))
        b = min(b, last_ticket_min)
        t = a
        while t < b:
            nxt = min(b, (np.floor(t / 60.0) + 1) * 60.0)
            slots.append((t, nxt))
            t = nxt
    return slots


def fit_profile(walk: pd.DataFrame, slots, sessions, reopen_waits: bool = True) -> tuple[pd.DataFrame, float, int]:
    open_min = sessions[0][0]
    t = walk["issue_min"].to_numpy(float).copy()
    batch = np.isclose(t, open_min, atol=1e-6)
    if reopen_waits:
        for a, _ in sessions[1:]:
            t[np.isclose(t, a, atol=1e-6)] = a - 1e-6
    t = t[~batch]
    rows = []
    for a, b in slots:
        rows.append({"start_min": a, "end_min": b, "n": int(((t >= a) & (t < b)).sum())})
    prof = pd.DataFrame(rows)
    total = int(prof["n"].sum())
    shares = [ci_share(k, total) for k in prof["n"]]
    prof["share"], prof["lo"], prof["hi"] = zip(*shares) if shares else ([], [], [])
    return prof, float(batch.mean()) if len(batch) else 0.0, int(batch.sum())


def _shares(values: pd.Series, name: str) -> pd.DataFrame:
    counts = values.value_counts()
    n = int(counts.sum())
    rows = [{name: k, "n": int(v), **dict(zip(("share", "lo", "hi"), ci_share(int(v), n)))} for k, v in counts.items()]
    return pd.DataFrame(rows)


def fit_family(x: np.ndarray, censored: np.ndarray | None = None) -> dict:
    """Fit lognormal, gamma and exponential (location 0) by ML; pick the smallest AIC.

    ``censored``: right-censored observations (then ``x`` are the events and
    the fit uses ``scipy.stats.CensoredData``).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> fit = fit_family(rng.lognormal(1.5, 0.5, 2000))
    >>> fit["family"], round(fit["mean_min"], 1)
    ('lognormal', 5.1)
    """
    x = np.maximum(np.asarray(x, float), 1.0 / 60.0)
    data = x if censored is None else stats.CensoredData(uncensored=x, right=np.asarray(censored, float))
    fits = {}
    for name, (dist, k) in FAMILIES.items():
        try:
            params = dist.fit(data, floc=0)
        except (ValueError, RuntimeError, FloatingPointError):
            continue
        frozen = dist(*params)
        ll = frozen.logpdf(x).sum() + (0.0 if censored is None else frozen.logsf(censored).sum())
        if np.isfinite(ll):
            fits[name] = (2 * k - 2 * ll, frozen, params)
    best = min(fits, key=lambda n: fits[n][0])
    aic, frozen, params = fits[best]
    mean = float(frozen.mean())
    out = {"family": best, "mean_min": mean, "cv": float(frozen.std() / mean),
           "aic": {n: float(v[0]) for n, v in fits.items()}, "params": tuple(float(p) for p in params)}
    if censored is None:
        out["ks"] = float(stats.kstest(x, frozen.cdf).statistic)
    return out


def _cv(x, axis=-1):
    return np.std(x, axis=axis, ddof=1) / np.mean(x, axis=axis)


def _cv_interval(x: np.ndarray, family: str, rng) -> tuple[float, float]:
    """95% interval of the CV: exact for a lognormal (chi-square on the variance of log x,
    cv = sqrt(exp(sigma^2) - 1)), else a percentile bootstrap of the sample CV."""
    if family == "lognormal":
        n, s2 = len(x), np.var(np.log(x), ddof=1)
        lo, hi = (n - 1) * s2 / stats.chi2.ppf([0.975, 0.025], n - 1)
        return float(np.sqrt(np.expm1(lo))), float(np.sqrt(np.expm1(hi)))
    boot = stats.bootstrap((x,), _cv, n_resamples=300, method="percentile", rng=rng, vectorized=True)
    return float(boot.confidence_interval.low), float(boot.confidence_interval.high)


def fit_work(rows: pd.DataFrame, served_tickets: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    served = rows[(rows["status"] == SERVED) & rows["call_min"].notna() & rows["finish_min"].notna()]
    reached = served_tickets.groupby("service").size()
    rng = np.random.default_rng(seed)
    out, samples = [], {}
    for (svc, step), g in served.groupby(["service", "step"]):
        x = (g["finish_min"] - g["call_min"]).to_numpy(float)
        x = x[x > 0]
        n_tickets = g[["date", "ticket"]].drop_duplicates().shape[0]
        p, plo, phi = ci_share(min(n_tickets, int(reached.get(svc, n_tickets))), int(reached.get(svc, n_tickets)))
        row = {"service": svc, "step": int(step), "station": g["station"].mode().iloc[0], "n": len(x),
               "probability": p, "probability_lo": plo, "probability_hi": phi}
        if len(x) >= MIN_SAMPLE:
            fit = fit_family(x)
            lo, hi = _t_interval(x)
            cv_lo, cv_hi = _cv_interval(x, fit["family"], rng)
            row.update({"family": fit["family"], "mean_min": fit["mean_min"], "cv": fit["cv"], "ks": fit["ks"],
                        "sample_mean_min": float(x.mean()), "mean_lo": lo, "mean_hi": hi,
                        "cv_lo": cv_lo, "cv_hi": cv_hi,
                        **{f"aic_{k}": v for k, v in fit["aic"].items()}})
            samples[(svc, int(step))] = x
        out.append(row)
    return pd.DataFrame(out), samples


def fit_patience(tickets: pd.DataFrame, day_end: pd.Series) -> tuple[dict, object]:
    left = tickets["status"].isin(LEFT) & tickets["first_call_min"].notna()
    called = tickets["served"]
    unserved = tickets["status"] == UNSERVED
    events = (tickets.loc[left, "first_call_min"] - tickets.loc[left, "issue_min"]).to_numpy(float)
    cens = np.concatenate([
        (tickets.loc[called, "first_call_min"] - tickets.loc[called, "issue_min"]).to_numpy(float),
        (tickets.loc[unserved, "date"].map(day_end) - tickets.loc[unserved, "issue_min"]).to_numpy(float)])
    cens = np.maximum(cens, 0.0)
    out = {"events": int(len(events)), "censored": int(len(cens)),
           "naive_mean_min": float(events.mean()) if len(events) else np.nan,
           "dropped_without_time": int((tickets["status"].isin(LEFT) & tickets["first_call_min"].isna()).sum())}
    if len(events) < MIN_SAMPLE:
        return out, None
    with np.errstate(divide="ignore"):
        return _patience_fits(out, events, cens)


def _patience_fits(out: dict, events: np.ndarray, cens: np.ndarray) -> tuple[dict, object]:
    km = stats.ecdf(stats.CensoredData(uncensored=np.maximum(events, 1.0 / 60.0), right=cens))
    below = np.flatnonzero(km.sf.probabilities <= 0.5)
    out["km_median_min"] = float(km.sf.quantiles[below[0]]) if len(below) else np.nan
    out["km_last_sf"] = float(km.sf.probabilities[-1])
    out.update(fit_family(events, cens))
    return out, km


def fit_log(rows: pd.DataFrame, sessions: list[tuple[float, float]] | None = None,
            slots: list[tuple[float, float]] | None = None, interval_min: int = 60,
            last_ticket_min: float | None = None, reopen_waits: bool = True) -> FitResult:
    """Fit everything from the checked rows of :func:`study.ticketlog.importing.read_logs`.

    ``sessions``/``slots`` come from a base scenario when one is given;
    otherwise sessions are read from the log (:func:`seen_sessions`) and the
    profile uses hour-aligned slots.
    """
    tickets = tickets_of(rows)
    missed = rows[rows["issue_min"].isna() & (rows["status"] == NO_SHOW) & rows["slot_min"].notna()]
    days, weekdays, daily, cv = fit_volumes(tickets, missed.groupby("date").size())
    sessions = sessions or seen_sessions(rows)
    last_ticket_min = last_ticket_min or sessions[-1][1]
    slots = slots or default_slots(sessions, last_ticket_min)
    walk = tickets[~tickets["appointment"]]
    profile, batch_share, batch_n = fit_profile(walk, slots, sessions, reopen_waits)
    by_service = [fit_profile(g, slots, sessions, reopen_waits)[0].assign(service=svc)
                  for svc, g in walk.groupby("service")]
    served_tickets = tickets[tickets["served"]]
    work, samples = fit_work(rows, served_tickets)
    day_end = rows.groupby("date")["finish_min"].max()
    patience, km = fit_patience(tickets, day_end)
    booked = int(tickets["appointment"].sum() + len(missed))
    share, lo, hi = ci_share(len(missed), booked)
    served_rows = rows[(rows["status"] == SERVED) & rows["call_min"].notna()].copy()
    open_min = sessions[0][0]
    served_rows["interval_min"] = open_min + ((served_rows["call_min"] - open_min) // interval_min) * interval_min
    active = served_rows.groupby(["date", "interval_min", "station"])["window"].nunique().rename("windows_active")
    n_days = len(days)
    staffing = (active.groupby(["interval_min", "station"]).sum() / n_days).rename("windows_active").reset_index()
    staffing["days"] = n_days
    staff_per_day = served_rows.groupby(["date", "station"])["staff"].nunique().rename("staff").reset_index()
    return FitResult(
        days=days, weekdays=weekdays, daily_volume=daily, volume_cv=cv, batch_share=batch_share, batch_n=batch_n,
        profile=profile, profile_by_service=pd.concat(by_service, ignore_index=True) if by_service else None,
        mix=_shares(walk["service"], "service"), classes=_shares(walk["klass"], "klass"),
        work=work, work_samples=samples, patience=patience, patience_km=km,
        no_show={"booked": booked, "missed": int(len(missed)), "share": share, "lo": lo, "hi": hi},
        staffing=staffing, staff_per_day=staff_per_day, sessions=list(sessions),
        n_tickets=len(tickets), n_rows=len(rows))


def seen_sessions(rows: pd.DataFrame, grid_min: float = 30.0) -> list[tuple[float, float]]:
    """Opening sessions read from the log: from the earliest issue to the latest issue (on the
    ``grid_min`` grid), split where no ticket is issued and none is called on any day (a lunch closure)."""
    issue = rows["issue_min"].dropna().to_numpy(float)
    calls = rows.loc[rows["status"] == SERVED, "call_min"].dropna().to_numpy(float)
    start = np.floor(issue.min() / grid_min) * grid_min
    end = np.ceil((issue.max() + 1e-9) / grid_min) * grid_min
    edges = np.arange(start, end + grid_min / 2, grid_min)
    busy = (np.histogram(issue, edges)[0] + np.histogram(calls, edges)[0]) > 0
    # a reopening batch (tickets issued exactly at a grid line) opens the cell that starts there
    sessions, cur = [], None
    for k, b in enumerate(busy):
        if b and cur is None:
            cur = edges[k]
        if not b and cur is not None:
            sessions.append((float(cur), float(edges[k])))
            cur = None
    if cur is not None:
        sessions.append((float(cur), float(edges[-1])))
    return sessions
