/*
 * The running timer's live clock: the dashboard's timer box, or the header's timer on
 * every other page; the tab title shows it too. On the dashboard, a notice when the timer
 * changed elsewhere (another tab, the API, a phone).
 *
 * The server renders the elapsed time into the page and stays the source of truth; this
 * script only keeps the display ticking. It counts from the moment the page loaded with
 * the browser's monotonic clock (performance.now), so a wrong clock on the user's machine
 * cannot skew it, and a reload simply asks the server again.
 *
 * The box names the running entry it shows (data-running, empty when none). Every 30
 * seconds while the page is visible, when it becomes visible again, and when another tab
 * says the timer changed (a BroadcastChannel), the script asks GET /api/v1/timer/ (the
 * session signs it in). The same entry still running re-syncs the clock; anything else
 * stops the clock and shows "The timer changed elsewhere". Without JavaScript the page
 * shows the time as of loading, and the forms name the entry they act on, so a stale page
 * cannot stop a timer it does not show.
 *
 * The tab title's wording comes from the page, translated: the clock's data-title-format,
 * e.g. "{time} {project} · {page}".
 */
(function () {
  "use strict";

  // Fills a message the page rendered translated ("{time} {project} · {page}") with values;
  // a function replacement, so a "$" in a project name is taken literally.
  function fill(message, values) {
    return message.replace(/\{(\w+)\}/g, function (token, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : token;
    });
  }

  // The clock element's title format; the English one only if the page has none.
  function titleFormat(element) {
    return (element && element.getAttribute("data-title-format")) || "{time} {project} · {page}";
  }

  function titleText(format, time, project, page) {
    return fill(format, { time: time, project: project, page: page });
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function format(total) {
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    return hours + ":" + pad(minutes) + ":" + pad(total % 60);
  }

  function monotonic() {
    return window.performance ? window.performance.now() : Date.now();
  }

  // Every page but the dashboard: the header's clock and the tab title tick; a reload or
  // the dashboard tells what the server has.
  function startHeaderClock(element) {
    var base = parseInt(element.getAttribute("data-elapsed"), 10);
    if (isNaN(base)) {
      return;
    }
    var title = document.title;
    var name = element.getAttribute("data-project") || "";
    var headerFormat = titleFormat(element);
    var loadedAt = monotonic();
    var shown = null;
    function update() {
      var text = format(base + Math.floor((monotonic() - loadedAt) / 1000));
      if (shown !== text) {
        shown = text;
        element.textContent = text;
        document.title = titleText(headerFormat, text, name, title);
      }
    }
    update();
    window.setInterval(update, 500);
  }
  var box = document.getElementById("timer-box");
  var headerClock = document.getElementById("header-clock");
  if (!box) {
    if (headerClock) {
      startHeaderClock(headerClock);
    }
    return;
  }
  var POLL_MS = 30000;
  var CHANNEL = "timetracker-timer";
  var shown = box.getAttribute("data-running") || "";
  var url = box.getAttribute("data-timer-url");
  var notice = document.getElementById("timer-changed");
  var clock = document.getElementById("timer-clock");
  var pageTitle = document.title;
  var project = clock ? clock.getAttribute("data-project") || "" : "";
  var clockFormat = titleFormat(clock);
  var now = window.performance ? function () { return window.performance.now(); } : Date.now;
  var elapsedAtSync = clock ? parseInt(clock.getAttribute("data-elapsed"), 10) : NaN;
  var syncedAt = now();
  var ticking = null;
  var polling = null;
  var stale = false;
  var channel = null;


  function tick() {
    var total = elapsedAtSync + Math.floor((now() - syncedAt) / 1000);
    var text = format(total);
    if (clock.textContent !== text) {
      clock.textContent = text;
      document.title = titleText(clockFormat, text, project, pageTitle);
    }
  }

  function markStale() {
    if (stale) {
      return;
    }
    stale = true;
    if (ticking !== null) {
      window.clearInterval(ticking);
      ticking = null;
    }
    if (polling !== null) {
      window.clearInterval(polling);
      polling = null;
    }
    document.title = pageTitle;
    box.setAttribute("data-stale", "true");
    if (clock) {
      clock.classList.add("stale");
    }
    if (notice) {
      notice.hidden = false;
    }
  }

  function compare(entry) {
    var running = entry && entry.is_running !== false && entry.id ? String(entry.id) : "";
    if (running !== shown) {
      markStale();
    } else if (running && clock && typeof entry.duration_seconds === "number") {
      // The same timer: take the server's count, so a sleeping laptop does not drift.
      elapsedAtSync = entry.duration_seconds;
      syncedAt = now();
      tick();
    }
  }

  function check() {
    if (stale || !url || !window.fetch) {
      return;
    }
    window
      .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        // Signed out or a server error: say nothing; a reload will tell.
        return response.ok ? response.json() : undefined;
      })
      .then(function (entry) {
        if (entry !== undefined) {
          compare(entry);
        }
      })
      .catch(function () {
        // Offline for a moment: try again at the next poll.
      });
  }

  if (clock && !isNaN(elapsedAtSync)) {
    tick();
    // Twice a second, so the display never skips a second when a timer callback is late.
    ticking = window.setInterval(tick, 500);
  }

  polling = window.setInterval(function () {
    if (!document.hidden) {
      check();
    }
  }, POLL_MS);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      check();
    }
  });

  if (window.BroadcastChannel) {
    channel = new window.BroadcastChannel(CHANNEL);
    channel.onmessage = function (event) {
      var said = event.data && typeof event.data.running === "string" ? event.data.running : null;
      if (said !== null && said !== shown) {
        // Another tab loaded with another timer: ask the server, which has the last word.
        check();
      }
    };
    // A page loaded after starting, stopping or resuming tells the other tabs.
    channel.postMessage({ running: shown });
  }
})();
