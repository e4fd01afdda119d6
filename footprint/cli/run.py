"""``footprint run``: run a training command and meter the node's GPUs, CPU and RAM while it runs."""

from __future__ import annotations

import sys

import click

from footprint.cli.options import site_options


@click.command(context_settings={"allow_interspersed_args": False})
@click.option("--interval", metavar="TIME", help="Sampling period as a time: '2s', '500ms' (default 5s).")
@click.option("--log", "log_path", metavar="PATH",
              help="Log file (JSON lines). Default: footprint-runs/<time>-<host>-<pid>.jsonl, printed at the end.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as one JSON object (the keys of 'estimate --json') on stdout, which the command shares.")
@click.option("--json-file", "json_file", metavar="PATH", help="Also write the result as JSON to PATH (atomically), apart from the command's output.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors (and the JSON with --json).")
@click.option("--all-gpus", is_flag=True, help="Meter every GPU of the node, not only those in CUDA_VISIBLE_DEVICES.")
@click.option("--require-gpu", is_flag=True, help="Fail (exit 2) instead of metering CPU and RAM only when no GPU is found.")
@click.option("--csv", "csv_path", metavar="PATH", help="Also append a row to a codecarbon emissions.csv file.")
@click.option("--label", default="", help="A name for this run in reports.")
@click.option("--cpu-scope", type=click.Choice(["process", "machine"]), default="process", show_default=True,
              help="Modelled CPU and RAM: the command's process tree (as 'codecarbon monitor') or the whole machine "
                   "(a dedicated node).")
@click.option("--cpu-power", metavar="W", help="The CPU's full-load power, e.g. '150 W', instead of the TDP lookup.")
@click.option("--ram-power", metavar="W", help="A constant RAM power, e.g. '10 W', instead of the RAM model.")
@click.option("--log-dir", metavar="DIR",
              help="Write this node's log as DIR/<job>/<node>.jsonl (job and node from Slurm, torchrun or MPI); "
                   "one rank per node meters. 'footprint report DIR' merges the nodes.")
@click.option("--prometheus-port", type=int, metavar="PORT", help="Serve Prometheus metrics on PORT (/metrics) while the run lasts.")
@click.option("--prometheus-addr", default="0.0.0.0", show_default=True, metavar="ADDR", help="Address for --prometheus-port.")
@click.option("--prometheus-push", metavar="URL", help="Push the metrics to this Pushgateway at the end of the run.")
@click.option("--total-steps", metavar="N", help="The run's planned steps, where the script does not say (progress(total_steps=)).")
@click.option("--total-tokens", metavar="N", help="The run's planned tokens: the forecast counts work in tokens.")
@click.option("--total-flops", metavar="N", help="The run's planned FLOPs: the forecast counts work in FLOPs.")
@click.option("--precision", default="bf16", show_default=True, metavar="P",
              help="The precision of the dense peak that MFU is measured against (fp32, tf32, bf16, fp16, fp8, ...).")
@click.option("--plan", "plan", metavar="FILE", help="A saved 'footprint estimate --json': set the plan beside the measurement.")
@click.option("--budget", "budgets", multiple=True, metavar="LIMIT",
              help="A limit on the run: an energy ('5 MWh'), emissions ('2 tCO2e') or cost ('10000 USD'); repeatable.")
@click.option("--on-budget", type=click.Choice(["warn", "stop"]), default="warn", show_default=True,
              help="When a budget is reached: warn (one line), or stop the command with --budget-signal.")
@click.option("--budget-signal", default="SIGTERM", show_default=True, metavar="SIG",
              help="The signal that stops the command at a budget (SIGUSR1 suits checkpoint-on-signal handlers).")
