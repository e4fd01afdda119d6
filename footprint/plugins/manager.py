"""The plugin manager: built-in plugins plus entry points of the group ``footprint``, loaded once, on demand.

``FOOTPRINT_LOAD_PLUGINS`` picks which external plugins load: unset loads all, empty loads none, otherwise a
comma-separated list of entry-point names (a name that is not installed is an error naming those that are).

Hooks are called through pluggy itself (``pm.hook.NAME(...)``), so wrappers (``hookimpl(wrapper=True)``),
``tryfirst``/``trylast`` and pluggy's call monitoring all work. Each plugin's implementations are guarded when it
is registered: anything a plugin raises (``SystemExit`` included, ``KeyboardInterrupt`` excepted) or an answer of
the wrong kind disables that plugin's contribution, with a one-line warning naming it, and the other plugins
still answer. A third-party plugin's import and hooks run in a daemon thread that is waited for at most
``FOOTPRINT_PLUGIN_TIMEOUT`` seconds (default 5): one that has not answered by then, or when SIGINT or SIGTERM
is pending, is abandoned and named, so that no plugin can hang a command. ``plugin_running()`` names the plugin
whose code runs, so that the command line sends what it prints to stderr and keeps its own output whole. A
third-party plugin named like another plugin is refused, naming both packages; the plugin that had the name
keeps it.
``FOOTPRINT_TRACE=1`` prints every hook call, the plugin that answered and its time to stderr.

This module imports neither pint nor the modules that use the hooks: they ask it for data (``collect``,
``first``, ``memo``), never the other way round, so the import rule "core <- plugins <- features" has no cycle.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import inspect
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pluggy

from footprint.errors import FootprintError, suggest
from footprint.plugins import hookspecs

DEFAULT_PLUGINS = (
    "footprint.plugins.builtin.shipped_profiles",
    "footprint.plugins.builtin.user_profiles",
    "footprint.plugins.builtin.codecarbon_grid",
    "footprint.plugins.builtin.references",
    "footprint.plugins.builtin.meters",
    "footprint.plugins.builtin.calibrate_loads",
)

ENTRY_POINT_GROUP = "footprint"
PROJECT = "footprint"

# What a plugin may not take down: everything but a user's Ctrl-C (and a generator being closed, which is how
# Python ends a wrapper, not an error).
_PASS_THROUGH = (KeyboardInterrupt, GeneratorExit)

T = TypeVar("T")
Check = Callable[[Any], str | None]
"""Says what is wrong with a plugin's answer (``"a str, not a GridIntensity"``), or None when it is fine."""

DEFAULT_TIMEOUT_S = 5.0
TIMEOUT_VARIABLE = "FOOTPRINT_PLUGIN_TIMEOUT"
# the signals a wait for a plugin gives way to, where the caller blocked them (``footprint run`` does, so that
# the command gets them): the wait must not outlast the user's request to stop
_STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
_POLL_S = 0.05

