"""``footprint run``: run a training command and meter the node's GPUs, CPU and RAM while it runs."""

from __future__ import annotations

import sys

import click

from footprint.cli.options import site_options


@click.command(context_settings={"allow_interspersed_args": False})
@click.option("--interval", metavar="TIME", help="Sampling period as a time: '2s', '500ms' (default 5s).")
@click.option("--log", "log_path", metavar="PATH",
              help="Log file (JSON lines). Default: footprint-runs/<time>-<host>-<pid>.jsonl, printed at the end.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object (the keys of 'estimate --json').")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors (and the JSON with --json).")
@click.option("--all-gpus", is_flag=True, help="Meter every GPU of the node, not only those in CUDA_VISIBLE_DEVICES.")
@click.option("--require-gpu", is_flag=True, help="Fail (exit 2) instead of metering CPU and RAM only when no GPU is found.")
@click.option("--csv", "csv_path", metavar="PATH", help="Also append a row to a codecarbon emissions.csv file.")
@click.option("--label", default="", help="A name for this run in reports.")
@site_options
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def run(command: tuple[str, ...], interval: str | None, log_path: str | None, as_json: bool, quiet: bool,
        all_gpus: bool, require_gpu: bool, csv_path: str | None, label: str, **site: str | None) -> None:
    """Run a training command and meter its GPUs, CPU and RAM.

    The command runs as a child process (no shell); its exit code is this command's exit code (128+N if it
    died by signal N), and SIGINT, SIGTERM and SIGHUP are forwarded to it. GPUs are metered through NVML
    (energy counter, else power polling), the CPU through RAPL (else a labelled model), RAM by a labelled model.
    Set FOOTPRINT_FAKE_GPUS=file.toml to simulate GPUs.

    \b
    Examples:
      footprint run -- python train.py --lr 3e-4
      footprint run --region CHN --price "2 USD/h" --json -- torchrun --nproc-per-node 8 train.py
    """
    from footprint.meter.recorder import Recorder, RecorderOptions, default_log_path, parse_interval, stderr_is_tty
    from footprint.meter.sampler import DEFAULT_INTERVAL_S
    from footprint.meter.wrap import SignalGuard

    seconds = parse_interval(interval) if interval is not None else DEFAULT_INTERVAL_S
    log = log_path or str(default_log_path())
    options = RecorderOptions(interval=seconds, log_path=log, site=dict(site), all_gpus=all_gpus,
                              require_gpu=require_gpu, label=label, command=list(command))
    # signals are blocked before the meters load (and start thread pools), so that every thread inherits the block
    with SignalGuard() as guard:
        status = _status(site) if (not quiet and stderr_is_tty()) else None
        recorder = Recorder(options, on_record=status.update if status else None)
        recorder.start(threaded=False)
        if not quiet:
            for note in recorder.notes:
                click.echo(f"footprint: {note}", err=True)
        if status:
            status.begin()  # reserve the status row while nothing of the child's is on the screen
        try:
            child = guard.run(list(command), on_started=lambda _: recorder.start_thread())
        except BaseException as exc:
            recorder.stop(error=str(exc))
            raise
        final = {"exit_code": child.exit_code, "signal": child.signal, "forwarded": child.forwarded}
        if not child.started:
            final["note"] = "stopped by a signal before the command started"
        try:
            fp = recorder.stop(**final)
            if status:
                status.clear()
            _output(fp, list(command), child.exit_code, log, as_json, quiet, csv_path, recorder)
        except Exception as exc:
            from footprint.cli import user_message

            message = user_message(exc) or f"{type(exc).__name__}: {exc}"
            click.echo(f"footprint run: error: {message} (the log {log} is complete; try 'footprint report {log}')", err=True)
            sys.exit(child.exit_code or 2)
    sys.exit(child.exit_code)


def _status(site: dict[str, str | None]) -> object:
    from footprint.inputs import resolve_site
    from footprint.meter.status import StatusLine

    resolved = resolve_site(**{k: v for k, v in site.items() if v is not None})
    co2_only = False
    if site.get("region") and not site.get("intensity"):
        from footprint.grid import lookup

        co2_only = lookup(str(site["region"])).basis.startswith("CO2 only")
    return StatusLine(sys.stderr, float(resolved.pue.central.magnitude),
                      float(resolved.intensity.central.to("gCO2e/kWh").magnitude), co2_only=co2_only)


def _output(fp: object, command: list[str], exit_code: int, log: str, as_json: bool, quiet: bool, csv_path: str | None,
            recorder: object) -> None:
    import shlex

    from footprint.meter.log import write_atomic
    from footprint.meter.summary import summary
    from footprint.report import to_json
    from footprint.result import Footprint

    assert isinstance(fp, Footprint)
    data = fp.as_json()
    summary_path = _summary_path(log)
    write_atomic(summary_path, to_json(data) + "\n")
    if csv_path:
        from footprint.meter.codecarbon_csv import append_row

        append_row(csv_path, fp, project=fp.label or "footprint")
    if as_json:
        click.echo(to_json(data))
        return
    if quiet:
        return
    shown = shlex.join(command)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    click.echo(summary(fp, f"footprint run: {shown} (exit {exit_code})"))
    click.echo("")
    click.echo(f"log: {log}  (rebuild with 'footprint report {log}')")
    click.echo(f"summary: {summary_path}")


def _summary_path(log: str) -> str:
    return (log[: -len(".jsonl")] if log.endswith(".jsonl") else log) + ".summary.json"
