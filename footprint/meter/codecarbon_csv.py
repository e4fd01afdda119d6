"""A metered run as one row of codecarbon's ``emissions.csv``, so that existing codecarbon dashboards read it.

The 38 columns, their order and units are those of codecarbon 3.3.2: the fields of ``EmissionsData`` in
``codecarbon/output_methods/emissions_data.py`` (CSV header written by ``output_methods/file.py``) and the values
``EmissionsTracker._prepare_emissions_data`` puts in them: duration in s, emissions in kg CO2e, emissions_rate in
kg/s, powers in W, energies in kWh, ram_total_size in GB. As in codecarbon, PUE scales every power and energy
column (``power *= pue; energy *= pue``), so ``energy_consumed`` is the facility energy and
``emissions = energy_consumed x intensity``. codecarbon is never imported.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import platform
import shutil
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from footprint.core.result import Footprint
from footprint.errors import FootprintError

# Copied from codecarbon 3.3.2 codecarbon/output_methods/emissions_data.py (EmissionsData fields, in order).
COLUMNS = (
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions", "emissions_rate",
    "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed",
    "water_consumed", "country_name", "country_iso_code", "region", "cloud_provider", "cloud_region", "os",
    "python_version", "codecarbon_version", "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude",
    "latitude", "ram_total_size", "tracking_mode", "cpu_utilization_percent", "gpu_utilization_percent",
    "ram_utilization_percent", "ram_used_gb", "on_cloud", "pue", "wue",
)


def _mag(value: Any, units: str) -> float:
    return float(value.central.to(units).magnitude) if value is not None else 0.0


def row(fp: Footprint, project: str = "footprint", run_id: str | None = None) -> dict[str, Any]:
    """The codecarbon row for a measured Footprint; tracking_mode says which CPU and RAM scope was metered."""
    from footprint import __version__
    from footprint.meter.recorder import platform_text

    seconds = _mag(fp.duration, "s")
    pue = fp.input("pue")
    pue_value = float(pue.central.to("").magnitude) if pue is not None else 1.0
    gpu_kwh, cpu_kwh, ram_kwh = (_mag(x, "kWh") * pue_value for x in (fp.energy_gpu, fp.energy_cpu, fp.energy_ram))
    emissions = _mag(fp.emissions, "kgCO2e")
    region = fp.assumption("region")  # its source is the grid's name, the country_name column
    code = str(fp.input("region") or "")
    provider, cloud_region = (code.split(":", 1) if ":" in code else ("", ""))
    country_iso = code if len(code) == 3 and code.isalpha() and code.isupper() else ""
    gpus = fp.details.get("gpus", [])
    names = sorted({str(g.get("name")) for g in gpus})
    cpu = (fp.details.get("cpu") or [{}])[0]
    nodes = fp.details.get("nodes", [])
    return {
        "timestamp": datetime.now().strftime("%Y-%m-%dT%H:%M:%S"),
        "project_name": project,
        "run_id": run_id or str(uuid.uuid4()),
        "experiment_id": "",
        "duration": seconds,
        "emissions": emissions,
        "emissions_rate": emissions / seconds if seconds > 0 else 0.0,
        "cpu_power": cpu_kwh * 3.6e6 / seconds if seconds > 0 else 0.0,
        "gpu_power": gpu_kwh * 3.6e6 / seconds if seconds > 0 else 0.0,
        "ram_power": ram_kwh * 3.6e6 / seconds if seconds > 0 else 0.0,
        "cpu_energy": cpu_kwh,
        "gpu_energy": gpu_kwh,
        "ram_energy": ram_kwh,
        "energy_consumed": gpu_kwh + cpu_kwh + ram_kwh,
        "water_consumed": "",  # not measured: empty, never a measured-looking 0.0
        "country_name": region.source if region is not None and not provider else "",
        "country_iso_code": country_iso,
        "region": code.lower() if code and not country_iso and not provider else "",
        "cloud_provider": provider,
        "cloud_region": cloud_region,
        "os": platform_text(),
        "python_version": platform.python_version(),
        "codecarbon_version": f"footprint {__version__}",
        "cpu_count": os.cpu_count() or 0,
        "cpu_model": str(cpu.get("model") or platform.processor()),
        "gpu_count": len(gpus),
        "gpu_model": ", ".join(f"{sum(1 for g in gpus if g.get('name') == n)} x {n}" for n in names),
        "longitude": "",
        "latitude": "",
        "ram_total_size": _ram_gb(fp),
        "tracking_mode": _tracking_mode(fp),
        "cpu_utilization_percent": "",
        "gpu_utilization_percent": "",
        "ram_utilization_percent": "",
        "ram_used_gb": "",
        "on_cloud": "Y" if provider else "N",
        "pue": pue_value,
        "wue": "",
        **({"project_name": project} if nodes else {}),
    }


def _tracking_mode(fp: Footprint) -> str:
    """codecarbon's tracking_mode: "process" isolates the tracked process tree (as 'codecarbon monitor' and
    --cpu-scope process do), "machine" (codecarbon's default) takes the whole machine. A run whose nodes all
    metered their process trees is "process"; anything else, or a log that does not say, "machine"."""
    scopes = {c.get("scope") for c in fp.details.get("cpu") or []}
    return "process" if scopes == {"process"} else "machine"


def _ram_gb(fp: Footprint) -> float | str:
    sizes = [float(r["total_gb"]) for r in fp.details.get("ram") or [] if r.get("total_gb")]
    return sum(sizes) if sizes else ""  # unmeasured stays empty, never a measured-looking 0


def check_csv_path(path: str | Path) -> None:
    """Raise a one-line FootprintError now if append_row could not write `path` after the run: the file, and its
    directory where a file with other columns is to be kept as PATH.bak."""
    from footprint.meter.outfiles import check_writable

    check_writable(path, "--csv", replaced=False)
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            first = fh.readline(1 << 16).decode("utf-8", errors="replace")
    except OSError:
        return  # a new file (or one only writable): nothing to keep aside
    if first.strip() and sorted(next(csv.reader([first]), [])) != sorted(COLUMNS):
        check_writable(p.with_name(p.name + ".bak"), "--csv")


def append_row(path: str | Path, fp: Footprint, project: str = "footprint", run_id: str | None = None) -> None:
    """Append one row (header first if the file is new or empty) under an exclusive lock, so that runs ending at
    the same time on a shared file system keep every row. The row goes in with one write at the end of the file,
    which keeps the file's mode and any symlink to it. A file with other columns is kept as PATH.bak and started
    afresh, as codecarbon does."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)  # as for the log and --json-file
        fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise FootprintError(f"--csv: cannot write {str(p)!r}: {exc.strerror}; expected a writable file path") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(os.dup(fd), "rb") as fh:
            existing = fh.read().decode("utf-8", errors="replace")
        header = list(COLUMNS)
        restart = False
        if existing.strip():
            found = next(csv.reader(io.StringIO(existing)), [])
            if sorted(found) != sorted(COLUMNS):
                shutil.copyfile(p, p.with_name(p.name + ".bak"))
                print(f"footprint: warning: {p} has other columns than codecarbon's emissions.csv; kept as {p.name}.bak", file=sys.stderr)
                restart = True
            else:
                header = found
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
        if restart or not existing.strip():
            writer.writeheader()
        elif not existing.endswith("\n"):
            out.write("\n")
        writer.writerow(row(fp, project, run_id))
        data = out.getvalue().encode("utf-8")
        if restart or not existing.strip():
            os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_END)
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    except OSError as exc:
        raise FootprintError(f"--csv: cannot write {str(p)!r}: {exc.strerror}; expected a writable file path") from None
    finally:
        os.close(fd)  # releases the lock
