/*
 * The week grid, better with JavaScript (it works without: a plain form POST).
 *
 * - Moves between cells like a spreadsheet: arrow keys (left and right once the caret is
 *   at the edge of the text), Enter and Shift+Enter down and up, Tab and Shift+Tab as
 *   usual; Escape puts back the value the grid showed. Focusing a cell selects its text.
 * - Keeps the row, day and week totals up to date while typing, reading durations as the
 *   server does (1:30, 1.5, 90m, 1h 30m); a cell it cannot read is marked, and the server
 *   still decides when the week is saved.
 *
 * The hint on an unreadable cell comes from the page, translated (the table's
 * data-unreadable).
 */
(function () {
  "use strict";
  var table = document.querySelector("table[data-timesheet]");
  if (!table) {
    return;
  }
  var MAX = 24 * 3600;
  var UNREADABLE = table.getAttribute("data-unreadable") ||
    "Enter a duration such as 1:30, 1.5, 90m or 1h 30m (at most 24 hours).";
  var CLOCK = /^([0-9]{1,2}):([0-5][0-9])(?::([0-5][0-9]))?$/;
  var DECIMAL = /^([0-9]{0,2})(?:[.,]([0-9]{1,4}))?$/;
  var UNITS = /^(?:([0-9]{1,2}(?:[.,][0-9]{1,4})?)\s*h(?:ours?|rs?)?)?\s*(?:([0-9]{1,4})\s*(?:m|mins?|minutes?)?)?$/i;

  /* Seconds for a cell's text: 0 for empty, null when it cannot be read. */
  function parse(text) {
    text = text.trim();
    if (!text) {
      return 0;
    }
    if (text.length > 20 || text.charAt(0) === "-") {
      return null;
    }
    var m = CLOCK.exec(text);
    var seconds = null;
    if (m) {
      seconds = (+m[1]) * 3600 + (+m[2]) * 60 + (+(m[3] || 0));
    } else if ((m = DECIMAL.exec(text)) && (m[1] || m[2])) {
      seconds = Math.round(parseFloat((m[1] || "0") + "." + (m[2] || "0")) * 3600);
    } else if ((m = UNITS.exec(text)) && (m[1] || m[2]) && (m[1] || /[a-z]/i.test(text))) {
      seconds = Math.round(parseFloat((m[1] || "0").replace(",", ".")) * 3600) + (+(m[2] || 0)) * 60;
    }
    return seconds !== null && seconds <= MAX ? seconds : null;
  }

  function format(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var text = h + ":" + (m < 10 ? "0" : "") + m;
    return s ? text + ":" + (s < 10 ? "0" : "") + s : text;
  }

  function cellSeconds(td) {
    var input = td.querySelector("input.ts-cell");
    if (input) {
      var value = parse(input.value);
      return value === null ? 0 : value;
    }
    var locked = td.querySelector("[data-seconds]");
    return locked ? +locked.getAttribute("data-seconds") : 0;
  }

  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-row]"));

  function refresh() {
    var days = [0, 0, 0, 0, 0, 0, 0];
    rows.forEach(function (tr) {
      var total = 0;
      for (var i = 0; i < 7; i++) {
        var td = tr.cells[i + 1];
        var seconds = td ? cellSeconds(td) : 0;
        days[i] += seconds;
        total += seconds;
      }
      var out = tr.querySelector("[data-row-total]");
      if (out) {
        out.textContent = format(total);
      }
    });
    var week = 0;
    days.forEach(function (seconds, i) {
      week += seconds;
      var out = table.querySelector('[data-day-total="' + i + '"]');
      if (out) {
        out.textContent = format(seconds);
      }
    });
    var all = table.querySelector("[data-week-total]");
    if (all) {
      all.textContent = format(week);
    }
  }

  function check(input) {
    var bad = parse(input.value) === null;
    input.classList.toggle("ts-unreadable", bad);
    if (bad) {
      input.setAttribute("aria-invalid", "true");
      input.title = UNREADABLE;
    } else if (!input.hasAttribute("aria-describedby")) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("title");
    }
  }

  /* The input of the row `dr` and column `dc` away from `input`, skipping locked cells. */
  function neighbour(input, dr, dc) {
    var td = input.closest("td");
    var tr = td.parentElement;
    var r = rows.indexOf(tr);
    var c = td.cellIndex;
    for (var step = 1; step < 100; step++) {
      var row = rows[r + dr * step];
      var col = c + dc * step;
      if (dr && !row) {
        return null;
      }
      var target = (dr ? row : tr).cells[dr ? c : col];
      if (!target || (dc && (col < 1 || col > 7))) {
        return null;
      }
      var next = target.querySelector("input.ts-cell");
      if (next) {
        return next;
      }
    }
    return null;
  }

  function go(next) {
    if (next) {
      next.focus();
      next.select();
    }
  }

  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("ts-cell")) {
      return;
    }
    var all = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    var atStart = all || (input.selectionStart === 0 && input.selectionEnd === 0);
    var atEnd = all || input.selectionStart === input.value.length;
    var next;
    switch (event.key) {
      case "ArrowUp":
        next = neighbour(input, -1, 0);
        break;
      case "ArrowDown":
        next = neighbour(input, 1, 0);
        break;
      case "ArrowLeft":
        next = atStart ? neighbour(input, 0, -1) : undefined;
        break;
      case "ArrowRight":
        next = atEnd ? neighbour(input, 0, 1) : undefined;
        break;
      case "Enter":
        // Enter moves down as in a spreadsheet; the Save button saves.
        event.preventDefault();
        next = neighbour(input, event.shiftKey ? -1 : 1, 0);
        break;
      case "Escape":
        input.value = input.getAttribute("data-shown") || "";
        check(input);
        refresh();
        return;
      default:
        return;
    }
    if (next) {
      event.preventDefault();
      go(next);
    }
  });

  table.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("ts-cell")) {
      event.target.select();
    }
  });

  table.addEventListener("input", function (event) {
    if (event.target.classList && event.target.classList.contains("ts-cell")) {
      check(event.target);
      refresh();
    }
  });
})();
