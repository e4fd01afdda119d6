"""The command line: a lazy click group (each command's module is imported only when that command runs, so
``--help`` and ``--version`` stay instant) and the one error path that turns problems into one line + exit 2."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from typing import Any

import click

from footprint import __version__

# command name -> "module:attribute"; a command whose module is absent is simply not listed.
COMMANDS = {
    "estimate": "footprint.cli.estimate:estimate",
    "run": "footprint.cli.run:run",
    "report": "footprint.cli.report:report",
    "compare": "footprint.cli.compare:compare",
    "claims": "footprint.cli.claims:claims",
    "references": "footprint.cli.references:references",
    "calibrate": "footprint.cli.calibrate:calibrate",
    "profiles": "footprint.cli.profiles:profiles",
    "regions": "footprint.cli.regions:regions",
    "plugins": "footprint.cli.plugins:plugins",
    "plot": "footprint.cli.plot:plot",
}

# one-line summaries for the root --help, so listing commands imports none of them
SUMMARIES = {
    "estimate": "Estimate a training run's energy, emissions and cost.",
    "run": "Run a training command and meter its GPUs, CPU and RAM.",
    "report": "Rebuild the result of a metered run from its log.",
    "compare": "Put runs, references and scenarios on one method, side by side.",
    "claims": "Check published claims (DeepSeek coverage) with the same method.",
    "references": "List published training footprints and check we reproduce them.",
    "calibrate": "Measure energy per FLOP on the local GPU and write a measured profile.",
    "profiles": "List hardware profiles, or show one with its sources.",
    "regions": "List grid carbon-intensity regions.",
    "plugins": "List loaded plugins and their hooks.",
    "plot": "Draw a metered run's power and energy, or a result's energy by component.",
}


def _available(name: str) -> bool:
    module = COMMANDS[name].split(":")[0]
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _available(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not _available(cmd_name):
            return None
        module, attr = COMMANDS[cmd_name].split(":")
        from footprint.core.startup import building

        with building():
            return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, "--version", prog_name="footprint")
@click.option("--debug", is_flag=True, envvar="FOOTPRINT_DEBUG", help="Show tracebacks (also FOOTPRINT_DEBUG=1).")
def cli(debug: bool) -> None:
    """footprint: what a training run costs in energy, carbon and money, before it runs and while it runs.

    \b
    Example:
      footprint estimate --profile h800 --gpus 2048 --hours 1300
      footprint estimate --profile h800 --gpu-hours 2.788e6 --price "2 USD/h" --region CHN
      footprint run -- python train.py
    """
    _options["debug"] = debug


# set by the group's callback once click has parsed the options; main() reads it when a command fails
_options: dict[str, bool] = {"debug": False}


def _debug() -> bool:
    return _options["debug"] or os.environ.get("FOOTPRINT_DEBUG", "") not in ("", "0")


def _command_name(args: list[str]) -> str:
    for a in args:
        if not a.startswith("-"):
            return f"footprint {a}"
        if a == "--":
            break
    return "footprint"


def main(args: list[str] | None = None) -> Any:
    """Entry point: runs the CLI; user errors become one line on stderr and exit code 2."""
    argv = sys.argv[1:] if args is None else args
    prog = _command_name(argv)
    if args is None:  # the process's entry point (the console script, python -m footprint), not a caller's
        from footprint.core.startup import own_process

        own_process()
        try:
            result = _main(argv, prog)
        except SystemExit as exc:
            _leave_stray_threads(exc.code)
            raise
        except BaseException as exc:  # a bug's traceback, or Ctrl-C: said as Python would, then gone
            if _stray_threads() is not None:
                import traceback

                traceback.print_exc()
                _leave_stray_threads(130 if isinstance(exc, KeyboardInterrupt) else 1)
            raise
        _leave_stray_threads(0)
        return result
    return _main(argv, prog)


def _stray_threads() -> list[str] | None:
    """The names of threads that would keep this process alive after its command, or [] where a plugin was
    abandoned (its code may start one at any time, or hang at exit); None where there is nothing to fear."""
    import threading

    strays = [t.name for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    manager = sys.modules.get("footprint.plugins.manager")
    abandoned = manager is not None and manager.state.cache_info().currsize and manager.state().abandoned
    return strays if strays or abandoned else None


def _leave_stray_threads(code: object) -> None:
    """Exit now, without waiting for threads a plugin left running (or abandoned plugin code), where there are any.

    Python waits for every non-daemon thread before it exits: a plugin that started one that never ends would
    keep footprint alive after its command, its output printed and its exit code known."""
    strays = _stray_threads()
    if strays is None:
        return
    if strays:
        print(f"footprint: warning: not waiting for thread(s) {', '.join(map(repr, strays))} that a plugin left "
              "running", file=sys.stderr)
    if isinstance(code, str):
        print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            continue
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def _main(argv: list[str], prog: str) -> Any:
    _options["debug"] = False
    try:
        with _plugin_output_to_stderr():
            return cli.main(args=argv, prog_name="footprint", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(130)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(2)
    except click.exceptions.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else prog
        click.echo(f"{where}: error: {exc.format_message()} (see '{where} --help')", err=True)
        sys.exit(2)
    except click.exceptions.ClickException as exc:
        click.echo(f"{prog}: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if _debug():
            raise
        message = user_message(exc)
        if message is None:
            raise
        click.echo(f"{prog}: error: {message}", err=True)
        sys.exit(2)


class _PluginAwareStdout:
    """``sys.stdout`` while a command runs: footprint's own output goes where stdout went, and what a plugin prints
    (at import, in a hook, opening a meter) goes to stderr, so that ``--json`` output stays one JSON document.

    The plugin manager says which plugin's code is running in this context (its threads included); before it
    is imported no plugin has run. Output written to file descriptor 1 directly (by C code, by a subprocess) is
    beyond what this can see."""

    def __init__(self, stdout: Any) -> None:
        self._stdout = stdout

    def _target(self) -> Any:
        manager = sys.modules.get("footprint.plugins.manager")
        if manager is not None and manager.plugin_running() is not None:
            return sys.stderr
        return self._stdout

    def write(self, text: str) -> int:
        return self._target().write(text)  # type: ignore[no-any-return]

    def writelines(self, lines: Any) -> None:
        self._target().writelines(lines)

    def flush(self) -> None:
        self._stdout.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, buffer: the real stream's
        return getattr(self._stdout, name)


@contextmanager
def _plugin_output_to_stderr() -> Iterator[None]:
    stdout = sys.stdout
    sys.stdout = _PluginAwareStdout(stdout)  # type: ignore[assignment]
    try:
        yield
    finally:
        if isinstance(sys.stdout, _PluginAwareStdout):
            sys.stdout = stdout


def user_message(exc: BaseException) -> str | None:
    """The one-line message for an error a user caused, or None for a bug (which keeps its traceback)."""
    from footprint.errors import FootprintError

    if isinstance(exc, FootprintError):
        return str(exc).replace("\n", " ")
    pint = sys.modules.get("pint")
    if pint is not None and isinstance(exc, pint.PintError):
        return f"unit error: {exc}".replace("\n", " ")
    return None
