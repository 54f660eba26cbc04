"""Where the bundled starter corpus lives, in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _bundled(name: str) -> Path:
    # A source checkout (or editable install) has the folder beside the packages;
    # an installed wheel carries it as the package data bigan.<name>.
    local = _ROOT / name
    if local.is_dir() and (_ROOT / "setup.cfg").is_file():
        return local
    return Path(__file__).resolve().parent / name


def speeches_dir() -> Path:
    """Return the folder of the bundled starter corpus."""
    return _bundled("speeches")