_current_plugin: contextvars.ContextVar[str | None] = contextvars.ContextVar("footprint_plugin", default=None)
_current_check: contextvars.ContextVar[Check | None] = contextvars.ContextVar("footprint_check", default=None)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _describe_exception(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"SystemExit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def plugin_timeout() -> float:
    """Seconds a plugin's import, hook or meter start is waited for: ``FOOTPRINT_PLUGIN_TIMEOUT``, default 5."""
    text = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise FootprintError(f"{TIMEOUT_VARIABLE}: {text!r} is not a time; expected seconds > 0, such as 5")
    return seconds


class PluginTimeoutError(Exception):
    """A plugin's code did not return in time; it goes on in a daemon thread that nobody waits for."""


def _stop_pending() -> str | None:
    """The name of a pending SIGINT or SIGTERM this thread has blocked (``footprint run`` blocks them for the
    command), or None."""
    if not hasattr(signal, "sigpending"):
        return None
    pending = signal.sigpending() & _STOP_SIGNALS
    return signal.Signals(min(pending)).name if pending else None


def plugin_running() -> str | None:
    """The plugin whose code runs in this context (its import, a hook, a meter's open or start), or None."""
    return _current_plugin.get()


def _as_plugin(plugin: str, function: Callable[..., T], args: tuple[Any, ...]) -> T:
    _current_plugin.set(plugin)  # in the thread's own copy of the context
    return function(*args)


def within_deadline(function: Callable[..., T], *args: Any, plugin: str) -> T:
    """``function(*args)``, run in a daemon thread and waited for at most ``plugin_timeout()`` seconds.

    Its result is returned and what it raises is raised here. A call that has not returned by the deadline, or
    when a stop signal is pending, raises PluginTimeoutError: a thread cannot be stopped, so it is left running and
    forgotten (a daemon thread does not keep the process alive). The context (the plugin being called, the
    check of its answer) goes with it, ``plugin`` set as the one running, and so do blocked signals: the thread
    inherits the caller's mask.
    """
    seconds = plugin_timeout()
    done = threading.Event()
    outcome: list[tuple[bool, Any]] = []
    context = contextvars.copy_context()

    def target() -> None:
        try:
            outcome.append((True, context.run(_as_plugin, plugin, function, args)))
        except BaseException as exc:  # carried to the caller, who decides what is isolated
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=target, name=f"footprint plugin {plugin}", daemon=True).start()
    deadline = time.monotonic() + seconds
    while not done.wait(min(_POLL_S, max(0.0, deadline - time.monotonic()))):
        stop = _stop_pending()
        if stop is not None:
            raise PluginTimeoutError(f"had not answered when {stop} arrived; abandoned")
        if time.monotonic() >= deadline:
            raise PluginTimeoutError(f"did not answer within {seconds:g} s ({TIMEOUT_VARIABLE}); abandoned")
    ok, value = outcome[0]
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


@dataclass
class PluginFailure:
    """A plugin that could not be loaded, raised inside a hook or answered with the wrong kind of value."""

    name: str
    error: str


@dataclass
class PluginState:
    pm: FootprintPluginManager
    failures: list[PluginFailure] = field(default_factory=list)
    # answers that were dropped (the plugin stays enabled): plugin name -> reasons
    dropped: dict[str, list[str]] = field(default_factory=dict)
    # entry-point name -> (distribution, version); pluggy records this only for its own entry-point loader
    distributions: dict[str, tuple[str, str]] = field(default_factory=dict)
    # what features built from the hooks (catalog, references, meters): forgotten whenever the plugin set changes
    memo: dict[str, Any] = field(default_factory=dict)
    trace: bool = False
    warned: set[tuple[str, str]] = field(default_factory=set)
    # entry points refused because another plugin holds their name: (name, error); the holder stays enabled
    refused: list[PluginFailure] = field(default_factory=list)
    # plugins abandoned while their code still ran (a daemon thread nobody waits for)
    abandoned: list[str] = field(default_factory=list)

    def failed(self, name: str) -> bool:
        return any(f.name == name for f in self.failures)

    def fail(self, name: str, error: str) -> None:
        """Disable plugin ``name`` (its hooks answer nothing from now on) and say so once, on one line."""
        if self.failed(name):
            return
        error = _one_line(error)
        self.failures.append(PluginFailure(name, error))
        self.memo.clear()  # anything built earlier may hold its contributions
        print(f"footprint: warning: plugin {name!r} skipped: {error}", file=sys.stderr)

    def refuse(self, name: str, error: str) -> None:
        """Refuse an entry point whose name is taken (the plugin holding it is untouched), with one warning."""
        error = _one_line(error)
        self.refused.append(PluginFailure(name, error))
        print(f"footprint: warning: plugin {name!r} skipped: {error}", file=sys.stderr)

    def warn(self, message: str) -> None:
        """One warning line, printed once per process however often it is raised (a hook runs once per plugin set)."""
        message = _one_line(message)
        if ("", message) not in self.warned:
            self.warned.add(("", message))
            print(f"footprint: warning: {message}", file=sys.stderr)

    def drop(self, name: str, reason: str, key: str = "") -> None:
        """Drop one answer of plugin ``name`` (the plugin stays enabled) and say so on one line, once per ``key``
        (the hook, say: a plugin that answers every region wrongly warns once, not once per region)."""
        reason = _one_line(reason)
        seen = self.dropped.setdefault(name, [])
        if (name, key or reason) not in self.warned:
            self.warned.add((name, key or reason))
            seen.append(reason)
            print(f"footprint: warning: plugin {name!r}: {reason}; ignored", file=sys.stderr)


