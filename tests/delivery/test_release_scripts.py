"""scripts/changelog_section.py and scripts/check_version.py, used by the release workflow."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.changelog_section import ChangelogError, section
from scripts.check_version import VersionError, check
from scripts.release_channels import channels
from tests.delivery.helpers import CHANGELOG, REPO_ROOT
from timetracker import __version__

SAMPLE = """\
# Changelog

Intro text.

## [Unreleased]

### Added

- Something new.

## [1.2.0] - 2026-03-01

### Added

- Exports in ICS.

### Fixed

- Timer rounding.

## [1.1.0] - 2026-02-01

- Older.

## [1.0.0]

[1.2.0]: https://example.com/compare/v1.1.0...v1.2.0
"""


def write_project(root: Path, *, package: str, project: str) -> Path:
    (root / "timetracker").mkdir()
    (root / "timetracker" / "__init__.py").write_text(
        f'"""Doc."""\n\n__version__ = "{package}"\n', encoding="utf-8"
    )
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "timetracker"\nversion = "{project}"\n', encoding="utf-8"
    )
    return root


class TestChangelogSection:
    def test_it_returns_the_body_of_one_version(self) -> None:
        assert section(SAMPLE, "1.2.0") == (
            "### Added\n\n- Exports in ICS.\n\n### Fixed\n\n- Timer rounding.\n"
        )

    def test_it_accepts_a_tag_name_and_the_unreleased_section(self) -> None:
        assert section(SAMPLE, "v1.1.0") == "- Older.\n"
        assert section(SAMPLE, "Unreleased") == "### Added\n\n- Something new.\n"

    def test_the_last_section_stops_at_link_definitions(self) -> None:
        text = SAMPLE.replace("## [1.0.0]\n", "## [1.0.0]\n\n- First.\n")
        assert section(text, "1.0.0") == "- First.\n"

    def test_a_missing_or_empty_section_is_an_error(self) -> None:
        with pytest.raises(ChangelogError, match=re.escape("no section for 9.9.9")):
            section(SAMPLE, "9.9.9")
        with pytest.raises(ChangelogError, match=re.escape("section for 1.0.0 is empty")):
            section(SAMPLE, "1.0.0")

    def test_a_version_is_not_matched_by_its_prefix(self) -> None:
        with pytest.raises(ChangelogError):
            section(SAMPLE, "1.2")

    def test_the_real_changelog_has_notes_for_the_current_version(self) -> None:
        text = CHANGELOG.read_text(encoding="utf-8")
        assert text.startswith("# Changelog\n")
        assert "## [Unreleased]" in text
        assert section(text, __version__).strip()

    def test_the_command_line(self) -> None:
        script = REPO_ROOT / "scripts" / "changelog_section.py"
        ok = subprocess.run(
            [sys.executable, str(script), f"v{__version__}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert ok.returncode == 0
        assert ok.stdout == section(CHANGELOG.read_text(encoding="utf-8"), __version__)
        missing = subprocess.run(
            [sys.executable, str(script), "99.0.0"], capture_output=True, text=True, check=False
        )
        assert missing.returncode == 1
        assert "no section for 99.0.0" in missing.stderr


class TestCheckVersion:
    def test_the_repository_declares_one_version(self) -> None:
        assert check() == __version__
        assert check(f"v{__version__}") == __version__

    def test_a_tag_must_be_v_and_the_version(self, tmp_path: Path) -> None:
        root = write_project(tmp_path, package="1.2.3", project="1.2.3")
        assert check("v1.2.3", root) == "1.2.3"
        for tag in ("v1.2.4", "1.2.3", "v1.2", "v1.2.3-rc.1"):
            with pytest.raises(VersionError, match=re.escape(f"tag {tag} does not match")):
                check(tag, root)

    def test_the_two_declarations_must_agree(self, tmp_path: Path) -> None:
        root = write_project(tmp_path, package="1.2.3", project="1.3.0")
        with pytest.raises(
            VersionError, match=re.escape("says 1.2.3 but pyproject.toml says 1.3.0")
        ):
            check(None, root)

    @pytest.mark.parametrize("version", ["1.2", "1.2.3rc1", "1.2.3-rc.1", "v1.2.3"])
    def test_a_release_version_is_major_minor_patch(self, tmp_path: Path, version: str) -> None:
        root = write_project(tmp_path, package=version, project=version)
        with pytest.raises(VersionError, match=re.escape("MAJOR.MINOR.PATCH")):
            check(None, root)

    def test_the_command_line(self) -> None:
        script = REPO_ROOT / "scripts" / "check_version.py"
        ok = subprocess.run(
            [sys.executable, str(script), f"v{__version__}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert (ok.returncode, ok.stdout) == (0, f"{__version__}\n")
        bad = subprocess.run(
            [sys.executable, str(script), "v0.0.0-nope"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert bad.returncode == 1
        assert "does not match the app's version" in bad.stderr


class TestReleaseChannels:
    TAGS = ("v0.9.0", "v1.0.0", "v1.1.0", "v1.1.4", "v1.2.0", "not-a-release", "v2.0.0-rc.1")

    def test_the_newest_release_takes_every_moving_tag(self) -> None:
        assert channels("1.2.1", self.TAGS) == {"latest": True, "minor": True, "major": True}
        assert channels("2.0.0", (*self.TAGS, "v2.0.0")) == {
            "latest": True,
            "minor": True,
            "major": True,
        }

    def test_a_patch_for_an_older_line_only_moves_its_own_minor_tag(self) -> None:
        assert channels("1.1.5", self.TAGS) == {"latest": False, "minor": True, "major": False}

    def test_an_old_line_of_an_old_major_keeps_major_when_newest_there(self) -> None:
        tags = (*self.TAGS, "v2.0.0")
        assert channels("1.2.1", tags) == {"latest": False, "minor": True, "major": True}

    def test_a_rebuild_of_an_older_version_moves_nothing_but_itself(self) -> None:
        assert channels("1.1.0", self.TAGS) == {"latest": False, "minor": False, "major": False}

    def test_major_zero_has_no_bare_major_tag(self) -> None:
        assert channels("0.1.0", ()) == {"latest": True, "minor": True, "major": False}

    def test_the_command_line(self) -> None:
        script = REPO_ROOT / "scripts" / "release_channels.py"
        proc = subprocess.run(
            [sys.executable, str(script), "1.1.5"],
            input="\n".join(self.TAGS),
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "latest=false\nminor=true\nmajor=false\n"
        bad = subprocess.run(
            [sys.executable, str(script), "1.2"],
            input="",
            capture_output=True,
            text=True,
            check=False,
        )
        assert bad.returncode == 1
        assert "not a MAJOR.MINOR.PATCH version" in bad.stderr
