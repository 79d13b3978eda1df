/*
 * Task pickers that load the chosen project's tasks on demand.
 *
 * The server renders a task <select data-task-picker> with only a few projects' tasks
 * (the chosen project's and, on the timer and entry forms, the user's recently used
 * projects'), grouped by project, so the page does not grow with every open task of every
 * project. Without JavaScript that list is the picker, and a task alone still names its
 * project. With JavaScript, choosing a project replaces the options by all of that
 * project's tasks, read from the tasks API (GET data-tasks-url?project=<id>, the session
 * signs it in); data-open-only="1" leaves finished tasks out. Choosing no project brings
 * the server's list back. If the request fails, the server's list stays.
 */
(function () {
  "use strict";
  var PAGE_SIZE = 500;
  var MAX_PAGES = 20;

  function fetchTasks(url, pages) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("tasks: HTTP " + response.status);
      }
      return response.json();
    }).then(function (body) {
      var results = body.results || [];
      if (body.next && pages < MAX_PAGES) {
        return fetchTasks(body.next, pages + 1).then(function (more) {
          return results.concat(more);
        });
      }
      return results;
    });
  }

  function option(value, label, selected) {
    var node = document.createElement("option");
    node.value = value;
    node.textContent = label;
    node.selected = selected;
    return node;
  }

  function enhance(select) {
    var form = select.form;
    var project = form && form.elements.namedItem("project");
    if (!project || project.tagName !== "SELECT") {
      return;
    }
    var base = select.getAttribute("data-tasks-url");
    var openOnly = select.getAttribute("data-open-only") === "1";
    var original = Array.prototype.slice.call(select.childNodes).map(function (node) {
      return node.cloneNode(true);
    });
    var empty = select.options.length && select.options[0].value === "" ?
      select.options[0].textContent : "";
    var latest = 0;

    function restore() {
      var chosen = select.value;
      select.replaceChildren.apply(select, original.map(function (node) {
        return node.cloneNode(true);
      }));
      select.value = chosen;
      if (select.value !== chosen) {
        select.value = "";
      }
    }

    function load() {
      var id = project.value;
      var request = ++latest;
      if (!id) {
        restore();
        return;
      }
      var url = base + "?project=" + encodeURIComponent(id) + "&page_size=" + PAGE_SIZE;
      select.setAttribute("aria-busy", "true");
      fetchTasks(url, 1).then(function (tasks) {
        if (request !== latest) {
          return; // another project was chosen meanwhile
        }
        var chosen = select.value;
        tasks = tasks.filter(function (task) {
          return !openOnly || task.status !== "done" || String(task.id) === chosen;
        });
        tasks.sort(function (a, b) {
          return a.name.localeCompare(b.name, undefined, { sensitivity: "base" });
        });
        var nodes = [option("", empty, false)];
        tasks.forEach(function (task) {
          nodes.push(option(String(task.id), task.name, String(task.id) === chosen));
        });
        select.replaceChildren.apply(select, nodes);
      }).catch(function () {
        // The server's list stays; the form still works with it.
      }).then(function () {
        if (request === latest) {
          select.removeAttribute("aria-busy");
        }
      });
    }

    project.addEventListener("change", load);
    if (project.value) {
      load();
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[data-task-picker]"), enhance);
})();
