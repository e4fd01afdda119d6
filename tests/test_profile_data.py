"""Facts users rely on in the shipped hardware profiles (profiles/*.toml), each checked against its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from footprint.core.profiles import HardwareProfile, load_profile_dir
from footprint.errors import FootprintError

PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"

# The Tensor Core precisions: the H800 keeps the H100's rates for these and loses only FP64 and NVLink.
TENSOR_PRECISIONS = ("tf32", "bf16", "fp16", "fp8", "int8")


@pytest.fixture(scope="module")
def profiles() -> dict[str, HardwareProfile]:
    loaded = load_profile_dir(PROFILE_DIR)
    return {p.id: p for p in loaded}


def tflops(profile: HardwareProfile, precision: str) -> float:
    return profile.peak(precision).value.to("TFLOP/s").magnitude


def watts(profile: HardwareProfile) -> float:
    return profile.tdp.value.to("W").magnitude


def test_every_file_loads_and_is_named_after_its_id(profiles: dict[str, HardwareProfile]) -> None:
    files = sorted(PROFILE_DIR.glob("*.toml"))
    assert len(profiles) == len(files)
    assert {f.stem for f in files} == set(profiles)


def test_every_profile_has_a_tdp_and_at_least_one_peak(profiles: dict[str, HardwareProfile]) -> None:
    for profile in profiles.values():
        assert watts(profile) > 0, profile.id
        assert profile.tdp.source, profile.id
        assert profile.peaks, f"{profile.id} has no peak throughput"


def test_every_figure_names_its_source(profiles: dict[str, HardwareProfile]) -> None:
    # House style point 8: every datasheet figure carries its source next to it.
    for profile in profiles.values():
        figures = [profile.tdp, profile.idle_power, profile.memory, profile.memory_bandwidth, *profile.peaks.values()]
        for figure in figures:
            if figure is not None:
                assert figure.source.strip(), profile.id


def test_ids_and_aliases_are_unique_across_files(profiles: dict[str, HardwareProfile]) -> None:
    seen: dict[str, str] = {}
    for profile in profiles.values():
        for name in profile.names:
            assert name == name.lower(), f"{name!r} in {profile.id} is not lower case"
            assert name not in seen, f"{name!r} is used by both {seen.get(name)} and {profile.id}"
            seen[name] = profile.id


def test_nvml_names_are_unique_across_files(profiles: dict[str, HardwareProfile]) -> None:
    # A metered run picks the profile from the name NVML reports, so one name must map to one profile.
    seen: dict[str, str] = {}
    for profile in profiles.values():
        for name in profile.nvml_names:
            assert name not in seen, f"NVML name {name!r} is in both {seen.get(name)} and {profile.id}"
            seen[name] = profile.id


@pytest.mark.parametrize(
    ("alias", "profile_id"),
    [
        ("h100", "h100-sxm"),
        ("h800", "h800-sxm"),
        ("h200", "h200-sxm"),
        ("a100", "a100-sxm4-80gb"),
        ("a100-80gb", "a100-sxm4-80gb"),
    ],
)
def test_short_names_point_at_the_sxm_parts(profiles: dict[str, HardwareProfile], alias: str, profile_id: str) -> None:
    assert alias in profiles[profile_id].aliases


def test_h800_sxm_keeps_the_h100_sxm_tensor_peaks_and_700_w(profiles: dict[str, HardwareProfile]) -> None:
    # Same GH100 die: Tensor Core TF32/BF16/FP8/INT8 peaks and 700 W are unchanged; only NVLink (400 vs 900 GB/s)
    # and FP64 are cut. Source: reseller pages / aiwiki.ai/wiki/nvidia_h800.
    h800, h100 = profiles["h800-sxm"], profiles["h100-sxm"]
    for precision in TENSOR_PRECISIONS:
        assert tflops(h800, precision) == pytest.approx(tflops(h100, precision)), precision
    assert watts(h800) == pytest.approx(700)
    assert "400 GB/s" in h800.interconnect
    # The cut FP64 must not be copied from the H100 (67 TFLOP/s FP64 Tensor Core, S4).
    assert tflops(h800, "fp64") < tflops(h100, "fp64")


@pytest.mark.parametrize("profile_id", ["a100-sxm4-40gb", "a100-sxm4-80gb", "a100-pcie-40gb", "a100-pcie-80gb"])
def test_a100_has_no_fp8(profiles: dict[str, HardwareProfile], profile_id: str) -> None:
    # Ampere Tensor Cores have no FP8: the A100 datasheet lists TF32, BF16, FP16 and INT8 only (S1).
    with pytest.raises(FootprintError, match="fp8"):
        profiles[profile_id].peak("fp8")


def test_h100_sxm_dense_bf16_is_half_the_sparse_figure(profiles: dict[str, HardwareProfile]) -> None:
    # nvidia.com/en-us/data-center/h100 prints BF16 Tensor Core 1,979 TFLOPS "* With sparsity" (S4); dense is half.
    assert tflops(profiles["h100-sxm"], "bf16") == pytest.approx(1979 / 2)


def test_mi300x_bf16_is_the_dense_rocm_figure(profiles: dict[str, HardwareProfile]) -> None:
    # ROCm docs/conceptual/gpu-arch/mi300.md, "Matrix BF16 ... 1307.4" peak TFLOPS; AMD's table is dense (S13).
    assert tflops(profiles["mi300x"], "bf16") == pytest.approx(1307.4)


def test_b200_fp4_is_the_printed_dense_figure(profiles: dict[str, HardwareProfile]) -> None:
    # Blackwell datasheet prints HGX B200 NVFP4 as "144 | 72 PF" (sparse | dense) for 8 GPUs (S12).
    assert profiles["b200"].peak("fp4").value.to("PFLOP/s").magnitude == pytest.approx(72 / 8)


def test_only_blackwell_has_fp4(profiles: dict[str, HardwareProfile]) -> None:
    # FP4 Tensor Cores arrived with Blackwell (S12); Hopper, Ampere, Ada and CDNA 3 sheets list no FP4.
    with_fp4 = {p.id for p in profiles.values() if "fp4" in p.peaks}
    assert {"b200", "gb200"} <= with_fp4
    assert all(pid.startswith(("b", "gb")) for pid in with_fp4), with_fp4


def test_v100_profiles_carry_the_datasheet_figures(profiles: dict[str, HardwareProfile]) -> None:
    # NVIDIA Tesla V100 datasheet: SXM2 300 W, 125 TFLOP/s Tensor (FP16); PCIe 250 W, 112; no BF16 on Volta.
    # Strubell et al. 2019 and Patterson et al. 2021 (GPT-3) estimated footprints on V100s.
    sxm2, pcie = profiles["v100-sxm2"], profiles["v100-pcie"]
    assert (watts(sxm2), tflops(sxm2, "fp16")) == (300, 125)
    assert (watts(pcie), tflops(pcie, "fp16")) == (250, 112)
    for p in (sxm2, pcie):
        assert "bf16" not in p.peaks and "Tesla V100" in p.tdp.source  # type: ignore[union-attr]
    # NVIDIA DGX-1 datasheet: 3,500 W for 8 x V100 -> (3,500 - 8 x 300) / 8 = 137.5 W per GPU of nameplate host power
    host = sxm2.host_power()
    assert host is not None and host.value.to("W").magnitude == pytest.approx(137.5)


def test_primary_sources_for_h800_a100_pcie_dgx_a100_and_amd(profiles: dict[str, HardwareProfile]) -> None:
    assert "arXiv:2505.09343" in profiles["h800-sxm"].interconnect
    assert "A100 40GB PCIe" in profiles["a100-pcie-40gb"].tdp.source  # type: ignore[union-attr]
    node = profiles["a100-sxm4-80gb"].node
    assert node is not None and node.max_power is not None and "DGX A100 system data sheet" in node.max_power.source
    for amd in ("mi300x", "mi325x"):
        assert "AMD Instinct" in profiles[amd].tdp.source and "data sheet" in profiles[amd].tdp.source  # type: ignore[union-attr]
    assert not any("secondary" in p.tdp.source.lower() for p in profiles.values() if p.tdp is not None and p.vendor == "AMD")


def test_an_unknown_tdp_still_needs_the_source_that_says_so(tmp_path: Path) -> None:
    body = 'schema = 1\nid = "x1"\nname = "X1"\n[tdp]\nvalue = "unknown"\n[peak]\nbf16 = { value = "100 TFLOP/s", source = "s" }\n'
    (tmp_path / "x1.toml").write_text(body)
    with pytest.raises(FootprintError, match="tdp"):
        load_profile_dir(tmp_path)
    (tmp_path / "x1.toml").write_text(body.replace('value = "unknown"\n', 'value = "unknown"\nsource = "vendor page: no power given"\n'))
    (profile,) = load_profile_dir(tmp_path)
    assert profile.tdp is None and profile.tdp_unknown == "vendor page: no power given"
