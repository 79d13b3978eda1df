"""Paths and small parsers shared by the delivery tests (Dockerfile, workflows, scripts)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
ENTRYPOINT = REPO_ROOT / "docker" / "entrypoint.sh"
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
CHANGELOG = REPO_ROOT / "CHANGELOG.md"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, ENV, ...
    value: str  # the rest of the instruction, continuation lines joined
    stage: str  # name (or index) of the build stage it belongs to


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    """The instructions of a Dockerfile, with ``\\`` continuations joined.

    Comment lines are dropped, also inside a continued instruction, as Docker does.
    """
    instructions: list[Instruction] = []
    stage = ""
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        keyword, _, value = text.partition(" ")
        keyword = keyword.upper()
        value = " ".join(value.split())
        if keyword == "FROM":
            match = re.search(r"\s+AS\s+(\S+)$", value, flags=re.IGNORECASE)
            stage = match.group(1) if match else str(len(stage_names(instructions)))
        instructions.append(Instruction(keyword, value, stage))
    return instructions


def stage_names(instructions: list[Instruction]) -> list[str]:
    return [i.stage for i in instructions if i.keyword == "FROM"]


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = stage_names(instructions)[-1]
    return [i for i in instructions if i.stage == last]


def key_values(value: str) -> dict[str, str]:
    """``ENV``/``LABEL``/``ARG`` arguments (``A=1 B="two words"``) as a dict."""
    pairs: dict[str, str] = {}
    for token in shlex.split(value):
        name, sep, val = token.partition("=")
        pairs[name] = val if sep else ""
    return pairs


def exec_form(value: str) -> list[str]:
    """The JSON array of an exec-form ``CMD``/``ENTRYPOINT``/``HEALTHCHECK CMD``."""
    start = value.index("[")
    parsed = json.loads(value[start:])
    assert isinstance(parsed, list), value
    return [str(item) for item in parsed]


def load_workflow(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data
