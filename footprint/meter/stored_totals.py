"""What totals stored in a log (a checkpoint's running totals, a final record's totals) must satisfy to be used.

A reader that takes totals from such a record instead of adding up the records it summarises trusts them only
when they are finite and non-negative, within a generous physical bound (each channel's power limit, or its own
peak power, twice over, for the whole run), consistent in time (the record's time, the ledger's and the header's
start agree), and, when the records before it were read too, equal to what those records add up to. A record
that fails is named; its totals are never shown.
"""

from __future__ import annotations

import math
from typing import Any

from footprint.meter.ledger import Ledger, totals_record
from footprint.meter.log_values import excerpt, log_number, time_problem

POWER_MARGIN = 2.0  # x the channel's power limit (or peak): no device draws twice its limit for a whole run
REL_TOL = 1e-9  # running sums in JSON are exact; this only spares a float printed by another writer
HOUR_S = 3600


def _same(a: Any, b: Any) -> bool:
    """JSON values equal, numbers to within rounding."""
    if type(a) in (int, float) and type(b) in (int, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b) and type(a) is type(b)


def _as_written(stored: Any, computed: dict[str, Any]) -> dict[str, Any]:
    """The records' totals in the form of ``stored``: a final record written before per-device seconds were
    counted holds rows of six (energy, estimated, peak, gap, resets, flags) and a peak taken over single intervals,
    so its rows are compared on the rest, and its peak is taken as it stands."""
    rows = stored.get("channels") if isinstance(stored, dict) else None
    mine = computed.get("channels")
    if not isinstance(rows, list) or not isinstance(mine, list) or len(rows) != len(mine) \
            or not all(isinstance(row, list) and len(row) == 6 for row in rows):
        return computed
    return {**computed, "channels": [[*row[:2], old[2], *row[3:6]] for row, old in zip(mine, rows, strict=True)]}


def power_limit(info: Any) -> float | None:
    """A channel's power limit in W as its header records it (NVML's enforced limit), else its profile's TDP."""
    if not isinstance(info, dict):
        return None
    limit = log_number(info.get("power_limit_w"))
    if limit is not None and limit > 0:
        return limit
    profile = info.get("profile")
    return _profile_tdp(profile) if isinstance(profile, str) and profile else None


def _profile_tdp(profile: str) -> float | None:
    try:
        from footprint.plugins.catalog import get_profile

        tdp = get_profile(profile).tdp
        return float(tdp.value.to("W").magnitude) if tdp is not None else None
    except Exception:  # an unknown or broken profile gives no bound; the channel's own peak still does
        return None


def _rows_problem(header: dict[str, Any], rows: Any, t: float) -> str | None:
    """Per-channel rows ([energy J, estimated J, peak W, gap s, ...]) against the header's channels over ``t`` s."""
    channels = header.get("channels", [])
    if not isinstance(rows, list) or len(rows) != len(channels):
        return f"it holds {len(rows) if isinstance(rows, list) else 'no'} channel totals; the header has {len(channels)} channels"
    for i, (row, info) in enumerate(zip(rows, channels, strict=True)):
        values = [log_number(v) for v in row[:4]] if isinstance(row, list) and len(row) >= 4 else [None]
        if any(v is None or not math.isfinite(v) for v in values):
            return f"channel {i}: {_text(row)} is not four finite numbers (energy, estimated, peak, gap)"
        energy, estimated, peak, gap = values  # type: ignore[misc]
        if energy < 0 or peak < 0 or gap < 0:
            return f"channel {i}: a negative total ({energy:g} J, peak {peak:g} W, gap {gap:g} s)"
        limit = power_limit(info)
        bound = POWER_MARGIN * (limit if limit is not None else peak) * t
        if energy > bound * (1 + REL_TOL) or abs(estimated) > bound * (1 + REL_TOL) + 1e-6:
            what = f"{limit:g} W power limit" if limit is not None else f"own {peak:g} W peak"
            return (f"channel {i}: {energy:g} J in {t:g} s is more than {POWER_MARGIN:g} x its {what} allows "
                    f"({bound:g} J)")
        if gap > t * (1 + REL_TOL) + 1e-3:
            return f"channel {i}: {gap:g} s of gaps in a run of {t:g} s"
    return None


def _text(value: Any) -> str:

    return excerpt(value)


def _time_problem(header: dict[str, Any], record: dict[str, Any], state_t: float, hours: Any) -> str | None:
    t = log_number(record.get("t"))
    if t is None or abs(t - state_t) > 1e-3:
        return f"its time ({_text(record.get('t'))} s) is not its totals' ({state_t:g} s)"
    start = log_number(header.get("start_unix"))
    if start is None or not isinstance(hours, list):
        return None
    first, last = math.floor(start / HOUR_S), math.floor((start + state_t) / HOUR_S)
    for entry in hours:
        if isinstance(entry, list) and entry and type(entry[0]) is int and not first <= entry[0] <= last:
            return (f"energy in UTC hour {entry[0]}, outside the run's hours ({first} to {last}) from its header's "
                    f"start and its {state_t:g} s")
    return None


