"""Random realistic planner mistakes applied to the shipped scenarios (seeded, reproducible).

``mutants(n, seed)`` yields ``(kind, name, text)``: the text of a shipped
scenario with one mistake of ``kind``:

delete_key        a key removed (required or not)
out_of_range      a number replaced by -1, 0, 1e9, 1e300, -1e300, 1e308, 112 or 0.5
wrong_type        a number replaced by a word, a boolean, a list or a mapping
bad_clock         a clock string replaced by 25:00, 8.30, 12:60, noon, 830, 24:01
renamed_reference a station, skill, shift, staff type, class or service code renamed where it is used
duplicated_name   a line of a mapping repeated (a key given twice)
broken_indent     a line's indentation changed by one to three spaces, or a tab

``python -m tests.mutations [N] [SEED]`` runs N mutants through ``queueplan``
(validate, then a one-replication run of the accepted ones) and prints the
counts: accepted, refused, by kind.
"""

from __future__ import annotations

import copy
import random
import re
from pathlib import Path

import yaml

from sim.loading import ScenarioLoader

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("**/*.yaml"))
KINDS = ("delete_key", "out_of_range", "wrong_type", "bad_clock", "renamed_reference", "duplicated_name",
         "broken_indent")
CLOCK = re.compile(r"^\d{1,2}:\d{2}$")


