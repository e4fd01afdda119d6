"""``footprint calibrate``: measure throughput and power of the local GPU and write a measured profile."""

from __future__ import annotations

import click


@click.command()
@click.option("--precision", default="bf16", show_default=True, metavar="LIST",
              help="Comma-separated precisions to measure, e.g. 'bf16,fp8'.")
@click.option("--duration", default="30s", show_default=True, metavar="TIME", help="Measured time per precision (plus a 20% warm-up).")
@click.option("--size", default=8192, show_default=True, type=click.IntRange(16, 65536), help="Matrix size N of the N x N matmuls.")
@click.option("--profile", "profile_name", metavar="NAME", help="Datasheet profile to copy (default: the one matching the GPU's NVML name).")
@click.option("-o", "--output", metavar="PATH", help="Profile file to write (default: <profile id>-measured.toml).")
@click.option("--log", "log_path", metavar="PATH", help="Also keep the meter log (JSON lines).")
@click.option("--backend", default="torch", show_default=True, metavar="NAME",
              help="Load generator: torch (GPU), python (a CPU load that only tests the pipeline, e.g. with "
                   "FOOTPRINT_FAKE_GPUS), or one a plugin registers.")
@click.option("--json", "as_json", is_flag=True, help="Print the measurements as JSON.")
def calibrate(precision: str, duration: str, size: int, profile_name: str | None, output: str | None, log_path: str | None,
              backend: str, as_json: bool) -> None:
    """Measure energy per FLOP on the local GPU and write a measured profile.

    Runs N x N matmuls on the first visible GPU at each precision while metering it through NVML, then writes a
    copy of the matching datasheet profile with [measured.<precision>] tables (achieved TFLOP/s and average power).
    Use the file with 'footprint estimate --profile-file PATH'. Needs PyTorch ('pip install footprint[torch]').

    \b
    Example:
      footprint calibrate --precision bf16,fp8 --duration 60s
      footprint estimate --profile-file h100-sxm-measured.toml --gpus 2048 --flops 3.3e24 --precision fp8 --mfu 0.35
    """
    from footprint.errors import FootprintError
    from footprint.meter.calibrate import calibrate as run_calibration
    from footprint.meter.calibrate import load_backend, measured_profile_toml, parse_precisions
    from footprint.meter.log import write_atomic
    from footprint.meter.recorder import parse_interval
    from footprint.plugins.catalog import get_profile
    from footprint.render.text import to_json

    load = load_backend(backend)
    precisions = parse_precisions(precision)
    seconds = parse_interval(duration, "--duration")
    chosen = get_profile(profile_name) if profile_name else None
    results, facts = run_calibration(precisions, load, seconds=seconds, size=size, log=log_path,
                                     interval=min(1.0, max(0.1, seconds / 10)))
    profile = chosen
    if profile is None:
        if not facts.get("profile"):
            raise FootprintError(f"no profile matches the GPU {facts.get('name')!r}; pass --profile NAME ('footprint profiles' lists them)")
        profile = get_profile(str(facts["profile"]))
    path = output or f"{profile.id}-measured.toml"
    write_atomic(path, measured_profile_toml(profile, results, facts))
    if as_json:
        click.echo(to_json({"profile_file": path, "gpu": facts, "measured": [
            {"precision": r.precision, "throughput_tflops": r.throughput_tflops, "power_w": r.power_w, "seconds": r.seconds,
             "energy_per_flop_pj": r.energy_j / r.flops * 1e12 if r.flops else None, "load": r.load} for r in results]}))
        return
    if facts.get("simulated"):
        click.echo("footprint: warning: the GPUs were simulated; these numbers test the pipeline, not hardware", err=True)
    click.echo(f"footprint calibrate: {facts.get('name')} (driver {facts.get('driver')}), copying profile {profile.id}")
    tdp = float(profile.tdp.value.to("W").magnitude) if profile.tdp is not None else float("nan")
    for r in results:
        peak = profile.peaks.get(r.precision)
        share = f", {r.throughput_tflops / float(peak.value.to('TFLOP/s').magnitude):.1%} of the datasheet dense peak" if peak else ""
        click.echo(f"  {r.precision}: {r.throughput_tflops:.4g} TFLOP/s{share}; {r.power_w:.4g} W ({r.power_w / tdp:.1%} of TDP); "
                   f"{r.energy_j / r.flops * 1e12 if r.flops else float('nan'):.4g} pJ/FLOP over {r.seconds:.3g} s")
    click.echo(f"wrote {path}; use it with: footprint estimate --profile-file {path} ...")
