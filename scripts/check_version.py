"""Check that the app's version is declared consistently, and match a release tag.

    python scripts/check_version.py            # prints the version, e.g. 1.2.3
    python scripts/check_version.py v1.2.3     # also checks the tag is "v" + version

The version lives in two places: ``__version__`` in ``timetracker/__init__.py`` (read by
the settings as the default ``APP_VERSION``) and ``version`` in ``pyproject.toml``. Exits
1 with a message when they disagree or when the tag does not match them.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Release versions are plain MAJOR.MINOR.PATCH: the image tags X.Y.Z, X.Y and X derive
# from them, and the release workflow only runs for tags vX.Y.Z.
RELEASE_VERSION = re.compile(r"\d+\.\d+\.\d+")


class VersionError(Exception):
    pass


def package_version(root: Path = ROOT) -> str:
    """``__version__`` from ``timetracker/__init__.py``, read without importing it."""
    module = ast.parse((root / "timetracker" / "__init__.py").read_text(encoding="utf-8"))
    for node in module.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise VersionError("timetracker/__init__.py defines no __version__ string")


def project_version(root: Path = ROOT) -> str:
    with (root / "pyproject.toml").open("rb") as handle:
        data = tomllib.load(handle)
    try:
        return str(data["project"]["version"])
    except KeyError:
        raise VersionError("pyproject.toml has no [project] version") from None


def check(tag: str | None = None, root: Path = ROOT) -> str:
    """The version, after checking both declarations agree (and match ``tag``)."""
    version = package_version(root)
    declared = project_version(root)
    if version != declared:
        raise VersionError(
            f"timetracker/__init__.py says {version} but pyproject.toml says {declared}"
        )
    if not RELEASE_VERSION.fullmatch(version):
        raise VersionError(f"version {version} is not MAJOR.MINOR.PATCH (for example 1.2.3)")
    if tag is not None and tag != f"v{version}":
        raise VersionError(
            f"tag {tag} does not match the app's version {version} (expected v{version})"
        )
    return version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", nargs="?", help="release tag such as v1.2.3")
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(check(args.tag) + "\n")
    except (VersionError, OSError, tomllib.TOMLDecodeError) as exc:
        sys.stderr.write(f"check_version: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
