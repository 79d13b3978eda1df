// The job page's progress bar: polls the job's JSON status and updates the bar without a
// reload; when the job ends the page reloads once to show its report and download link.
// Without JavaScript the page's "Refresh" link does the same by hand.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.running !== "1") return;
  var url = box.dataset.statusUrl;
  var bar = document.getElementById("job-progress");
  var count = box.querySelector("[data-job-count]");
  var state = box.querySelector("[data-job-state]");
  var stage = box.querySelector("[data-job-stage]");
  var delay = 1000;

  function show(status) {
    if (state) state.textContent = status.state_label;
    if (stage) stage.textContent = status.stage;
    if (bar && status.rows_total) {
      bar.max = status.rows_total;
      bar.value = status.rows_done;
      bar.textContent = status.percent + " %";
      if (count) count.textContent = status.rows_done + " of " + status.rows_total + " rows";
    } else if (bar) {
      bar.removeAttribute("value");
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) {
          window.location.reload();
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // A restart or a network blip: back off, keep trying, never spin.
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
