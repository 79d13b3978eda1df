"""Print one version's section of CHANGELOG.md (Keep a Changelog format).

    python scripts/changelog_section.py 1.2.3          # or v1.2.3, or Unreleased
    python scripts/changelog_section.py 1.2.3 --changelog path/to/CHANGELOG.md

The release workflow uses the output as the GitHub release notes. Exits 1 with a message
when the version has no section or an empty one, so a release cannot go out without notes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHANGELOG = ROOT / "CHANGELOG.md"

# "## [1.2.3] - 2026-01-31", "## 1.2.3 - 2026-01-31", "## [Unreleased]"
HEADING = re.compile(r"^##\s+\[?(?P<version>[^\]\s]+)\]?(?:\s+-\s+.*)?\s*$")
# Link reference definitions at the end of the file: "[1.2.3]: https://..."
LINK_DEFINITION = re.compile(r"^\[[^\]]+\]:\s*\S+")


class ChangelogError(Exception):
    pass


def normalise(version: str) -> str:
    version = version.strip()
    if version.lower() == "unreleased":
        return "unreleased"
    return version[1:] if version.startswith("v") else version


def section(text: str, version: str) -> str:
    """The body of ``version``'s section, without its heading or surrounding blank lines."""
    wanted = normalise(version)
    body: list[str] | None = None
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            if body is not None:
                break
            if normalise(heading.group("version")) == wanted:
                body = []
            continue
        if body is not None:
            if LINK_DEFINITION.match(line):
                break
            body.append(line.rstrip())
    if body is None:
        raise ChangelogError(f"no section for {version} in the changelog")
    content = "\n".join(body).strip("\n")
    if not content.strip():
        raise ChangelogError(f"the changelog section for {version} is empty")
    return content + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="1.2.3, v1.2.3 or Unreleased")
    parser.add_argument("--changelog", type=Path, default=CHANGELOG)
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(section(args.changelog.read_text(encoding="utf-8"), args.version))
    except (ChangelogError, OSError) as exc:
        sys.stderr.write(f"changelog_section: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
