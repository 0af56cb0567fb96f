"""Platform names: the notice's twelve platforms and the other names registrants use.

A written name is matched exactly first (after width folding, spaces removed, Latin letters
upper-cased), then by the longest known name it contains (``微信公众号（订阅号）``,
``抖音短视频``). Platforms the notice does not list (视频号, 小红书, 哔哩哔哩 …) are checked
before the containment step so that ``百度贴吧`` is not taken for 百家号. Anything else is
``其他``, and the written name is always kept beside the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.characters import fold_width, remove_spaces
from vocabulary.platforms import KNOWN_OTHER_PLATFORMS, OTHER_PLATFORM, PLATFORM_NAMES


@dataclass(frozen=True)
class PlatformMatch:
    """A platform as the notice names it (or ``其他``) and the name as written."""

    name: str
    written: str

    @property
    def is_other(self) -> bool:
        """True when the platform is not one of the notice's twelve."""
        return self.name == OTHER_PLATFORM


def _key(text: str) -> str:
    return remove_spaces(fold_width(text)).upper()


_EXACT: dict[str, str] = {}
for _name, _aliases in PLATFORM_NAMES.items():
    for _written in (_name, *_aliases):
        _EXACT[_key(_written)] = _name
_BY_LENGTH: tuple[tuple[str, str], ...] = tuple(
    sorted(_EXACT.items(), key=lambda item: len(item[0]), reverse=True)
)
_OTHER_KEYS: tuple[str, ...] = tuple(_key(name) for name in KNOWN_OTHER_PLATFORMS)


def normalise_platform(text: str | None) -> PlatformMatch:
    """The notice's name for a written platform, or ``其他``; the written name is kept."""
    written = (text or "").strip()
    key = _key(written)
    if not key:
        return PlatformMatch(OTHER_PLATFORM, written)
    if key in _EXACT:
        return PlatformMatch(_EXACT[key], written)
    if any(other in key for other in _OTHER_KEYS):
        return PlatformMatch(OTHER_PLATFORM, written)
    for known, name in _BY_LENGTH:
        if known in key:
            return PlatformMatch(name, written)
    return PlatformMatch(OTHER_PLATFORM, written)
