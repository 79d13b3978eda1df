// The job page's progress bar: polls the job's JSON status and updates the bar without a
// reload; when the job ends the page reloads once to show its report and download link.
// Without JavaScript the page's "Refresh" link does the same by hand. The texts it writes
// come from the page, translated: data-count-format ("{done} of {total} rows") and
// data-percent-format ("{percent} %") on the job box.
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
  var countFormat = box.dataset.countFormat || "{done} of {total} rows";
  var percentFormat = box.dataset.percentFormat || "{percent} %";

  function fill(message, values) {
    return message.replace(/\{(\w+)\}/g, function (token, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : token;
    });
  }

  function show(status) {
    if (state) state.textContent = status.state_label;
    if (stage) stage.textContent = status.stage;
    if (bar && status.rows_total) {
      bar.max = status.rows_total;
      bar.value = status.rows_done;
      bar.textContent = fill(percentFormat, { percent: status.percent });
      if (count) count.textContent = fill(countFormat, { done: status.rows_done, total: status.rows_total });
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
