"""The fitted scenario as a commented YAML file that ``queueplan run`` accepts.

Every fitted figure carries ``[M]`` (measured in the log) with its sample
size; what the log cannot tell (skills, staff types, costs, targets, the
priority order) is ``[A]`` or comes from a base scenario (``--base``),
whose sections are copied unchanged and labelled as such.

With a base, the base's slots, steps and stations are kept and only their
figures are replaced (a step the log never shows keeps its base figure and
says so). Without one, the hall is read from the log: sessions, stations
(windows seen), one staff type holding every skill, one shift pattern over
the sessions, and per station the median number of staff seen a day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import yaml

from sim.loading import ScenarioLoader

from .fitting import FitResult


def clock(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def _dump(key: str, value) -> str:
    return yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, default_flow_style=None, width=110)


def _dist(row) -> str:
    if row["family"] == "exponential":
        return f"{{dist: exponential, mean_min: {row['mean_min']:.3g}}}"
    return f"{{dist: {row['family']}, mean_min: {row['mean_min']:.3g}, cv: {row['cv']:.3g}}}"


def rounded_shares(shares, digits: int = 4) -> list[float]:
    """Shares rounded to ``digits`` that still sum to exactly 1 (the largest takes the remainder)."""
    r = [round(float(s), digits) for s in shares]
    if r:
        k = max(range(len(r)), key=lambda i: r[i])
        r[k] = round(r[k] + 1.0 - sum(r), digits)
    return r


def load_base(path: str | Path) -> dict:
    """The base scenario's YAML as a plain dictionary (clock strings kept)."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=ScenarioLoader)


def _arrivals(fit: FitResult, base_arrivals: dict | None) -> list[str]:
    n_days = len(fit.days)
    walk = int(fit.days["walk_ins"].sum())
    out = ["arrivals:",
           f"  daily_volume: {fit.daily_volume:.1f}        # [M] walk-in tickets a day, mean of the weekday means "
           f"(n={walk} tickets, {n_days} days)",
           f"  batch_at_opening_share: {fit.batch_share:.4f}   # [M] ticketed exactly at opening (n={fit.batch_n})",
           f"  volume_cv: {fit.volume_cv:.3f}             # [M] day-to-day noise beyond Poisson after weekday "
           f"factors ({n_days} days)",
           "  # Weekday factors [M] (mean walk-ins of the weekday / daily_volume, 95% interval); to run a given",
           "  # weekday add it here, e.g. multipliers: [{name: monday, factor: 1.08}]. The week horizon that",
           "  # would use them directly is not built yet."]
    for w in fit.weekdays.itertuples():
        out.append(f"  #   {w.weekday:<9} {w.factor:.3f}  ({w.factor_lo:.3f}-{w.factor_hi:.3f}), n={w.days} days")
    out.append("  multipliers: []")
    if base_arrivals and base_arrivals.get("balking") is not None:
        out += ["  # balking: from the base scenario (not fitted)"]
        out += ["  " + ln for ln in _dump("balking", base_arrivals["balking"]).splitlines()]
    out.append(f"  profile:                     # [M] share of the walk-ins not in the opening batch, 95% interval")
    total = int(fit.profile["n"].sum())
    for p, share in zip(fit.profile.itertuples(), rounded_shares(fit.profile["share"])):
        out.append(f"    - {{start: \"{clock(p.start_min)}\", end: \"{clock(p.end_min)}\", share: {share:.4f}}}"
                   f"   # [M] n={p.n}/{total} ({p.lo:.4f}-{p.hi:.4f})")
    out.append("  mix:                         # [M] share of walk-ins, 95% interval")
    n = int(fit.mix["n"].sum())
    for m, share in zip(fit.mix.itertuples(), rounded_shares(fit.mix["share"])):
        out.append(f"    {m.service}: {share:.4f}   # [M] n={m.n}/{n} ({m.lo:.4f}-{m.hi:.4f})")
    return out


