"""A small HTML checker for the tests: well-formed pages and a label on every input.

Stricter than HTML5 on purpose: every non-void element must be closed explicitly (HTML5
lets ``</p>`` or ``</li>`` be implied, but our templates never rely on that), void elements
must not have end tags, ids are unique, and every form control has an accessible name
(``<label for>``, a wrapping ``<label>``, ``aria-label`` or ``aria-labelledby``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)
UNLABELLED_INPUT_TYPES = frozenset({"hidden", "submit", "button", "reset", "image"})
CONTROLS = frozenset({"input", "select", "textarea"})


@dataclass
class _Control:
    tag: str
    attrs: dict[str, str | None]
    inside_label: bool
    line: int


@dataclass
class _Checker(HTMLParser):
    problems: list[str] = field(default_factory=list)
    stack: list[tuple[str, int]] = field(default_factory=list)
    ids: Counter[str] = field(default_factory=Counter)
    label_targets: set[str] = field(default_factory=set)
    controls: list[_Control] = field(default_factory=list)
    h1_count: int = 0
    saw_doctype: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_decl(self, decl: str) -> None:
        self.saw_doctype = self.saw_doctype or decl.lower() == "doctype html"

    def _record(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        line = self.getpos()[0]
        if values.get("id"):
            self.ids[values["id"] or ""] += 1
        if tag == "label" and values.get("for"):
            self.label_targets.add(values["for"] or "")
        if tag == "h1":
            self.h1_count += 1
        if tag in CONTROLS:
            inside = any(name == "label" for name, _ in self.stack)
            self.controls.append(_Control(tag, values, inside, line))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record(tag, attrs)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()[0]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <line/>, <rect/> in inline SVG, or <br/>: opened and closed at once.
        self._record(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        line = self.getpos()[0]
        if tag in VOID:
            self.problems.append(f"line {line}: end tag </{tag}> for a void element")
            return
        if not any(name == tag for name, _ in self.stack):
            self.problems.append(f"line {line}: stray </{tag}>")
            return
        open_tag, opened_at = self.stack[-1]
        if open_tag != tag:
            self.problems.append(
                f"line {line}: </{tag}> closes <{open_tag}> opened on line {opened_at}"
            )
        # Pop up to the matching element, as a browser would, so a mistake is reported once.
        while self.stack.pop()[0] != tag:
            pass

    def finish(self) -> list[str]:
        self.close()
        for tag, line in self.stack:
            self.problems.append(f"<{tag}> opened on line {line} is never closed")
        if not self.saw_doctype:
            self.problems.append("missing <!DOCTYPE html>")
        for value, count in self.ids.items():
            if count > 1:
                self.problems.append(f"id {value!r} is used {count} times")
        if self.h1_count != 1:
            self.problems.append(f"expected one <h1>, found {self.h1_count}")
        for control in self.controls:
            if control.tag == "input" and control.attrs.get("type") in UNLABELLED_INPUT_TYPES:
                continue
            named = (
                control.inside_label
                or control.attrs.get("id") in self.label_targets
                or control.attrs.get("aria-label")
                or control.attrs.get("aria-labelledby")
            )
            if not named:
                name = control.attrs.get("name") or control.attrs.get("id") or "?"
                self.problems.append(
                    f"line {control.line}: <{control.tag} name={name!r}> has no label"
                )
        return self.problems


def html_problems(html: str) -> list[str]:
    """Everything wrong with ``html`` (a whole page); empty when it is fine."""
    checker = _Checker()
    checker.feed(html)
    return checker.finish()


def assert_valid_page(html: str) -> None:
    problems = html_problems(html)
    assert not problems, "HTML problems:\n" + "\n".join(problems)


# --- Submitting a rendered form as a browser would ------------------------------------------
@dataclass
class _FormReader(HTMLParser):
    """Collects each ``<form>``: its attributes and the name/value pairs it would submit."""

    forms: list[tuple[dict[str, str | None], list[tuple[str, str]]]] = field(default_factory=list)
    _form: list[tuple[str, str]] | None = None
    _select: str | None = None
    _select_options: list[tuple[str, bool]] = field(default_factory=list)
    _option: list[str] | None = None
    _option_selected: bool = False
    _option_value: str | None = None
    _textarea: str | None = None
    _text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append((values, self._form))
            return
        if self._form is None or "disabled" in values:
            return
        name = values.get("name")
        if tag == "input" and name:
            kind = (values.get("type") or "text").lower()
            value = values.get("value") or ""
            if kind in {"checkbox", "radio"}:
                if "checked" in values:
                    self._form.append((name, values.get("value") or "on"))
            elif kind not in {"submit", "button", "reset", "image", "file"}:
                self._form.append((name, _as_browser_sends(kind, value)))
        elif tag == "select" and name:
            self._select, self._select_options = name, []
        elif tag == "option" and self._select is not None:
            self._option, self._option_value = [], values.get("value")
            self._option_selected = "selected" in values
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option.append(data)
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None:
            value = self._option_value
            self._select_options.append(
                ("".join(self._option).strip() if value is None else value, self._option_selected)
            )
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = [value for value, selected in self._select_options if selected]
            if not chosen and self._select_options:
                chosen = [self._select_options[0][0]]  # a browser submits the first option
            self._form.extend((self._select, value) for value in chosen[:1])
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._text)
            # The HTML parser drops one newline right after <textarea>; browsers send line
            # breaks as CRLF.
            text = text.removeprefix("\n").replace("\r\n", "\n").replace("\n", "\r\n")
            self._form.append((self._textarea, text))
            self._textarea = None
        elif tag == "form":
            self._form = None


def _as_browser_sends(kind: str, value: str) -> str:
    """The value a browser submits for ``value`` in an input of type ``kind``."""
    if kind == "color":
        return value.lower()
    if kind == "datetime-local" and len(value) == 19 and value.endswith(":00"):
        # The shortest form: a browser leaves out zero seconds.
        return value[:16]
    return value


def submitted_form(html: str, *, action: str = "") -> dict[str, list[str]]:
    """What a browser would POST from the page's form whose ``action`` is ``action``
    (``""``: the form without an action, which posts back to the page)."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    for attrs, pairs in reader.forms:
        if (attrs.get("method") or "get").lower() == "post" and (attrs.get("action") or "") == (
            action
        ):
            submitted: dict[str, list[str]] = {}
            for name, value in pairs:
                submitted.setdefault(name, []).append(value)
            return submitted
    raise AssertionError(f"no POST form with action {action!r} on the page")
