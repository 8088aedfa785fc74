"""Settings live in one place: each one the code reads has its default and a `#:` comment in hearing/config.py."""

from __future__ import annotations

import re
from pathlib import Path

from hearing import config

PACKAGE = Path(config.__file__).parent
#: The groups of settings that used to carry their defaults where they were read.
NAMES = re.compile(r"""["']((?:JOBS|THEMES)_[A-Z_]+|[A-Z_]*RATE_LIMIT|[A-Z_]*RETENTION[A-Z_]*)["']""")


def _used() -> set[str]:
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" not in path.parts and path.name != "config.py":
            names.update(NAMES.findall(path.read_text()))
    return names


def _documented() -> dict[str, str]:
    """Setting name -> its `#:` comment (the lines right above it in Defaults)."""
    lines = Path(config.__file__).read_text().splitlines()
    out = {}
    for i, line in enumerate(lines):
        if match := re.match(r"    ([A-Z][A-Z0-9_]+)\b.*=", line):
            above = []
            for prev in reversed(lines[:i]):
                if not prev.strip().startswith("#:"):
                    break
                above.append(prev)
            out[match.group(1)] = " ".join(reversed(above))
    return out


def test_every_jobs_themes_rate_limit_and_retention_setting_has_a_documented_default():
    used = _used()
    assert {"JOBS_POLL_SECONDS", "THEMES_EMBEDDINGS", "PUBLIC_RATE_LIMIT", "EXPORT_RETENTION_DAYS"} <= used
    documented = _documented()
    missing = sorted(name for name in used if not hasattr(config.Defaults, name))
    assert missing == [], f"settings without a default in hearing/config.py: {missing}"
    bare = sorted(name for name in used if not documented.get(name))
    assert bare == [], f"settings without a #: comment in hearing/config.py: {bare}"


def test_no_default_is_repeated_where_a_setting_is_read():
    """`config.get("X", default)` beside the default in config.py would let the two drift apart."""
    pattern = re.compile(r"""(?:config\.get|_setting|_config)\(\s*["']((?:JOBS|THEMES)_[A-Z_]+|[A-Z_]*RATE_LIMIT|[A-Z_]*RETENTION[A-Z_]*)["']\s*,""")
    repeated = [f"{path.relative_to(PACKAGE)}: {name}" for path in PACKAGE.rglob("*.py") if path.name != "config.py"
                for name in pattern.findall(path.read_text())]
    assert repeated == []


def test_setting_outside_an_app_is_the_default(app):
    assert config.setting("THEMES_EMBED_BATCH") == app.config["THEMES_EMBED_BATCH"] == 32
    app.config["THEMES_EMBED_BATCH"] = 8
    assert config.setting("THEMES_EMBED_BATCH") == 8


def test_setting_without_an_app_context():
    assert config.setting("JOBS_MAX_ATTEMPTS") == config.Defaults.JOBS_MAX_ATTEMPTS == 3


def test_the_secret_key_is_made_once_and_kept(tmp_path):
    key = config._secret_key(tmp_path)
    assert len(key) == 64 and (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert config._secret_key(tmp_path) == key
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no half-made file left behind


def test_a_process_starting_at_the_same_moment_keeps_the_key_linked_first(tmp_path, monkeypatch):
    """Two processes both find no key and both make one: the one linked into place first is every process's key."""
    import os

    real_link = os.link

    def other_process_was_first(src, dst):
        (tmp_path / "secret_key").write_text("k" * 64)
        return real_link(src, dst)

    monkeypatch.setattr(os, "link", other_process_was_first)
    assert config._secret_key(tmp_path) == "k" * 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