def _with_peaks(rows: Any) -> Any:
    """A ledger state's rows with each channel's peak as ``Ledger`` reads it: the highest whole window so far, or
    the stretch not yet a window (with the window before it), so that a run shorter than one window is held to
    its own average power, not to the 0 W of no window completed."""
    if not isinstance(rows, list):
        return rows
    out = []
    for row in rows:
        if isinstance(row, list) and len(row) >= 8 and log_number(row[2]) is not None:
            group, lead = [log_number(v) for v in _two(row[6])], [log_number(v) for v in _two(row[7])]
            peak = float(row[2])
            if None not in group and None not in lead and group[1] > 0:  # type: ignore[operator]
                joules, seconds = group[0] + (lead[0] if lead[1] > 0 else 0.0), group[1] + max(lead[1], 0.0)  # type: ignore[operator]
                if joules >= 0 and seconds > 0:
                    peak = max(peak, joules / seconds)
            row = [*row[:2], peak, *row[3:]]
        out.append(row)
    return out


def _two(value: Any) -> tuple[Any, Any]:
    return (value[0], value[1]) if isinstance(value, list) and len(value) == 2 else (None, None)


def _timed(record: dict[str, Any], key: str, expected: str) -> tuple[dict[str, Any], float] | str:
    """(the totals under ``key``, their time in s), or what is wrong with them."""
    saved = record.get(key)
    if not isinstance(saved, dict):
        return f"'{key}' is {_text(saved)}; expected {expected}"
    t = log_number(saved.get("t"))
    if t is None or t < 0:
        return f"its totals' time is {_text(saved.get('t'))}; expected seconds since the start"
    return saved, t


def state_problem(header: dict[str, Any], record: dict[str, Any]) -> str | None:
    """What is wrong with the running totals (``ledger``) a checkpoint or final record carries, on their own."""
    timed = _timed(record, "ledger", "the running totals")
    if isinstance(timed, str):
        return timed
    state, t = timed
    rows = state.get("channels")
    wrong = _rows_problem(header, _with_peaks(rows), t) or _time_problem(header, record, t, state.get("hourly"))
    if wrong:
        return wrong
    hourly = state.get("hourly")
    if record.get("since") is None and isinstance(hourly, list) and hourly and isinstance(rows, list):
        in_hours = sum(float(e[1]) for e in hourly if isinstance(e, list) and len(e) == 2 and log_number(e[1]) is not None)
        in_channels = sum(float(row[0]) for row in rows)
        if not math.isclose(in_hours, in_channels, rel_tol=1e-6, abs_tol=1e-3):
            return f"its energy by hour ({in_hours:g} J) is not its channels' ({in_channels:g} J)"
    return None


def final_totals_problem(header: dict[str, Any], final: dict[str, Any]) -> str | None:
    """What is wrong with a final record's ``totals`` on their own (None if they may stand for its records)."""
    timed = _timed(final, "totals", "the run's totals")
    if isinstance(timed, str):
        return timed
    saved, t = timed
    return _rows_problem(header, saved.get("channels"), t) or _time_problem(header, final, t, None)


def stored_problem(header: dict[str, Any], record: dict[str, Any], ledger: Any = None) -> str | None:
    """What is wrong with the totals a checkpoint or final record stores: on their own, and, given the ``ledger``
    of every record before it (read without a problem), against what those records add up to. None if nothing."""

    wrong = None
    if "ledger" in record:
        since = record.get("since")
        wrong = state_problem(header, record) if since is None or type(since) is int else \
            f"'since' is {_text(since)}; expected the hour its running totals start from, or null"
        if wrong is None and ledger is not None and not _same(record["ledger"], ledger.state(record.get("since"))):
            wrong = "its running totals are not what the records before it add up to"
    if wrong is None and record.get("type") == "final" and "totals" in record:
        wrong = final_totals_problem(header, record)
        if wrong is None and ledger is not None and not _same(record["totals"], _as_written(record["totals"], totals_record(ledger))):
            wrong = "its totals are not what its records add up to"
    return wrong


def checkpoint_problem(record: dict[str, Any], channels: int, last_t: float) -> str | None:
    """What is wrong with a checkpoint record of a run with ``channels`` channels (None if it is well formed)."""
    wrong = time_problem(record, last_t)
    if wrong:
        return f"checkpoint: {wrong}"
    places = [record.get(key) for key in ("from", "at", "line")]
    if not all(type(v) is int and v >= 0 for v in places) or not places[0] < places[1] or places[2] < 2:
        return f"checkpoint: 'from', 'at' and 'line' are {excerpt(places)}; expected byte offsets and a line number"
    older, since = record.get("older"), record.get("since")
    if (older is None) != (since is None) or (older is not None and not (
            type(older) is int and places[0] < older < places[1] and type(since) is int)):
        return f"checkpoint: 'older' and 'since' are {excerpt([older, since])}; expected an earlier checkpoint's offset and an hour, or nulls"
    state = record.get("ledger")
    header = {"channels": [{"key": str(i), "component": "gpu"} for i in range(channels)]}
    if Ledger.resume(header, state) is None:
        return f"checkpoint: 'ledger' is {excerpt(state)}; expected the running totals of {channels} channels"
    return None