class FootprintPluginManager(pluggy.PluginManager):
    """A pluggy manager whose registered hook implementations are guarded, plugin by plugin."""

    def __init__(self, state: PluginState | None = None) -> None:
        super().__init__(PROJECT)
        self.state = state
        self.builtin: set[str] = set()  # names of footprint's own plugins (see _guard)

    def register(self, plugin: object, name: str | None = None) -> str | None:
        registered = super().register(plugin, name)
        if registered is not None:
            for caller in self.get_hookcallers(plugin) or []:
                for impl in caller.get_hookimpls():
                    if impl.plugin is plugin:
                        # HookImpl.function is what pluggy's call loop invokes; guarding it keeps that loop
                        impl.function = _guard(self, impl, caller.name)  # type: ignore[misc]
            self._changed()
        return registered

    def unregister(self, plugin: object | None = None, name: str | None = None) -> Any | None:
        removed = super().unregister(plugin, name)
        self._changed()
        return removed

    def _changed(self) -> None:
        if self.state is not None:
            self.state.memo.clear()

    def _fail(self, name: str, error: str) -> None:
        if self.state is not None:
            self.state.fail(name, error)

    def _abandon(self, name: str, error: str) -> None:
        if self.state is not None:
            self.state.abandoned.append(name)
        self._fail(name, error)

    def _drop(self, name: str, reason: str, key: str) -> None:
        if self.state is not None:
            self.state.drop(name, reason, key)

    def _disabled(self, name: str) -> bool:
        return self.state is not None and self.state.failed(name)

    def _trace(self, hook: str, plugin: str, started: float, outcome: str) -> None:
        if self.state is not None and self.state.trace:
            ms = (time.perf_counter() - started) * 1000
            print(f"footprint: trace: {hook} plugin {plugin!r} {ms:.2f} ms {outcome}", file=sys.stderr)


def _guard(pm: FootprintPluginManager, impl: pluggy.HookImpl, hook: str) -> Callable[..., Any]:
    """Wrap one hook implementation: isolate what it raises, check what it answers, trace it."""
    function = impl.function
    plugin = impl.plugin_name
    if impl.wrapper or impl.hookwrapper:
        return _guard_wrapper(pm, function, plugin, hook)

    isolated = plugin not in pm.builtin

    @functools.wraps(function)
    def guarded(*args: Any) -> Any:
        if pm._disabled(plugin):
            return None
        started = time.perf_counter()
        token = _current_plugin.set(plugin)
        try:
            result = within_deadline(function, *args, plugin=plugin) if isolated else function(*args)
            check = _current_check.get()
            problem = check(result) if check is not None and result is not None else None
        except _PASS_THROUGH:
            raise
        except PluginTimeoutError as hung:
            pm._trace(hook, plugin, started, "abandoned")
            pm._abandon(plugin, f"{hook} {hung}")
            return None
        except BaseException as exc:
            pm._trace(hook, plugin, started, "raised")
            if plugin in pm.builtin:
                # footprint's own plugins are not isolated: their FootprintError is the user's bad input (a
                # FOOTPRINT_PROFILE_PATH that is no directory, a broken user profile) and anything else our bug
                raise
            pm._fail(plugin, f"{hook} raised {_describe_exception(exc)}")
            return None
        finally:
            _current_plugin.reset(token)
        if problem is not None:
            pm._drop(plugin, f"{hook} returned {problem}", hook)
            pm._trace(hook, plugin, started, "dropped")
            return None
        pm._trace(hook, plugin, started, "answered" if result is not None else "returned None")
        return result

    return guarded


