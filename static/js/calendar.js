/*
 * The calendar, better with JavaScript (without it: lists of entries per day, each linked
 * to its edit form).
 *
 * Week view: each day becomes a 24-hour track with the entries placed by their times.
 * Drag an entry up, down or to another day to move it (15-minute steps); drag its lower
 * edge to change its end. Month view: drag an entry to another day; its times stay.
 * Each change is posted to the entry's move URL (data-move-url), which saves it with the
 * same rules as the entry form; if it is refused the entry goes back where it was and the
 * reason is shown. Running timers (no move URL) are shown as running and do not move.
 *
 * Times are the wall-clock times of the user's time zone as the server wrote them
 * (data-start, data-end); the arithmetic is done on those readings, never in the
 * browser's own zone.
 *
 * Messages come from the page, translated: the server's refusal reasons as it sends them,
 * and #calendar-status's data-move-failed ("... (HTTP {status}).") when it gives none.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-calendar]");
  if (!root) {
    return;
  }
  var HOUR_PX = 32;
  var STEP = 15; // minutes
  var DAY = 24 * 60;
  var status = document.getElementById("calendar-status");
  var moveFailed = (status && status.getAttribute("data-move-failed")) ||
    "The entry could not be moved (HTTP {status}).";
  var csrf = document.querySelector("#calendar-csrf input[name=csrfmiddlewaretoken]");

  /* "2026-12-01T09:30:00" -> minutes since 1970-01-01 00:00 of that wall clock. */
  function minutesOf(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text || "");
    if (!m) {
      return null;
    }
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) / 60000;
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function reading(minutes) {
    var d = new Date(minutes * 60000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      "T" + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":00";
  }

  function clock(minutes) {
    var d = new Date(minutes * 60000);
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  function say(message) {
    if (!status) {
      return;
    }
    status.textContent = message;
    status.hidden = !message;
  }

  function save(item, start, end) {
    var body = new FormData();
    body.append("started_at", reading(start));
    body.append("ended_at", reading(end));
    return fetch(item.getAttribute("data-move-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (data) {
        if (!response.ok) {
          var errors = data.errors || {};
          var messages = [];
          Object.keys(errors).forEach(function (name) {
            (errors[name] || []).forEach(function (error) {
              messages.push(typeof error === "string" ? error : error.message);
            });
          });
          throw new Error(messages.join(" ") || moveFailed.replace("{status}", String(response.status)));
        }
        return data.entry;
      });
    });
  }

  function relabel(item, entry) {
    item.setAttribute("data-start", entry.started_at);
    item.setAttribute("data-end", entry.ended_at);
    var time = item.querySelector(".cal-time");
    var start = minutesOf(entry.started_at);
    var end = minutesOf(entry.ended_at);
    if (time) {
      time.textContent = root.getAttribute("data-calendar") === "week" ?
        clock(start) + "–" + clock(end) : clock(start);
    }
    var length = item.querySelector(".cal-length");
    if (length) {
      length.textContent = entry.duration;
    }
  }

  // --- Week: a track per day --------------------------------------------------------------
  function place(item) {
    var start = minutesOf(item.getAttribute("data-start"));
    var end = minutesOf(item.getAttribute("data-end"));
    if (start === null || end === null) {
      return;
    }
    var offset = ((start % DAY) + DAY) % DAY;
    var length = Math.max(Math.min(end - start, DAY - offset), STEP);
    item.style.top = (offset * HOUR_PX / 60) + "px";
    item.style.height = (length * HOUR_PX / 60) + "px";
  }

  function dayAt(x, y) {
    var hit = document.elementFromPoint(x, y);
    return hit && hit.closest ? hit.closest(".cal-day") : null;
  }

  function weekView() {
    root.classList.add("cal-timeline");
    var items = Array.prototype.slice.call(root.querySelectorAll(".cal-entry"));
    items.forEach(function (item) {
      place(item);
      if (!item.hasAttribute("data-move-url")) {
        return;
      }
      var handle = document.createElement("span");
      handle.className = "cal-resize";
      handle.setAttribute("aria-hidden", "true");
      item.appendChild(handle);
      var link = item.querySelector("a");
      if (link) {
        link.draggable = false;
      }
      item.addEventListener("pointerdown", function (event) {
        drag(event, item, event.target === handle ? "resize" : "move");
      });
    });
  }

  function drag(event, item, mode) {
    if (event.button !== 0) {
      return;
    }
    var start = minutesOf(item.getAttribute("data-start"));
    var end = minutesOf(item.getAttribute("data-end"));
    var list = item.parentElement;
    var origin = { x: event.clientX, y: event.clientY, list: list, next: item.nextSibling };
    var moved = false;
    var shift = 0;
    var newStart = start;
    var newEnd = end;
    var dayOffset = 0;
    // Listened for on the window: moving the entry to another day's list would end a
    // pointer capture on it.
    event.preventDefault();

    function onMove(e) {
      var dy = e.clientY - origin.y;
      shift = Math.round(dy * 60 / HOUR_PX / STEP) * STEP;
      if (!moved && Math.abs(dy) < 4 && Math.abs(e.clientX - origin.x) < 4) {
        return;
      }
      moved = true;
      item.classList.add("cal-dragging");
      if (mode === "resize") {
        newStart = start;
        newEnd = Math.max(end + shift, start + STEP);
        item.style.height = ((newEnd - newStart) * HOUR_PX / 60) + "px";
        return;
      }
      var target = dayAt(e.clientX, e.clientY);
      var days = Array.prototype.slice.call(root.querySelectorAll(".cal-day"));
      var from = days.indexOf(origin.list.closest(".cal-day"));
      dayOffset = target ? days.indexOf(target) - from : dayOffset;
      newStart = start + shift + dayOffset * DAY;
      newEnd = end + shift + dayOffset * DAY;
      var ol = target ? target.querySelector(".cal-entries") : null;
      if (ol && item.parentElement !== ol) {
        ol.appendChild(item);
      }
      var offset = ((newStart % DAY) + DAY) % DAY;
      item.style.top = (offset * HOUR_PX / 60) + "px";
    }

    function restore() {
      origin.list.insertBefore(item, origin.next);
      place(item);
    }

    function onUp() {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      window.removeEventListener("pointercancel", onCancel);
      item.classList.remove("cal-dragging");
      if (!moved || (newStart === start && newEnd === end)) {
        if (moved) {
          restore();
        }
        return;
      }
      // A drag is not a click on the entry's link.
      var swallow = function (e) {
        e.preventDefault();
      };
      item.addEventListener("click", swallow, true);
      window.setTimeout(function () {
        item.removeEventListener("click", swallow, true);
      }, 0);
      item.setAttribute("aria-busy", "true");
      save(item, newStart, newEnd).then(function (entry) {
        relabel(item, entry);
        place(item);
        say("");
      }).catch(function (error) {
        restore();
        say(error.message);
      }).then(function () {
        item.removeAttribute("aria-busy");
      });
    }

    function onCancel() {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      window.removeEventListener("pointercancel", onCancel);
      item.classList.remove("cal-dragging");
      restore();
    }

    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
    window.addEventListener("pointercancel", onCancel);
  }

  // --- Month: drag to another day ---------------------------------------------------------
  function monthView() {
    var dragged = null;
    Array.prototype.forEach.call(root.querySelectorAll(".cal-entry[data-move-url]"), function (item) {
      item.draggable = true;
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.getAttribute("data-entry"));
      });
      item.addEventListener("dragend", function () {
        dragged = null;
      });
    });
    Array.prototype.forEach.call(root.querySelectorAll(".cal-month-day"), function (cell) {
      cell.addEventListener("dragover", function (event) {
        if (dragged) {
          event.preventDefault();
          cell.classList.add("cal-drop");
        }
      });
      cell.addEventListener("dragleave", function () {
        cell.classList.remove("cal-drop");
      });
      cell.addEventListener("drop", function (event) {
        event.preventDefault();
        cell.classList.remove("cal-drop");
        var item = dragged;
        if (!item) {
          return;
        }
        var start = minutesOf(item.getAttribute("data-start"));
        var end = minutesOf(item.getAttribute("data-end"));
        var target = minutesOf(cell.getAttribute("data-day") + "T00:00");
        var days = Math.round((target - (start - (((start % DAY) + DAY) % DAY))) / DAY);
        if (!days) {
          return;
        }
        var from = item.parentElement;
        var next = item.nextSibling;
        cell.querySelector(".cal-entries").appendChild(item);
        save(item, start + days * DAY, end + days * DAY).then(function (entry) {
          relabel(item, entry);
          say("");
        }).catch(function (error) {
          from.insertBefore(item, next);
          say(error.message);
        });
      });
    });
  }

  if (root.getAttribute("data-calendar") === "week") {
    weekView();
  } else {
    monthView();
  }
})();
