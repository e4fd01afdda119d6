"""The profile catalog: every plugin's profiles by id and alias, with clash detection and close-match hints."""

from __future__ import annotations

from footprint.core.profiles import HardwareProfile, load_profile_file
from footprint.errors import FootprintError, suggest


def _build() -> dict[str, HardwareProfile]:
    from footprint.plugins.manager import collect, is_a

    by_name: dict[str, HardwareProfile] = {}
    for plugin, registered in collect("footprint_register_profiles", is_a(HardwareProfile, "a footprint HardwareProfile")):
        profile = registered.with_plugin(plugin)
        for name in profile.names:
            other = by_name.get(name)
            if other is not None:
                raise FootprintError(
                    f"profile name clash: {name!r} is registered by plugin {other.plugin!r} ({other.path or other.id}) "
                    f"and by plugin {plugin!r} ({profile.path or profile.id}); rename one of them"
                )
            by_name[name] = profile
    return by_name


def _profiles() -> dict[str, HardwareProfile]:
    from footprint.plugins.manager import memo

    return memo("profiles", _build)


def reset() -> None:
    """Forget the catalog (it is rebuilt from the plugins on next use)."""
    from footprint.plugins.manager import forget

    forget("profiles")


def all_profiles() -> list[HardwareProfile]:
    """Every registered profile, sorted by id."""
    unique = {p.id: p for p in _profiles().values()}
    return sorted(unique.values(), key=lambda p: p.id)


def get_profile(name: str) -> HardwareProfile:
    """A profile by id or alias (case-insensitive); unknown names get the closest valid ones."""
    key = name.strip().lower()
    profiles = _profiles()
    if key in profiles:
        return profiles[key]
    raise FootprintError(
        f"profile {name!r} is unknown{suggest(key, profiles)}; 'footprint profiles' lists the "
        f"{len(all_profiles())} available"
    )


def resolve_profile(name: str | None = None, profile_file: str | None = None) -> HardwareProfile | None:
    """The profile the user chose: --profile-file PATH wins, then --profile NAME, else None."""
    if profile_file:
        return load_profile_file(profile_file).with_plugin("--profile-file")
    if name:
        return get_profile(name)
    return None


def profile_for_device(device_name: str) -> HardwareProfile | None:
    """The profile whose ``device_names`` (any vendor's reported name) or ``nvml_names`` include this device name,
    compared case-insensitively."""
    wanted = device_name.strip().lower()
    if not wanted:
        return None
    for profile in all_profiles():
        if any(n.lower() == wanted for n in (*profile.device_names, *profile.nvml_names)):
            return profile
    return None


def device_kind_of(profile_id: str | None) -> str:
    """The device_kind of a profile by its id ("gpu" or "accelerator"); "gpu" where there is no profile, or none of
    that id is loaded now (a saved result's profile from a plugin that is not installed)."""
    if not profile_id:
        return "gpu"
    try:
        return get_profile(profile_id).device_kind
    except FootprintError:
        return "gpu"