def _leaves(data, path=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _leaves(v, path + (i,))
    yield path, data


def _set(data, path, value):
    for p in path[:-1]:
        data = data[p]
    data[path[-1]] = value


def _delete(data, path):
    for p in path[:-1]:
        data = data[p]
    del data[path[-1]]


def _codes(data) -> set[str]:
    out = set()
    for key in ("stations", "services", "staff_types", "shift_patterns", "classes"):
        out |= set((data.get(key) or {}))
    for st in (data.get("staff_types") or {}).values():
        out |= set(st.get("skills") or {})
    return out


def _dict_mutant(kind: str, data: dict, rng: random.Random) -> dict | None:
    data = copy.deepcopy(data)
    leaves = list(_leaves(data))
    if kind == "delete_key":
        keyed = [p for p, _ in leaves if p and isinstance(p[-1], str)]
        _delete(data, rng.choice(keyed))
    elif kind in ("out_of_range", "wrong_type"):
        nums = [p for p, v in leaves if p and isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not nums:
            return None
        choices = [-1, 0, 1e9, 1e300, -1e300, 1e308, 112, 0.5] if kind == "out_of_range" else \
            ["three", True, [1, 2], {"value": 1}, "1e3", None]
        _set(data, rng.choice(nums), rng.choice(choices))
    elif kind == "bad_clock":
        clocks = [p for p, v in leaves if p and isinstance(v, str) and CLOCK.match(v)]
        if not clocks:
            return None
        _set(data, rng.choice(clocks), rng.choice(["25:00", "8.30", "12:60", "noon", 830, "24:01", ""]))
    elif kind == "renamed_reference":
        codes = _codes(data)
        refs = [p for p, v in leaves if p and isinstance(v, str) and v in codes]
        keys = [p for p, v in leaves if p and isinstance(p[-1], str) and p[-1] in codes and p[:-1] != ()]
        options = refs + keys
        if not options:
            return None
        path = rng.choice(options)
        if path in refs:
            _set(data, path, _get(data, path) + "_X")
        else:
            parent = _get(data, path[:-1])
            parent[path[-1] + "_X"] = parent.pop(path[-1])
    return data


def _get(data, path):
    for p in path:
        data = data[p]
    return data


def _text_mutant(kind: str, text: str, rng: random.Random) -> str | None:
    lines = text.split("\n")
    body = [i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if kind == "duplicated_name":
        keyed = [i for i in body if re.match(r"^\s*[A-Za-z_][\w\-]*:", lines[i])]
        i = rng.choice(keyed)
        lines.insert(i + 1, lines[i])
    else:  # broken_indent
        i = rng.choice(body)
        ln = lines[i]
        change = rng.choice(["+1", "+2", "+3", "-1", "-2", "tab"])
        if change == "tab":
            lines[i] = "\t" + ln
        elif change.startswith("+"):
            lines[i] = " " * int(change[1:]) + ln
        else:
            n = len(ln) - len(ln.lstrip(" "))
            lines[i] = ln[min(n, int(change[1:])):]
    return "\n".join(lines)


def mutants(n: int, seed: int = 20261201):
    """``n`` mutants ``(kind, name, text)`` of the shipped scenarios, the same for the same seed."""
    rng = random.Random(seed)
    sources = [(p, p.read_text(encoding="utf-8")) for p in SHIPPED]
    parsed = {p: yaml.load(t, Loader=ScenarioLoader) for p, t in sources}
    made = 0
    while made < n:
        path, text = rng.choice(sources)
        kind = KINDS[made % len(KINDS)]
        if kind in ("duplicated_name", "broken_indent"):
            out = _text_mutant(kind, text, rng)
        else:
            data = _dict_mutant(kind, parsed[path], rng)
            out = None if data is None else yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        if out is None:
            continue
        made += 1
        yield kind, f"{made:04d}_{kind}_{path.stem}", out


ERROR = re.compile(r"^error: (?P<file>[^,]+?)(, line (?P<line>\d+))?: (?P<rest>.*)$")


def classify(code: int, out: str, err: str, path: Path) -> str:
    """``accepted``, ``refused`` (file, line and field named), ``refused_yaml`` (file and line: syntax),
    ``refused_size`` (the run-size limit) or ``bad: ...`` (anything else: a test failure)."""
    if "Traceback" in err:
        return "bad: traceback"
    if code == 0:
        return "accepted"
    if code != 2:
        return f"bad: exit {code}"
    errors = [ERROR.match(ln) for ln in err.splitlines() if ln.startswith("error: ")]
    if not errors or errors[0] is None:
        return "bad: no error line"
    first = errors[0]
    if first["file"] != str(path):
        return "bad: file not named"
    if "--force" in first["rest"]:
        return "refused_size"
    if first["line"] is None:
        return "bad: no line"
    if first["rest"].startswith("invalid YAML") or first["rest"].startswith("the top level"):
        return "refused_yaml"
    field = first["rest"].split(": ", 1)[0]
    if not field or " " in field:
        return "bad: no field"
    return "refused"


def run_mutant(text: str, folder: Path, name: str, main, capture) -> tuple[str, str]:
    """Validate (and, if accepted, run one replication of) a mutant in-process; return its class and stderr."""
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["validate", str(path)])
    out, err = capture()
    verdict = classify(code, out, err, path)
    if verdict != "accepted":
        return verdict, err
    run_dir = folder / name
    code = main(["run", str(path), "--reps", "1", "--workers", "1", "--no-report", "--out", str(run_dir)])
    out, err = capture()
    verdict = classify(code, out, err, path)
    if verdict == "accepted":
        for f in ("manifest.json", "summary.json", "intervals.csv", "targets.csv", "replications.csv"):
            if not (run_dir / f).is_file():
                return f"bad: {f} missing", err
        import json

        json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    return verdict, err


def main(argv=None) -> int:  # pragma: no cover - a reporting script
    import collections
    import contextlib
    import io
    import sys
    import tempfile

    from study.cli import main as cli

    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 600
    seed = int(argv[1]) if len(argv) > 1 else 20261201
    counts = collections.Counter()
    by_kind = collections.defaultdict(collections.Counter)
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, name, text in mutants(n, seed):
            out, err = io.StringIO(), io.StringIO()
            buf = {"o": out, "e": err}

            def capture():
                o, e = buf["o"].getvalue(), buf["e"].getvalue()
                buf["o"], buf["e"] = io.StringIO(), io.StringIO()
                return o, e
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                def cap():
                    o, e = out.getvalue(), err.getvalue()
                    out.seek(0), out.truncate(), err.seek(0), err.truncate()
                    return o, e
                verdict, message = run_mutant(text, Path(tmp), name, cli, cap)
            group = verdict.split(":")[0]
            counts[group] += 1
            by_kind[kind][group] += 1
            if group == "bad":
                bad.append((name, f"{verdict}: {message.strip()[:300]}"))
    print(f"{n} mutants (seed {seed}): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for kind in KINDS:
        print(f"  {kind:<18} " + ", ".join(f"{k} {v}" for k, v in sorted(by_kind[kind].items())))
    for name, verdict in bad:
        print(f"  BAD {name}: {verdict}")
    return 1 if bad else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
