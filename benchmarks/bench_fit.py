"""Speed of fitting a scenario from a ticket log: a city office over three months (~60,000 tickets).

The log is made quickly: ``--sim-days`` days of ``scenarios/city_office.yaml``
are simulated (``study.ticketlog.export.simulate_days``) and tiled over the
working days of three months (13 weeks, 65 days), each copy carrying its own
date. It is written as CSV with Chinese headers, then timed:

* import: ``read_logs`` (CSV parsing, row checks, duplicate search);
* fit: ``fit_log`` (volumes, profile, mix, ML work-time fits with AIC and KS,
  censored patience, staffing seen);
* writer: ``scenario_yaml``.

Nothing is asserted; the seconds are printed.

    python benchmarks/bench_fit.py [--sim-days 5] [--days 65]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.loading import load_scenario  # noqa: E402
from study.ticketlog.export import simulate_days, working_days, write_ticket_log  # noqa: E402
from study.ticketlog.fitting import fit_log  # noqa: E402
from study.ticketlog.importing import read_logs  # noqa: E402
from study.ticketlog.scenario_writer import load_base, scenario_yaml  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sim-days", type=int, default=5)
    p.add_argument("--days", type=int, default=65)
    args = p.parse_args()
    base_path = ROOT / "scenarios" / "city_office.yaml"
    scenario = load_scenario(base_path)
    dates = working_days(dt.date(2026, 1, 5), args.days)
    t0 = time.perf_counter()
    sim = simulate_days(scenario, dates[:args.sim_days], seed=1)
    by_day = [g for _, g in sim.groupby("date", sort=True)]
    parts = []
    for k, day in enumerate(dates):
        g = by_day[k % len(by_day)].copy()
        old, new = g["date"].iloc[0], day.isoformat()
        for c in ("issue_time", "call_time", "finish_time"):
            g[c] = g[c].str.replace(old, new, regex=False)
        g["date"] = new
        parts.append(g)
    rows = pd.concat(parts, ignore_index=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_ticket_log(rows, Path(tmp) / "city_3months.csv")
        t1 = time.perf_counter()
        size_mb = path.stat().st_size / 1e6
        read, skipped = read_logs([path])
        t2 = time.perf_counter()
        fit = fit_log(read, sessions=[(s.start, s.end) for s in scenario.hours.sessions],
                      slots=[(q.start, q.end) for q in scenario.arrivals.profile],
                      last_ticket_min=scenario.hours.last_ticket_min)
        t3 = time.perf_counter()
        scenario_yaml(fit, "city_fitted", [str(path)], load_base(base_path), str(base_path))
        t4 = time.perf_counter()
    print(f"log: {args.days} days, {fit.n_tickets} tickets, {len(read)} rows, {size_mb:.1f} MB "
          f"(made in {t1 - t0:.1f} s from {args.sim_days} simulated days)")
    print(f"import {t2 - t1:.2f} s, fit {t3 - t2:.2f} s, scenario writer {t4 - t3:.2f} s; "
          f"import + fit {t3 - t1:.2f} s")


if __name__ == "__main__":
    main()
