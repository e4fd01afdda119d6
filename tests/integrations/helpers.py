"""What the framework tests share: a metered GPU that draws a known power, and readers for the trackers' files."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from footprint.meter.nvml import NvmlGpuMeter
from footprint.plugins.contract import MeterSettings

GPU_W = 350.0  # the fake GPU's draw: the energy a callback logs is this power times the time it metered
NO_HOST = MeterSettings(powercap_root=Path("/nonexistent"), proc_root=Path("/nonexistent"))


def meter_options() -> dict[str, Any]:
    """track() options for a callback's own tracker: the fake GPU only (no host model), read every 100 ms."""
    return {"interval": "100ms", "settings": NO_HOST, "factories": [NvmlGpuMeter()], "quiet": True}


def wandb_history(run_dir: Path) -> list[dict[str, Any]]:
    """The history rows of an offline W&B run, read from its run-*.wandb file.

    The file is W&B's record log: a ':W&B' header, then records in LevelDB's log format (32 KiB blocks, each record
    a 7-byte header of CRC, length and type: full, first, middle or last piece) holding protobuf ``Record``s.
    """
    from wandb.proto import wandb_internal_pb2

    (path,) = run_dir.glob("run-*.wandb")
    rows = []
    for raw in _log_records(path.read_bytes()):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(raw)
        if record.WhichOneof("record_type") == "history":
            rows.append({(i.key or "/".join(i.nested_key)): json.loads(i.value_json) for i in record.history.item})
    return rows


def _log_records(data: bytes) -> Iterator[bytes]:
    assert data[:4] == b":W&B", "not a W&B run file"
    pos, block, pending = 7, 32768, b""
    while pos + 7 <= len(data):
        left = block - pos % block
        if left < 7:  # a block's tail too short for a header is padding
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + 7])
        if kind == 0 and length == 0:
            pos += left
            continue
        piece = data[pos + 7:pos + 7 + length]
        pos += 7 + length
        if kind == 1:
            yield piece
        elif kind == 2:
            pending = piece
        elif kind == 3:
            pending += piece
        elif kind == 4:
            yield pending + piece
            pending = b""