def _services(fit: FitResult, base_services: dict | None) -> list[str]:
    out = ["services:   # work per step [M]: family chosen by AIC among lognormal/gamma/exponential (ML fits),",
           "            # KS = Kolmogorov-Smirnov distance of the chosen fit; probability = share of served tickets"]
    work = fit.work.set_index(["service", "step"])
    codes = list(base_services) if base_services else sorted(fit.work["service"].unique())
    for svc in codes:
        base = (base_services or {}).get(svc)
        out.append(f"  {svc}:")
        if base and base.get("label"):
            out.append(f"    label: {yaml.safe_dump(base['label'], allow_unicode=True).splitlines()[0]}")
        out.append("    steps:")
        steps = base["steps"] if base else [{"station": r.station} for r in
                                            fit.work[fit.work["service"] == svc].sort_values("step").itertuples()]
        for j, step in enumerate(steps, start=1):
            keep = {k: v for k, v in step.items() if k not in ("work", "probability", "station")}
            extra = "".join(f", {k}: {v}" for k, v in keep.items())
            if (svc, j) in work.index and isinstance(work.loc[(svc, j), "family"], str):
                r = work.loc[(svc, j)]
                p = min(1.0, round(float(r["probability"]), 3))
                prob = "" if p >= 0.995 else f", probability: {p}"
                out.append(f"      - {{station: {step['station']}{extra}{prob}, work: {_dist(r)}}}")
                out.append(f"        # [M] n={int(r['n'])} mean {r['sample_mean_min']:.2f} min "
                           f"({r['mean_lo']:.2f}-{r['mean_hi']:.2f}), cv {r['cv']:.2f} ({r['cv_lo']:.2f}-{r['cv_hi']:.2f}), "
                           f"KS {r['ks']:.3f}; probability {r['probability']:.3f} "
                           f"({r['probability_lo']:.3f}-{r['probability_hi']:.3f})")
            else:
                prob = "" if "probability" not in step else f", probability: {step['probability']}"
                work_text = yaml.safe_dump(step["work"], default_flow_style=True).strip()
                out.append(f"      - {{station: {step['station']}{extra}{prob}, work: {work_text}}}")
                out.append("        # not seen in the log: figures of the base scenario")
    return out


def _hall_from_log(fit: FitResult, name: str) -> dict:
    """Hours, stations, one staff type and a roster read from the log (no base scenario)."""
    sessions = [{"start": clock(a), "end": clock(b)} for a, b in fit.sessions]
    stations, roster = {}, []
    per_station = fit.staff_per_day.groupby("station")["staff"]
    for station, counts in per_station:
        windows = int(np.ceil(fit.staffing.loc[fit.staffing["station"] == station, "windows_active"].max()))
        staff = max(1, int(np.median(counts)))
        stations[station] = {"windows": max(windows, staff)}
        roster.append({"staff_type": "staff", "shift": "SEEN", "station": station, "count": staff})
    skills = {svc: 1.0 for svc in sorted(fit.work["service"].unique())}
    breaks = [{"start": clock(fit.sessions[k - 1][1]), "end": clock(fit.sessions[k][0])}
              for k in range(1, len(fit.sessions))]
    klasses = {}
    for k in fit.classes.itertuples():
        klasses[k.klass] = {"priority": 1 if k.klass == "normal" else 0, "share": round(float(k.share), 4)}
    total = sum(v["share"] for v in klasses.values())
    if klasses:
        first = next(iter(klasses))
        klasses[first]["share"] = round(klasses[first]["share"] + 1.0 - total, 4)
    return {
        "name": name,
        "hours": {"sessions": sessions, "interval_min": 60},
        "stations": stations, "classes": klasses or None,
        "staff_types": {"staff": {"skills": skills}},
        "shift_patterns": {"SEEN": {"start": sessions[0]["start"], "end": sessions[-1]["end"], "breaks": breaks}},
        "roster": roster,
    }


