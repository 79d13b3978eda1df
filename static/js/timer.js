/*
 * Live clock of the running timer on the dashboard.
 *
 * The server renders the elapsed time into the page and stays the source of truth; this
 * script only keeps the display ticking. It counts from the moment the page loaded with
 * the browser's monotonic clock (performance.now), so a wrong clock on the user's machine
 * cannot skew it, and a reload simply asks the server again. Without JavaScript the page
 * shows the time as of loading and everything else works.
 */
(function () {
  "use strict";
  var clock = document.getElementById("timer-clock");
  if (!clock || !window.performance) {
    return;
  }
  var elapsedAtLoad = parseInt(clock.getAttribute("data-elapsed"), 10);
  if (isNaN(elapsedAtLoad)) {
    return;
  }
  var loadedAt = window.performance.now();
  var project = clock.getAttribute("data-project") || "";
  var pageTitle = document.title;

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function format(total) {
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    return hours + ":" + pad(minutes) + ":" + pad(total % 60);
  }

  function tick() {
    var total = elapsedAtLoad + Math.floor((window.performance.now() - loadedAt) / 1000);
    var text = format(total);
    if (clock.textContent !== text) {
      clock.textContent = text;
      document.title = text + " " + project + " · " + pageTitle;
    }
  }

  tick();
  // Twice a second, so the display never skips a second when a timer callback is late.
  window.setInterval(tick, 500);
})();
