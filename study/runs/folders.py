"""Run folders: ``results/<scenario>/<run-id>/``, written atomically, never overwritten.

Everything of a run is written into a hidden temporary folder next to its
final place and renamed into place at the end, so a run folder is either
complete or absent. A folder that already exists is never written into.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import errno
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from sim.scenario import Scenario

PACKAGES = ("queueplan", "simpy", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "PyYAML", "pulp", "highspy",
            "matplotlib")


class RunFolderError(Exception):
    """A run folder cannot be created (it exists, or its parent cannot be written)."""


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario (canonical JSON): equal hashes, equal inputs."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def versions() -> dict[str, str]:
    """Python and package versions, for the manifest."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(where: Path | None = None) -> str | None:
    """The git commit of the project (with ``-dirty`` if the tree has changes), or None."""
    where = where or Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                               capture_output=True, text=True, timeout=5)
        return sha.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def new_run_id(scenario: Scenario, seed: int) -> str:
    """``YYYYmmdd-HHMMSS-s<seed>-<scenario hash prefix>-<random>``: runs started at the same second differ."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-s{seed}-{scenario_hash(scenario)[:8]}-{secrets.token_hex(2)}"


def fresh_folder(base: Path) -> Path:
    """``base``, or ``base-2``, ``base-3`` ... : the first name not taken (nor being written) yet."""
    candidate, n = base, 1
    while candidate.exists() or _lock_path(candidate).exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def default_run_dir(scenario: Scenario, seed: int, root: Path = Path("results")) -> Path:
    """A fresh folder ``root/<scenario>/<run-id>`` (a suffix is added if the id is taken)."""
    return fresh_folder(root / scenario.name / new_run_id(scenario, seed))


# ---------------------------------------------------------------- reservations and leftovers
# A run being written holds ``.<name>.lock`` (its pid) beside its final folder, taken with O_EXCL before
# anything is simulated, and writes into ``.<name>.<pid>.<random>.partial``. A second run aimed at the same
# folder is refused at once; leftovers of a killed run (its pid is gone) are removed by the next run there.

_held: set[Path] = set()


def _lock_path(final: Path) -> Path:
    return final.parent / f".{final.name}.lock"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_of_partial(path: Path) -> int | None:
    parts = path.name.split(".")  # "", name..., pid, random, "partial"
    try:
        return int(parts[-3])
    except (IndexError, ValueError):
        return None


def clean_leftovers(parent: Path, warn=None) -> list[Path]:
    """Remove ``.partial`` folders and locks in ``parent`` left by runs that were killed; return what was removed."""
    warn = warn or (lambda message: print(f"warning: {message}", file=sys.stderr))
    removed = []
    if not parent.is_dir():
        return removed
    for path in sorted(parent.glob(".*.partial")) + sorted(parent.glob(".*.lock")):
        if path.suffix == ".lock":  # only our own locks ("queueplan PID"); anything else is not ours to remove
            try:
                tag, _, pid_text = path.read_text(encoding="ascii").strip().partition(" ")
                pid = int(pid_text) if tag == "queueplan" else None
            except (OSError, ValueError, UnicodeDecodeError):
                pid = None
        else:
            pid = _pid_of_partial(path) if path.is_dir() else None
        if pid is None or _alive(pid):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
        warn(f"removed {path}, left by an interrupted run (process {pid} is gone)")
    return removed


@contextmanager
def reserve(final: Path, warn=None):
    """Hold ``final`` for this process (re-entrant); refuse at once if it exists or another run holds it.

    Call it before simulating, so a second run aimed at the same folder is refused before it does any work.
    """
    final = Path(final)
    if final in _held:
        yield final
        return
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise RunFolderError(f"{final} already exists; results are never overwritten (choose another --out)")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunFolderError(f"cannot create {final}: {exc.strerror or exc}") from None
    clean_leftovers(final.parent, warn)
    lock = _lock_path(final)
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        try:
            holder = lock.read_text(encoding="ascii").strip().rpartition(" ")[2] or "?"
        except (OSError, UnicodeDecodeError):
            holder = "?"
        raise RunFolderError(f"{final} is being written by another queueplan run (process {holder}); "
                             "choose another --out") from None
    except OSError as exc:
        raise RunFolderError(f"cannot create {final}: {exc.strerror or exc}") from None
    try:
        os.write(fd, f"queueplan {os.getpid()}".encode("ascii"))
    finally:
        os.close(fd)
    _held.add(final)
    try:
        yield final
    finally:
        _held.discard(final)
        lock.unlink(missing_ok=True)


def _write_error(final: Path, exc: OSError) -> RunFolderError:
    if exc.errno == errno.ENOSPC:
        why = "the disk is full"
    elif exc.errno == errno.EDQUOT:
        why = "the disk quota is exceeded"
    else:
        why = exc.strerror or str(exc)
    return RunFolderError(f"could not write {final}: {why} ({exc.filename or 'results'}); nothing was written "
                          "(free some space and run again)")


@contextmanager
def run_folder(final: Path):
    """Yield a temporary folder; on success rename it to ``final`` (which must not exist).

    On any error the temporary folder is removed and nothing is left at ``final``; a
    failed write (a full disk) is a :class:`RunFolderError` that says so.
    """
    final = Path(final)
    with reserve(final):
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.", suffix=".partial", dir=final.parent))
        except OSError as exc:
            raise _write_error(final, exc) from None
        try:
            yield tmp
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a run folder is an ordinary folder
            if final.exists():
                final.rmdir()  # an empty folder the user made for this run
            os.rename(tmp, final)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise _write_error(final, exc) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def write_json(path: Path, data) -> None:
    """Write JSON atomically (temporary file + rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    text = json.dumps(_finite(data), indent=2, ensure_ascii=False, default=_jsonable, allow_nan=False)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _finite(value):
    """``value`` with every NaN or infinite float replaced by None (JSON has neither)."""
    if isinstance(value, float) or (hasattr(value, "item") and hasattr(value, "dtype")):
        v = value.item() if hasattr(value, "item") else value
        return None if isinstance(v, float) and not math.isfinite(v) else v
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _jsonable(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def manifest(scenario: Scenario, source: str | None, seed: int, replications: int, workers: int,
             wall_time_s: float, command: list[str] | None = None) -> dict:
    """The reproducibility record of a run (STRESS-DES items 5.1-5.4)."""
    return {
        "scenario_name": scenario.name,
        "scenario_file": source,
        "scenario_sha256": scenario_hash(scenario),
        "seed": seed,
        "replications": replications,
        "workers": workers,
        "versions": versions(),
        "git_commit": git_commit(),
        "machine": {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count()},
        "command": command if command is not None else sys.argv,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "wall_time_s": round(wall_time_s, 3),
        "scenario": scenario.model_dump(mode="json"),
    }