@site_options
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def run(command: tuple[str, ...], interval: str | None, log_path: str | None, as_json: bool, json_file: str | None,
        quiet: bool, all_gpus: bool, require_gpu: bool, csv_path: str | None, label: str, cpu_scope: str,
        cpu_power: str | None, ram_power: str | None, log_dir: str | None, prometheus_port: int | None,
        prometheus_addr: str, prometheus_push: str | None, total_steps: str | None, total_tokens: str | None,
        total_flops: str | None, precision: str, plan: str | None, budgets: tuple[str, ...], on_budget: str,
        budget_signal: str, **site: str | None) -> None:
    """Run a training command and meter its GPUs, CPU and RAM.

    The command runs as a child process (no shell); its exit code is this command's exit code (128+N if it
    died by signal N). SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM and SIGWINCH are forwarded to
    it; if this process is killed, the command gets SIGTERM. GPUs are metered through NVML
    (energy counter, else power polling), the CPU through RAPL (else a labelled model), RAM by a labelled model.
    Set FOOTPRINT_FAKE_GPUS=file.toml to simulate GPUs.

    The command (and its children) can report its work with footprint.progress(step=, tokens=, flops=, samples=):
    the meter then gives energy per step, token and FLOP, MFU, and a forecast of the whole run, and holds budgets.

    \b
    Examples:
      footprint run -- python train.py --lr 3e-4
      footprint run --region CHN --price "2 USD/h" --json -- torchrun --nproc-per-node 8 train.py
      footprint run --total-steps 20000 --budget "5 MWh" --on-budget stop --budget-signal SIGUSR1 -- python train.py
    """
    from footprint.meter.node_run import NodeRun, run_unmetered, signal_pending
    from footprint.meter.outfiles import check_writable
    from footprint.meter.recorder import Recorder, RecorderOptions, default_log_path, parse_interval, stderr_is_tty
    from footprint.meter.sampler import DEFAULT_INTERVAL_S
    from footprint.meter.wrap import SignalGuard

    seconds = parse_interval(interval) if interval is not None else DEFAULT_INTERVAL_S
    if log_path and log_dir:
        from footprint.errors import FootprintError

        raise FootprintError("--log and --log-dir: give one; --log-dir names the log DIR/<job>/<node>.jsonl itself")
    # files written after the job are checked before it: a bad path must not cost a run, nor its exit code
    if json_file:
        check_writable(json_file, "--json-file")
    if csv_path:
        from footprint.meter.codecarbon_csv import check_csv_path

        check_csv_path(csv_path)
    from footprint.meter.host_model import host_settings

    node = NodeRun()

    def recorder_options(extra: dict[str, object] | None = None) -> RecorderOptions:
        log = log_path or (str(node.log_path(log_dir)) if log_dir else str(default_log_path()))
        settings = host_settings(cpu_scope, cpu_power, ram_power)
        if node.visible_devices() is not None:
            import dataclasses

            # the GPUs of the launcher's step on this node, where the job's own variable names only a rank's
            settings = dataclasses.replace(settings, visible={**settings.visible, "CUDA_VISIBLE_DEVICES": node.visible_devices()})
        return RecorderOptions(interval=seconds, log_path=log, site=dict(site), all_gpus=all_gpus,
                               require_gpu=require_gpu, label=label, command=list(command),
                               header_extra={**node.header(), **(extra or {})}, settings=settings)

    def take_over(extra: dict[str, object]) -> Recorder:  # the node's meter died: this rank meters the rest
        recorder = Recorder(recorder_options(extra))
        recorder.start()
        return recorder

    if not node.join():  # another rank of this job meters the node
        sys.exit(run_unmetered(node, list(command), quiet, takeover=take_over))
    options = recorder_options()
    log = str(options.log_path)
    exporter = None
    if prometheus_port is not None or prometheus_push:
        from footprint.meter.exporter import make_exporter

        exporter = make_exporter(str(node.launch.job or ""), node.launch.node, dict(site), prometheus_port,
                                 prometheus_addr, prometheus_push)
    # signals are blocked before the meters load (and start thread pools), so that every thread inherits the block
    with SignalGuard() as guard:
        from footprint.meter.work import WorkSetup

        # a bad budget, total or plan is refused here, before the command starts
        options.work = WorkSetup.build(total_steps=total_steps, total_tokens=total_tokens, total_flops=total_flops,
                                       budget=list(budgets), on_budget=on_budget, budget_signal=budget_signal,
                                       precision=precision, plan=plan)
        child_env, own_files = _work_channel(node, options.work)
        options.say = lambda line: click.echo(f"footprint: {line}", err=True)
        options.on_budget_stop = lambda name: _stop_command(guard, name)
        status = _status(site) if (not quiet and stderr_is_tty()) else None
        watchers = [w for w in (status.update if status else None, exporter.collector.update if exporter else None) if w]
        if exporter is not None:
            exporter.start()  # a port in use fails here, before the command starts
        recorder = Recorder(options, on_record=(lambda r, ledger: [w(r, ledger) for w in watchers]) if watchers else None)
        try:
            recorder.start(threaded=False)
        except BaseException:
            _remove(own_files)
            raise
        for watcher in (status, exporter.collector if exporter else None):
            if watcher is not None:
                watcher.work = recorder.work  # the forecast in the status line and the metrics
        if not quiet:
            for note in recorder.notes:
                click.echo(f"footprint: {note}", err=True)
        if status:
            status.begin()  # reserve the status row while nothing of the child's is on the screen
        try:
            child = guard.run(list(command), on_started=lambda _: recorder.start_thread(), env=child_env)
        except BaseException as exc:
            recorder.stop(error=str(exc))
            _remove(own_files)
            raise
        final: dict[str, object] = {"exit_code": child.exit_code, "signal": child.signal, "forwarded": child.forwarded}
        final.update(node.wait_ranks(signal_pending(guard.signals)))  # the node's other ranks may still run
        if not child.started:
            final["note"] = "stopped by a signal before the command started"
        if child.left_running:
            final["left_running"] = child.left_running
        try:
            fp = recorder.stop(**final)
        finally:
            _remove(own_files)
            node.release()
            problem = exporter.close() if exporter is not None else None
            if problem:  # a lost result, not progress: --quiet never hides it
                click.echo(f"footprint: {problem}", err=True)
        if status:
            status.clear()
        _output(fp, list(command), child, log, as_json, json_file, quiet, csv_path, recorder)
    sys.exit(child.exit_code)


