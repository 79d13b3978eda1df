"""Which moving image tags a release may take: ``latest``, ``X.Y`` and ``X``.

    git tag --list 'v*.*.*' | python scripts/release_channels.py 1.2.3

prints, for the release workflow's ``$GITHUB_OUTPUT``::

    latest=true
    minor=true
    major=true

A moving tag only ever moves forward: a patch for an older line (1.1.5 after 1.2.0 is out)
gets ``1.1`` but neither ``1`` nor ``latest``. While the major version is 0 there is no
bare ``0`` tag, since 0.x minor versions may break things.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable

VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")

Version = tuple[int, int, int]


def parse(text: str) -> Version | None:
    match = VERSION.fullmatch(text.strip())
    if not match:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def channels(version: str, tags: Iterable[str]) -> dict[str, bool]:
    """Whether ``version`` is the newest release overall, in its X.Y line and in its X line."""
    current = parse(version)
    if current is None:
        raise ValueError(f"not a MAJOR.MINOR.PATCH version: {version!r}")
    others = [v for v in (parse(tag) for tag in tags) if v is not None and v != current]
    return {
        "latest": all(v < current for v in others),
        "minor": all(v < current for v in others if v[:2] == current[:2]),
        "major": current[0] > 0 and all(v < current for v in others if v[0] == current[0]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="the version being released, e.g. 1.2.3")
    args = parser.parse_args(argv)
    try:
        result = channels(args.version, sys.stdin.read().split())
    except ValueError as exc:
        sys.stderr.write(f"release_channels: {exc}\n")
        return 1
    sys.stdout.write("".join(f"{name}={str(on).lower()}\n" for name, on in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
