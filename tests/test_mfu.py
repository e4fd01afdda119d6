"""Implied MFU arithmetic and plausibility flags, from published figures written out by hand.

- DeepSeek-V3 (arXiv:2412.19437v2): 6 x 37e9 active parameters x 14.8e12 tokens = 3.2856e24 FLOP on 2.788M H800-h.
- Llama 3.1 405B (model card + arXiv:2407.21783): 3.8e25 FLOP on 30.84M H100-h.
- BLOOM (arXiv:2211.05100 / 2211.02001): 6 x 176.247e9 x 366e9 on 1,082,990 A100-h.
- Dense peaks: H100/H800 BF16 989.5, FP8 1,979 TFLOP/s; A100 BF16 312 TFLOP/s (NVIDIA datasheets, profiles/).
"""

from __future__ import annotations

import pytest

from footprint.claims.plausibility import FAR, check_reference, implied_mfu, judge, published_band
from footprint.claims.references import get_reference
from footprint.core.span import Span
from footprint.core.units import Q


def test_implied_mfu_is_flops_over_gpu_hours_times_peak() -> None:
    mfu = implied_mfu(Span(Q(3.2856e24, "FLOP")), Span(Q(2.788e6, "h")), Q(989.5, "TFLOP/s"))
    assert float(mfu.central.magnitude) == pytest.approx(3.2856e24 / (2.788e6 * 3600 * 989.5e12))
    assert f"{float(mfu.central.magnitude):.1%}" == "33.1%"


def test_deepseek_v3_at_bf16_and_fp8() -> None:
    ref = get_reference("deepseek-v3")
    bf16, fp8 = check_reference(ref, "bf16"), check_reference(ref, "fp8")
    flops = 6 * 37e9 * 14.8e12
    assert float(bf16.flops.central.magnitude) == pytest.approx(3.2856e24)
    assert float(bf16.mfu.central.magnitude) == pytest.approx(flops / (2.788e6 * 3600 * 989.5e12))
    assert float(fp8.mfu.central.magnitude) == pytest.approx(flops / (2.788e6 * 3600 * 1979e12))
    assert bf16.verdict == fp8.verdict == "plausible"


def test_band_comes_from_other_published_runs() -> None:
    band = published_band(get_reference("deepseek-v3"))
    assert "deepseek-v3" not in band.members and "deepseek-v3-pretrain" not in band.members
    assert band.members["llama-3.1-405b"] == pytest.approx(3.8e25 / (30.84e6 * 3600 * 989.5e12))  # 34.6%
    assert band.members["bloom-176b"] == pytest.approx(6 * 176.247e9 * 366e9 / (1_082_990 * 3600 * 312e12))  # 31.8%
    assert band.low == min(band.members.values()) and band.high == max(band.members.values())


def test_flags_above_100_percent_and_far_outside() -> None:
    band = published_band()
    assert judge(Span(Q(1.2, "")), band)[0] == "impossible (above 100%)"
    assert judge(Span(Q(band.low / FAR * 0.9, "")), band)[0] == "far outside published runs"
    assert judge(Span(Q((band.low + band.high) / 2, "")), band)[0] == "plausible"


def test_an_implausible_claim_via_estimate_and_check() -> None:
    # 3.2856e24 FLOP claimed on only 200K H800-h would need 3.2856e24 / (2e5 x 3600 x 989.5e12) = 461% of peak
    mfu = implied_mfu(Span(Q(3.2856e24, "FLOP")), Span(Q(2e5, "h")), Q(989.5, "TFLOP/s"))
    assert float(mfu.central.magnitude) == pytest.approx(4.6117, rel=1e-4)
    assert judge(mfu, published_band())[0] == "impossible (above 100%)"
