"""The test helper that checks pages must itself catch what it claims to catch."""

from __future__ import annotations

from apps.web.tests.html_check import html_problems

PAGE = '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>{}</body></html>'


def test_it_accepts_a_well_formed_page_with_labelled_inputs() -> None:
    body = (
        '<h1>Hi</h1><form><label for="a">A</label><input id="a" name="a">'
        '<label>B <select name="b"><option>1</option></select></label>'
        '<textarea name="c" aria-label="C"></textarea><input type="hidden" name="d">'
        '<svg><line x1="0"/><rect><title>r</title></rect></svg><br></form>'
    )
    assert html_problems(PAGE.format(body)) == []


def test_it_reports_unclosed_stray_and_mismatched_tags() -> None:
    problems = html_problems(PAGE.format("<h1>Hi</h1><div><p>one</div></span><ul><li>x</ul>"))
    text = "\n".join(problems)
    assert "</div> closes <p>" in text
    assert "stray </span>" in text
    assert "</ul> closes <li>" in text


def test_it_reports_elements_never_closed() -> None:
    problems = html_problems("<!DOCTYPE html><html><body><h1>x</h1><main><section>")
    assert "<section> opened on line 1 is never closed" in problems


def test_it_reports_end_tags_of_void_elements() -> None:
    assert any("void" in p for p in html_problems(PAGE.format("<h1>x</h1><input></input>")))


def test_it_reports_inputs_without_a_label() -> None:
    problems = html_problems(
        PAGE.format('<h1>x</h1><input name="q" id="q"><select name="s"></select>')
    )
    assert any("name='q'" in p and "no label" in p for p in problems)
    assert any("name='s'" in p and "no label" in p for p in problems)


def test_it_reports_duplicate_ids_a_missing_doctype_and_heading_count() -> None:
    problems = html_problems('<html><body><p id="x"></p><p id="x"></p></body></html>')
    assert "id 'x' is used 2 times" in problems
    assert "missing <!DOCTYPE html>" in problems
    assert "expected one <h1>, found 0" in problems
