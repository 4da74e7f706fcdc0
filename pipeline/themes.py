"""The theme taxonomy, read from one data file (`data/themes.toml`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .config import THEMES_FILE
from .errors import InputError


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    name_en: str
    name_zh: str
    description: str
    keywords_en: tuple[str, ...]
    keywords_zh: tuple[str, ...]
    fallback: bool = False


@dataclass(frozen=True, slots=True)
class Taxonomy:
    themes: tuple[Theme, ...]

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def fallback(self) -> str:
        return next(t.id for t in self.themes if t.fallback)

    def get(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Parse and check the taxonomy file; errors name the file and the problem."""
    return _load(str(path or THEMES_FILE))


@lru_cache(maxsize=8)
def _load(path: str) -> Taxonomy:
    if Path(path).is_dir():
        raise InputError(f"{path}: is a folder; the theme taxonomy is a file (a .toml such as data/themes.toml)")
    try:
        raw = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: theme taxonomy not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid TOML ({e})") from None
    except OSError as e:  # no permission, a device
        raise InputError(f"{path}: the theme taxonomy cannot be read ({e.strerror or type(e).__name__})") from None
    entries = raw.get("theme")
    if not isinstance(entries, list) or len(entries) < 2:
        raise InputError(f"{path}: needs at least two [[theme]] tables")
    themes = []
    for i, t in enumerate(entries, start=1):
        if not isinstance(t, dict):
            raise InputError(f"{path}: theme {i} is not a [[theme]] table")
        tid = str(t.get("id", "")).strip()
        if not tid or not tid.replace("_", "").isalnum() or not tid.islower():
            raise InputError(f"{path}: theme {i} needs an `id` of lower-case letters, digits or _")
        themes.append(
            Theme(
                id=tid,
                name_en=str(t.get("name_en", tid)),
                name_zh=str(t.get("name_zh", tid)),
                description=str(t.get("description", "")),
                keywords_en=tuple(str(k).lower() for k in t.get("keywords_en", [])),
                keywords_zh=tuple(str(k) for k in t.get("keywords_zh", [])),
                fallback=bool(t.get("fallback", False)),
            )
        )
    ids = [t.id for t in themes]
    if len(set(ids)) != len(ids):
        raise InputError(f"{path}: duplicate theme ids")
    if sum(t.fallback for t in themes) != 1:
        raise InputError(f"{path}: exactly one theme must be marked `fallback = true`")
    return Taxonomy(tuple(themes))
