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
@click.option("--log-dir", metavar="DIR",
              help="Write this node's log as DIR/<job>/<node>.jsonl (job and node from Slurm, torchrun or MPI); "
                   "one rank per node meters. 'footprint report DIR' merges the nodes.")
@click.option("--prometheus-port", type=int, metavar="PORT", help="Serve Prometheus metrics on PORT (/metrics) while the run lasts.")
@click.option("--prometheus-addr", default="0.0.0.0", show_default=True, metavar="ADDR", help="Address for --prometheus-port.")
@click.option("--prometheus-push", metavar="URL", help="Push the metrics to this Pushgateway at the end of the run.")
@site_options
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def run(command: tuple[str, ...], interval: str | None, log_path: str | None, as_json: bool, quiet: bool,
        all_gpus: bool, require_gpu: bool, csv_path: str | None, label: str, log_dir: str | None,
        prometheus_port: int | None, prometheus_addr: str, prometheus_push: str | None, **site: str | None) -> None:
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
    from footprint.meter.node_run import NodeRun, run_unmetered, signal_pending
    from footprint.meter.recorder import Recorder, RecorderOptions, default_log_path, parse_interval, stderr_is_tty
    from footprint.meter.sampler import DEFAULT_INTERVAL_S
    from footprint.meter.wrap import SignalGuard

    seconds = parse_interval(interval) if interval is not None else DEFAULT_INTERVAL_S
    if log_path and log_dir:
        from footprint.errors import FootprintError

        raise FootprintError("--log and --log-dir: give one; --log-dir names the log DIR/<job>/<node>.jsonl itself")
    node = NodeRun()
    if not node.join():  # another rank of this job meters the node
        sys.exit(run_unmetered(node, list(command), quiet))
    log = log_path or (str(node.log_path(log_dir)) if log_dir else str(default_log_path()))
    options = RecorderOptions(interval=seconds, log_path=log, site=dict(site), all_gpus=all_gpus,
                              require_gpu=require_gpu, label=label, command=list(command), header_extra=node.header())
    if node.visible_devices() is not None:
        from footprint.meter.channels import MeterSettings

        options.settings = MeterSettings(visible_devices=node.visible_devices())
    exporter = None
    if prometheus_port is not None or prometheus_push:
        from footprint.meter.exporter import make_exporter

        exporter = make_exporter(str(node.launch.job or ""), node.launch.node, dict(site), prometheus_port,
                                 prometheus_addr, prometheus_push)
    # signals are blocked before the meters load (and start thread pools), so that every thread inherits the block
    with SignalGuard() as guard:
        status = _status(site) if (not quiet and stderr_is_tty()) else None
        watchers = [w for w in (status.update if status else None, exporter.collector.update if exporter else None) if w]
        if exporter is not None:
            exporter.start()  # a port in use fails here, before the command starts
        recorder = Recorder(options, on_record=(lambda r, ledger: [w(r, ledger) for w in watchers]) if watchers else None)
        recorder.start(threaded=False)
        if not quiet:
            for note in recorder.notes:
                click.echo(f"footprint: {note}", err=True)
        try:
            child = guard.run(list(command), on_started=lambda _: recorder.start_thread())
        except BaseException as exc:
            recorder.stop(error=str(exc))
            raise
        final = {"exit_code": child.exit_code, "signal": child.signal, "forwarded": child.forwarded}
        final.update(node.wait_ranks(signal_pending(guard.signals)))  # the node's other ranks may still run
        if not child.started:
            final["note"] = "stopped by a signal before the command started"
        try:
            try:
                fp = recorder.stop(**final)
            finally:
                node.release()
                problem = exporter.close() if exporter is not None else None
                if problem and not quiet:
                    click.echo(f"footprint: {problem}", err=True)
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
    return StatusLine(sys.stderr, float(resolved.pue.central.magnitude),
                      float(resolved.intensity.central.to("gCO2e/kWh").magnitude))


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
