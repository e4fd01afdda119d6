"""The shipped references are read in two steps (id, name and status at once, published values on first use) and
give exactly what the full reader gives; a command that uses two of them reads two."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from footprint.claims.references import Reference, defer_reference_file, load_reference_file, shipped_reference_file
from footprint.errors import FootprintError
from tests.deferred_checks import assert_reads_alike


def test_every_shipped_reference_reads_as_the_full_reader_reads_it() -> None:
    full = load_reference_file(shipped_reference_file())
    deferred = defer_reference_file(shipped_reference_file())
    assert_reads_alike(deferred, full, Reference)


def test_only_the_references_used_are_read() -> None:
    deferred = {r.id: r for r in defer_reference_file(shipped_reference_file())}
    assert deferred["deepseek-v3"].value("gpus") == 2048  # DeepSeek-V3 technical report, arXiv:2412.19437: 2,048 H800
    read = [i for i, r in deferred.items() if "inputs" in r.__dict__]
    assert read == ["deepseek-v3"]


def test_a_copy_keeps_its_values() -> None:
    (first, *_) = defer_reference_file(shipped_reference_file())
    named = first.with_plugin("elsewhere")
    assert named.plugin == "elsewhere" and first.plugin == ""
    assert named.inputs == first.inputs
    assert dataclasses.replace(first, name="renamed").outputs == first.outputs


def test_a_bad_value_is_named_when_the_reference_is_used(tmp_path: Path) -> None:
    path = tmp_path / "refs.toml"
    path.write_text('[references.x]\nname = "X"\nstatus = "primary"\nhardware = { value = "H100", source = "paper" }\n'
                    'inputs.gpu_hours = { value = "5 kg", source = "paper" }\n', encoding="utf-8")
    (ref,) = defer_reference_file(path)
    assert ref.id == "x" and ref.name == "X"
    with pytest.raises(FootprintError, match=r"refs\.toml: reference 'x', inputs\.gpu_hours: .*'5 kg'"):
        _ = ref.inputs
    with pytest.raises(FootprintError, match=r"reference 'x', inputs\.gpu_hours"):
        load_reference_file(path)


def test_a_bad_status_is_named_at_once(tmp_path: Path) -> None:
    path = tmp_path / "refs.toml"
    path.write_text('[references.x]\nname = "X"\nstatus = "rumour"\nhardware = { value = "H100", source = "paper" }\n',
                    encoding="utf-8")
    with pytest.raises(FootprintError, match=r"reference 'x', status: 'rumour' is unknown"):
        defer_reference_file(path)


def test_publisher_estimates_are_kept_per_reference_object_and_factors() -> None:
    from footprint.claims.references import all_references, get_reference
    from footprint.claims.reproduce import _estimate, publisher_estimate
    from footprint.plugins import manager as plugins

    ref = get_reference("deepseek-v3")
    first = publisher_estimate(ref)
    assert publisher_estimate(ref) is first
    fresh = _estimate(ref, None)
    assert first.energy == fresh.energy and first.emissions == fresh.emissions and first.cost == fresh.cost
    # another Reference object, even with the same id and values, gets its own estimate
    copy = dataclasses.replace(ref)
    assert publisher_estimate(copy) is not first and publisher_estimate(copy).energy == first.energy
    # an output with its own factors gets the estimate of those factors, not the reference's
    overridden = [(r, o) for r in all_references() for o in r.outputs if o.method]
    assert overridden
    differs = 0
    for r, o in overridden:
        default = publisher_estimate(r)  # kept first, so a memo that ignored the factors would answer with it
        ours, want = publisher_estimate(r, o), _estimate(r, o)
        assert (ours.energy, ours.emissions) == (want.energy, want.emissions), (r.id, o.name)
        differs += (ours.energy, ours.emissions) != (default.energy, default.emissions)
    assert differs  # some overrides change the estimate, so the check above can tell the two apart
    plugins.reset()  # a new plugin set may change the profiles: estimates are made again
    assert publisher_estimate(get_reference("deepseek-v3")) is not first