def scenario_yaml(fit: FitResult, name: str, sources: list[str], base: dict | None = None,
                  base_path: str | None = None) -> str:
    """The commented YAML text of the fitted scenario."""
    hall = base if base is not None else _hall_from_log(fit, name)
    lines = [f"# Fitted from the ticket log by `queueplan fit` on {dt.date.today().isoformat()}:",
             *[f"#   {s}" for s in sources],
             f"# {fit.n_rows} rows, {fit.n_tickets} tickets, {len(fit.days)} days "
             f"({fit.days['date'].min():%Y-%m-%d} to {fit.days['date'].max():%Y-%m-%d}).",
             "# [M] measured in the log (n = sample size, 95% interval); [A] assumed; figures not tagged [M]",
             (f"# come from the base scenario {base_path}." if base is not None else
              "# were read from the log's structure (windows, staff seen) or are assumptions [A]: one staff type"
              "\n# holding every skill, priority: 'normal' after every other class [A]."), "",
             f"name: {name}"]
    lines.append(f"description: Fitted from the ticket log ({len(fit.days)} days).")
    order = ["hours", "stations"]
    for key in order:
        if base is None and key == "hours":
            lines += ["", "# [M] sessions: the hours in which tickets were issued or called on some day"]
        lines += ["", *_dump(key, hall[key]).splitlines()]
    lines += [""] + _services(fit, (base or {}).get("services"))
    classes = hall.get("classes")
    if classes:
        lines += ["", "# classes: walk-in shares [M] (priority order from the base scenario or [A])"]
        measured = dict(zip(fit.classes["klass"], fit.classes["share"]))
        fixed = {}
        for code, c in classes.items():
            c = dict(c)
            if code in measured and base is not None:
                c["share"] = round(float(measured[code]), 4)
            elif base is not None:
                c["share"] = 0.0 if c.get("share", 0) == 0 else c["share"]
            fixed[code] = c
        total = sum(c["share"] for c in fixed.values())
        if total > 0 and abs(total - 1) > 1e-9:
            top = max(fixed, key=lambda k: fixed[k]["share"])
            fixed[top]["share"] = round(fixed[top]["share"] + 1 - total, 4)
        lines += _dump("classes", fixed).splitlines()
    lines += [""] + _arrivals(fit, (base or {}).get("arrivals"))
    if base is not None and base.get("appointments"):
        appt = dict(base["appointments"])
        ns = fit.no_show
        if ns["booked"]:
            appt["no_show"] = round(float(ns["share"]), 4)
        lines += ["", f"# appointments: no_show [M] n={ns['missed']}/{ns['booked']} bookings "
                      f"({ns['lo']:.3f}-{ns['hi']:.3f}); the rest from the base scenario",
                  *_dump("appointments", appt).splitlines()]
    pat = fit.patience
    if "family" in pat:
        row = {"family": pat["family"], "mean_min": pat["mean_min"], "cv": pat["cv"]}
        lines += ["", f"# patience [M]: censored maximum likelihood ({pat['events']} left, {pat['censored']} called "
                      "or unserved = censored),",
                  f"# Kaplan-Meier median {pat['km_median_min']:.1f} min; the naive mean of the leavers' waits, "
                  f"{pat['naive_mean_min']:.1f} min, is biased low",
                  f"patience: {_dist(row)}"]
    elif base is not None and base.get("patience"):
        lines += ["", f"# patience: from the base scenario (only {pat['events']} citizens left in the log)",
                  *_dump("patience", base["patience"]).splitlines()]
    for key in ("staff_types", "shift_patterns", "roster", "calling", "targets", "experiment", "optimise"):
        if hall.get(key) is not None:
            tag = "from the base scenario" if base is not None else "read from the log / [A]"
            lines += ["", f"# {key}: {tag}", *_dump(key, hall[key]).splitlines()]
    lines += ["", "# Windows active per interval and station [M] (mean over the days of the log):"]
    for station, g in fit.staffing.groupby("station"):
        seen = ", ".join(f"{clock(r.interval_min)} {r.windows_active:.1f}" for r in g.itertuples())
        lines.append(f"#   {station}: {seen}")
    return "\n".join(lines) + "\n"