def _guard_wrapper(pm: FootprintPluginManager, function: Callable[..., Any], plugin: str, hook: str) -> Callable[..., Any]:
    """A wrapper that fails (or hangs) before its ``yield`` is skipped; one that fails after it keeps the inner
    result."""
    isolated = plugin not in pm.builtin

    def step(call: Callable[..., Any], *args: Any) -> Any:
        token = _current_plugin.set(plugin)
        try:
            return within_deadline(call, *args, plugin=plugin) if isolated else call(*args)
        finally:
            _current_plugin.reset(token)

    @functools.wraps(function)
    def guarded(*args: Any) -> Generator[None, Any, Any]:
        if pm._disabled(plugin):
            return (yield)
        gen = function(*args)
        try:
            step(next, gen)
        except _PASS_THROUGH:
            raise
        except PluginTimeoutError as hung:
            pm._abandon(plugin, f"{hook} wrapper {hung}")
            return (yield)
        except BaseException as exc:
            pm._fail(plugin, f"{hook} wrapper raised {_describe_exception(exc)}")
            return (yield)
        try:
            outcome = yield
        except _PASS_THROUGH:
            raise
        except BaseException as inner:  # an inner implementation failed: the wrapper may handle it
            try:
                step(gen.throw, inner)
            except StopIteration as stop:
                return stop.value
            except PluginTimeoutError as hung:
                pm._abandon(plugin, f"{hook} wrapper {hung}")
                raise inner from None
            raise RuntimeError(f"plugin {plugin!r}: {hook} wrapper yielded twice") from None
        try:
            step(gen.send, outcome)
        except StopIteration as stop:
            return stop.value
        except _PASS_THROUGH:
            raise
        except PluginTimeoutError as hung:
            pm._abandon(plugin, f"{hook} wrapper {hung}")
            return outcome
        except BaseException as exc:
            pm._fail(plugin, f"{hook} wrapper raised {_describe_exception(exc)}")
            return outcome
        pm._fail(plugin, f"{hook} wrapper yielded twice")
        return outcome

    return guarded


def _selection() -> set[str] | None:
    selection = os.environ.get("FOOTPRINT_LOAD_PLUGINS")
    if selection is None:
        return None
    return {s.strip() for s in selection.split(",") if s.strip()}


def _wanted_entry_points() -> list[Any]:
    from importlib.metadata import entry_points

    eps = list(entry_points(group=ENTRY_POINT_GROUP))
    wanted = _selection()
    if wanted is None:
        return eps
    installed = sorted({ep.name for ep in eps})
    unknown = sorted(wanted - set(installed))
    if unknown:
        names = ", ".join(repr(n) for n in unknown)
        raise FootprintError(
            f"FOOTPRINT_LOAD_PLUGINS names {names}, which is not installed; expected a comma-separated list of "
            f"installed plugins ({', '.join(installed) or 'none is installed'}), or empty for none")
    return [ep for ep in eps if ep.name in wanted]


def _origin(ep: Any) -> str:
    dist = "{} {}, ".format(*_name_version(ep.dist)) if ep.dist is not None else ""
    return f"{dist}{ep.value}"


def _name_version(dist: Any) -> tuple[str, str]:
    """A distribution's name and version, from the header lines of its METADATA file.

    importlib.metadata parses that file with the email package, whose imports cost more than the listing, for
    ``dist.name`` and ``dist.version``; both are plain ``Key: value`` header lines.
    """
    try:
        text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    except (OSError, UnicodeDecodeError):
        text = ""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the headers end at the first blank line
        key, colon, value = line.partition(":")
        if colon and key in ("Name", "Version"):
            found.setdefault(key, value.strip())
    if "Name" in found and "Version" in found:
        return found["Name"], found["Version"]
    return dist.name, dist.version


def builtin_name(module_name: str) -> str:
    return module_name.rsplit(".", 1)[-1].replace("_", "-")