def _work_channel(node: object, work: object) -> tuple[dict[str, str], list[str]]:
    """The progress channel and the live snapshot file for the command: the node's shared ones under a launcher
    (every rank of the node reaches this meter), else new temporary files; the environment that names them, and
    the files to remove at the end."""
    import os

    from footprint.meter.node_run import NodeRun
    from footprint.meter.progress import ENV, LIVE_ENV, create_channel
    from footprint.meter.work import WorkSetup

    assert isinstance(node, NodeRun) and isinstance(work, WorkSetup)
    shared = node.progress_path()
    work.channel = create_channel(shared)
    work.live_path = f"{work.channel}.live.json"
    own = [work.channel, work.live_path] if shared is None else [work.live_path]
    return {**os.environ, ENV: work.channel, LIVE_ENV: work.live_path}, own


def _stop_command(guard: object, signal_name: str) -> None:
    """A budget with --on-budget stop was reached: send the command the chosen signal (once; the meter goes on
    until the command has saved what it needs and exited)."""
    import os
    import signal

    from footprint.meter.wrap import SignalGuard

    assert isinstance(guard, SignalGuard)
    if guard.pid is not None:
        try:
            os.kill(guard.pid, signal.Signals[signal_name])
        except ProcessLookupError:
            pass


def _remove(paths: list[str]) -> None:
    import contextlib
    import os

    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _status(site: dict[str, str | None]) -> object:
    from footprint.estimates.inputs import resolve_site
    from footprint.meter.status import StatusLine

    resolved = resolve_site(**{k: v for k, v in site.items() if v is not None})
    co2_only = False
    if site.get("region") and not site.get("intensity"):
        from footprint.plugins.grid import lookup

        co2_only = lookup(str(site["region"])).co2_only
    return StatusLine(sys.stderr, float(resolved.pue.central.magnitude),
                      float(resolved.intensity.central.to("gCO2e/kWh").magnitude), co2_only=co2_only)


def _output(fp: object, command: list[str], child: object, log: str, as_json: bool, json_file: str | None, quiet: bool,
            csv_path: str | None, recorder: object) -> None:
    """Print and write the result; a file that cannot be written is named, and the others are still written."""
    import shlex

    from footprint.cli import user_message
    from footprint.core.result import Footprint
    from footprint.meter.outfiles import write_file
    from footprint.meter.recorder import Recorder
    from footprint.meter.wrap import ChildResult
    from footprint.render.text import to_json

    assert isinstance(fp, Footprint) and isinstance(recorder, Recorder) and isinstance(child, ChildResult)
    data = fp.as_json()
    text = to_json(data) + "\n"
    problems = [loss] if (loss := recorder.log_loss()) else []
    summary_path = _summary_path(log) if recorder.writer is not None and recorder.writer.regular else None
    written = []
    for path, what in ((summary_path, "summary"), (json_file, "--json-file")):
        if path is None:
            continue
        try:
            write_file(path, text)
            written.append(path)
        except Exception as exc:  # a full disk (or a bug) must not hide the result printed below
            problems.append(f"{what}: {user_message(exc) or f'cannot write {path}: {_os_reason(exc)}'}")
    if csv_path:
        from footprint.meter.codecarbon_csv import append_row

        try:
            append_row(csv_path, fp, project=fp.label or "footprint")
        except Exception as exc:  # as above
            problems.append(user_message(exc) or f"--csv: cannot write {csv_path}: {_os_reason(exc)}")
    if child.left_running:
        pids = ", ".join(map(str, child.left_running[:10])) + (" ..." if len(child.left_running) > 10 else "")
        problems.append(f"warning: the command exited but left {len(child.left_running)} process(es) running (pid {pids}): "
                        "they are not metered after this point")
    if as_json:
        click.echo(to_json(data))
    elif not quiet:
        from footprint.render.summary import summary

        shown = shlex.join(command)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        click.echo(summary(fp, f"footprint run: {shown} (exit {child.exit_code})"))
        click.echo("")
        if recorder.log_failed_at is None:
            # a log path used again holds earlier runs too: the rebuild command names this one
            only = f" --run {recorder.header['run_id'][:12]}" if recorder.writer is not None and recorder.writer.appended else ""
            click.echo(f"log: {log}  (rebuild with 'footprint report {log}{only}')")
        else:
            click.echo(f"log: {log}  (incomplete: it stops {recorder.log_failed_at:g} s into the run; the result above is whole)")
        if summary_path in written:
            click.echo(f"summary: {summary_path}")
    from footprint.render.summary import problems as result_problems

    for problem in problems + result_problems(fp):  # lost or doubtful results: said even with --quiet
        click.echo(f"footprint run: {problem}", err=True)


def _os_reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or f"{type(exc).__name__}: {exc}"


def _summary_path(log: str) -> str:
    return (log[: -len(".jsonl")] if log.endswith(".jsonl") else log) + ".summary.json"
