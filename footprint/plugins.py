"""The plugin manager: built-in plugins plus entry points of the group ``footprint``, loaded once, on demand.

``FOOTPRINT_LOAD_PLUGINS`` picks which external plugins load: unset loads all, empty loads none, otherwise a
comma-separated list of entry-point names. A plugin that fails to import, uses an unknown hook or raises is
reported by name (``footprint plugins`` lists it) and never breaks a command that does not need it.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy

from footprint import hookspecs
from footprint.errors import FootprintError, suggest

DEFAULT_PLUGINS = (
    "footprint.default_plugins.shipped_profiles",
    "footprint.default_plugins.user_profiles",
    "footprint.default_plugins.codecarbon_grid",
    "footprint.default_plugins.references",
    "footprint.default_plugins.meters",
)

ENTRY_POINT_GROUP = "footprint"


@dataclass
class PluginFailure:
    """A plugin that could not be loaded or raised inside a hook."""

    name: str
    error: str


@dataclass
class PluginState:
    pm: pluggy.PluginManager
    failures: list[PluginFailure] = field(default_factory=list)
    warned: set[str] = field(default_factory=set)
    # entry-point name -> (distribution, version); pluggy records this only for its own entry-point loader
    distributions: dict[str, tuple[str, str]] = field(default_factory=dict)

    def fail(self, name: str, error: str) -> None:
        self.failures.append(PluginFailure(name, error))
        if name not in self.warned:
            self.warned.add(name)
            print(f"footprint: warning: plugin {name!r} skipped: {error}", file=sys.stderr)


def _unknown_hooks(plugin: object) -> list[str]:
    names = [n for n in dir(plugin) if n.startswith("footprint_") and callable(getattr(plugin, n))]
    return [n for n in names if not hasattr(hookspecs, n)]


def _wanted_entry_points() -> list[Any]:
    from importlib.metadata import entry_points

    selection = os.environ.get("FOOTPRINT_LOAD_PLUGINS")
    eps = list(entry_points(group=ENTRY_POINT_GROUP))
    if selection is None:
        return eps
    wanted = {s.strip() for s in selection.split(",") if s.strip()}
    return [ep for ep in eps if ep.name in wanted]


def _origin(ep: Any) -> str:
    dist = f"{ep.dist.name} {ep.dist.version}, " if ep.dist is not None else ""
    return f"{dist}{ep.value}"


def _build() -> PluginState:
    pm = pluggy.PluginManager("footprint")
    pm.add_hookspecs(hookspecs)
    state = PluginState(pm)
    origins: dict[str, str] = {}
    for module_name in DEFAULT_PLUGINS:
        name = module_name.rsplit(".", 1)[-1].replace("_", "-")
        pm.register(importlib.import_module(module_name), name=name)
        origins[name] = f"built-in, {module_name}"
    pm.check_pending()  # a built-in with a misspelt hook is our bug: fail loudly
    for ep in _wanted_entry_points():
        if pm.has_plugin(ep.name):
            state.fail(ep.name, f"plugin name clash: {ep.name!r} is taken by {origins.get(ep.name, '?')} "
                                f"and also given by {_origin(ep)}; rename one of the entry points")
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken plugin must not break the tool
            state.fail(ep.name, f"failed to import {ep.value!r}: {type(exc).__name__}: {exc}")
            continue
        unknown = _unknown_hooks(plugin)
        if unknown:
            state.fail(ep.name, f"unknown hook {_hints(unknown)}")
            continue
        try:
            pm.register(plugin, name=ep.name)
        except Exception as exc:
            state.fail(ep.name, f"{type(exc).__name__}: {exc}")
            continue
        # what check_pending() would reject: a @hookimpl whose name is not a hook (e.g. no footprint_ prefix);
        # checked per plugin so that one plugin's typo does not take the others down
        pending = [c.name for c in pm.get_hookcallers(plugin) or [] if not c.has_spec()]
        if pending:
            pm.unregister(name=ep.name)
            state.fail(ep.name, f"unknown hook {_hints(pending)}")
            continue
        origins[ep.name] = _origin(ep)
        if ep.dist is not None:
            state.distributions[ep.name] = (ep.dist.name, ep.dist.version)
    pm.check_pending()
    return state


def _hints(names: list[str]) -> str:
    return "; ".join(f"{n}{suggest(n, _known_hooks())}" for n in names)


def _known_hooks() -> list[str]:
    return [n for n in dir(hookspecs) if n.startswith("footprint_")]


@functools.cache
def state() -> PluginState:
    """The loaded plugins (built once per process)."""
    return _build()


def reset() -> None:
    """Forget loaded plugins (tests, or after changing FOOTPRINT_LOAD_PLUGINS)."""
    state.cache_clear()
    from footprint import catalog, references

    catalog.reset()
    references.reset()


def plugin_manager() -> pluggy.PluginManager:
    return state().pm


def call_each(hook_name: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
    """Call every implementation of a hook, one plugin at a time, yielding (plugin name, result).

    A plugin that raises is reported and skipped, so one broken plugin cannot take a command down.
    Implementations run in pluggy's order (tryfirst first, trylast last).
    """
    st = state()
    caller = getattr(st.pm.hook, hook_name)
    for impl in reversed(caller.get_hookimpls()):
        args = {name: kwargs[name] for name in impl.argnames if name in kwargs}
        try:
            result = impl.function(**args)
        except FootprintError:
            raise
        except Exception as exc:
            st.fail(impl.plugin_name, f"{hook_name} raised {type(exc).__name__}: {exc}")
            continue
        yield impl.plugin_name, result


def first_result(hook_name: str, **kwargs: Any) -> tuple[str, Any] | None:
    """The first non-None answer to a firstresult hook, with the plugin that gave it."""
    for name, result in call_each(hook_name, **kwargs):
        if result is not None:
            return name, result
    return None


def describe() -> list[dict[str, Any]]:
    """Loaded plugins with their hooks, distribution and version, plus failures (for ``footprint plugins``)."""
    st = state()
    out: list[dict[str, Any]] = []
    for name, plugin in sorted(st.pm.list_name_plugin(), key=lambda np: np[0]):
        hooks = sorted(h.name for h in st.pm.get_hookcallers(plugin) or [])
        entry: dict[str, Any] = {"name": name, "hooks": hooks, "builtin": name in _builtin_names()}
        if name in st.distributions:
            entry["package"], entry["version"] = st.distributions[name]
        out.append(entry)
    for failure in st.failures:
        out.append({"name": failure.name, "hooks": [], "builtin": False, "error": failure.error})
    return out


def _builtin_names() -> set[str]:
    return {m.rsplit(".", 1)[-1].replace("_", "-") for m in DEFAULT_PLUGINS}


Registrar = Callable[[Any], None]