def _build() -> PluginState:
    plugin_timeout()  # a bad FOOTPRINT_PLUGIN_TIMEOUT is the user's error, even where no plugin needs it
    pm = FootprintPluginManager()
    state = PluginState(pm, trace=os.environ.get("FOOTPRINT_TRACE", "") not in ("", "0"))
    pm.state = state
    pm.add_hookspecs(hookspecs)
    if state.trace:
        _monitor(pm)
    origins: dict[str, Any] = {}  # plugin name -> its built-in module's name or its entry point, worded on a clash
    for module_name in DEFAULT_PLUGINS:
        name = builtin_name(module_name)
        pm.builtin.add(name)
        pm.register(importlib.import_module(module_name), name=name)
        origins[name] = module_name
    pm.check_pending()  # a built-in with a misspelt hook is our bug: fail loudly
    for ep in _wanted_entry_points():
        if ep.name in origins:
            # the plugin that has the name keeps it (a built-in always does): refusing the newcomer alone means a
            # package that happens to pick a taken name cannot take footprint's own data down with it
            state.refuse(ep.name, f"plugin name clash: {ep.name!r} is taken by {_holder(origins[ep.name])} "
                                  f"and also given by {_origin(ep)}, which is not loaded; rename its entry point")
            continue
        origins[ep.name] = ep  # the first to give a name holds it, loaded or failed
        try:
            plugin = _load(ep)
        except _PASS_THROUGH:
            raise
        except PluginTimeoutError as hung:
            state.abandoned.append(ep.name)
            state.fail(ep.name, f"import of {ep.value!r} {hung}")
            continue
        except BaseException as exc:
            state.fail(ep.name, f"failed to import {ep.value!r}: {_describe_exception(exc)}")
            continue
        try:
            pm.register(plugin, name=ep.name)
        except _PASS_THROUGH:
            raise
        except BaseException as exc:
            state.fail(ep.name, _describe_exception(exc))
            continue
        # what check_pending() would reject: a hookimpl whose name is not a hook; checked per plugin so that one
        # plugin's typo does not take the others down. Plain functions, even named footprint_*, are not hooks.
        pending = [c.name for c in pm.get_hookcallers(plugin) or [] if not c.has_spec()]
        if pending:
            pm.unregister(name=ep.name)
            state.fail(ep.name, f"unknown hook {_hints(pending)}")
            continue
        if ep.dist is not None:
            state.distributions[ep.name] = _name_version(ep.dist)
    return state


def _load(ep: Any) -> Any:
    """Import a plugin's entry point, in a daemon thread waited for ``plugin_timeout()`` seconds."""
    return within_deadline(ep.load, plugin=ep.name)


def _holder(origin: Any) -> str:
    """Who holds a plugin name: footprint's own package for a built-in, else the entry point's distribution."""
    if isinstance(origin, str):
        from footprint import __version__

        return f"footprint {__version__} (built-in, {origin})"
    return _origin(origin)


def _monitor(pm: FootprintPluginManager) -> None:
    """FOOTPRINT_TRACE: one line per hook call (arguments, plugins asked, total time) on top of the per-plugin lines."""
    started: list[float] = []

    def before(hook_name: str, impls: list[pluggy.HookImpl], kwargs: dict[str, Any]) -> None:
        started.append(time.perf_counter())
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if not callable(v))
        print(f"footprint: trace: {hook_name}({args}) asks {', '.join(i.plugin_name for i in reversed(impls))}",
              file=sys.stderr)

    def after(outcome: pluggy.Result[Any], hook_name: str, impls: list[pluggy.HookImpl], kwargs: dict[str, Any]) -> None:
        ms = (time.perf_counter() - started.pop()) * 1000 if started else 0.0
        print(f"footprint: trace: {hook_name} done in {ms:.2f} ms", file=sys.stderr)

    pm.add_hookcall_monitoring(before, after)


def _hints(names: list[str]) -> str:
    return "; ".join(f"{n}{suggest(n, known_hooks())}" for n in names)


def known_hooks() -> list[str]:
    """Every hook name plugins may implement."""
    return [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("footprint_")]


@functools.cache
def state() -> PluginState:
    """The loaded plugins (built once per process)."""
    from footprint.core.startup import building

    with building():  # the plugins' modules, kept for the process's life
        return _build()


def reset() -> None:
    """Forget loaded plugins and everything built from them (tests, or after changing FOOTPRINT_LOAD_PLUGINS)."""
    state.cache_clear()


def plugin_manager() -> FootprintPluginManager:
    return state().pm


def memo(key: str, build: Callable[[], T]) -> T:
    """``build()``, computed once per plugin set: forgotten when a plugin is registered, removed or disabled."""
    st = state()
    if key not in st.memo:
        value = build()
        st.memo[key] = value
        return value
    return st.memo[key]  # type: ignore[no-any-return]


def forget(key: str) -> None:
    """Drop what ``memo(key, ...)`` kept, so that it is built again on next use."""
    state().memo.pop(key, None)


@contextmanager
def _checking(check: Check | None) -> Iterator[None]:
    token = _current_check.set(check)
    try:
        yield
    finally:
        _current_check.reset(token)


def call(hook_name: str, check: Check | None = None, **kwargs: Any) -> Any:
    """Call a hook through pluggy; ``check`` vets each plugin's answer (a bad one is dropped with a warning)."""
    with _checking(check):
        return getattr(plugin_manager().hook, hook_name)(**kwargs)


def first(hook_name: str, check: Check | None = None, **kwargs: Any) -> tuple[str, Any] | None:
    """The answer of a firstresult hook with the plugin that gave it, or None when no plugin knows."""
    answered: list[str] = []
    result = call(hook_name, _noting(answered, check), **kwargs)
    if result is None:
        return None
    problem = check(result) if check is not None else None
    if problem is not None:  # a wrapper replaced the answer with a bad one
        raise FootprintError(f"{hook_name}: a plugin wrapper returned {problem}")
    return (answered[-1] if answered else "?"), result


def _noting(answered: list[str], check: Check | None) -> Check:
    """A check that also notes which plugin gave each accepted answer (firstresult stops at the first)."""

    def noted(value: Any) -> str | None:
        problem = check(value) if check is not None else None
        if problem is None:
            answered.append(_current_plugin.get() or "?")
        return problem

    return noted


def answers(hook_name: str, check: Check | None = None, **kwargs: Any) -> list[tuple[str, Any]]:
    """Every plugin's accepted answer to a list hook, with its plugin, in pluggy's call order."""
    answered: list[str] = []
    results = call(hook_name, _noting(answered, check), **kwargs)
    return list(zip(answered, results, strict=False)) if len(answered) == len(results) else [("?", r) for r in results]


def collect(hook_name: str, check: Check | None = None) -> list[tuple[str, Any]]:
    """The one registration loop: call a ``register`` hook and return (plugin, item) for every accepted item.

    Each item is credited to the plugin whose hook registered it. An item ``check`` rejects is dropped with a
    warning; a plugin that fails part-way loses everything it registered in that call, and nothing of it is
    ever credited to another plugin.
    """
    st = state()
    by_plugin: dict[str, list[Any]] = {}

    def register(item: Any) -> None:
        plugin = _current_plugin.get()
        if plugin is None:
            raise FootprintError(f"{hook_name}: register() was called outside the hook that received it")
        problem = check(item) if check is not None else None
        if problem is not None:
            st.drop(plugin, f"{hook_name} registered {problem}", hook_name)
            return
        by_plugin.setdefault(plugin, []).append(item)

    call(hook_name, register=register)
    return [(plugin, item) for plugin, items in by_plugin.items() if not st.failed(plugin) for item in items]


def is_a(kind: type, what: str) -> Check:
    """A check accepting instances of ``kind`` (``what`` names it in the warning)."""

    def check(value: Any) -> str | None:
        return None if isinstance(value, kind) else f"{type(value).__name__} {_short(value)}, not {what}"

    return check


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe() -> list[dict[str, Any]]:
    """Loaded plugins with their hooks, distribution and version, plus failures and dropped answers so far (for
    ``footprint plugins``; its ``--check`` runs every hook first so that failures inside hooks show)."""
    st = state()
    out: list[dict[str, Any]] = []
    failed = {f.name: f.error for f in st.failures}
    builtins = {builtin_name(m) for m in DEFAULT_PLUGINS}
    for name, plugin in sorted(st.pm.list_name_plugin(), key=lambda np: np[0]):
        hooks = sorted(h.name for h in st.pm.get_hookcallers(plugin) or [])
        entry: dict[str, Any] = {"name": name, "hooks": hooks, "builtin": name in builtins}
        if name in st.distributions:
            entry["package"], entry["version"] = st.distributions[name]
        if name in failed:
            entry["error"] = failed.pop(name)
        if st.dropped.get(name):
            entry["dropped"] = list(st.dropped[name])
        out.append(entry)
    for name, error in failed.items():  # never registered: failed to import or unknown hook
        out.append({"name": name, "hooks": [], "builtin": False, "error": error})
    for refused in st.refused:  # a name clash: the name's holder is listed above, working
        out.append({"name": refused.name, "hooks": [], "builtin": False, "error": refused.error})
    return out
