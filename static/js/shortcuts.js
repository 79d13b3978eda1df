/*
 * Keyboard shortcuts and the header menu, on every page of the signed-in web UI.
 *
 *   s        start or stop the timer (stop: the header's or the dashboard's stop button;
 *            start: the dashboard's start form, or the dashboard from any other page)
 *   n        a new time entry
 *   /        the page's search or filter field (the entry list's from pages without one)
 *   [ or k   the previous week, ] or j the next one, where a page links them
 *            (links marked data-shortcut="previous" / data-shortcut="next")
 *   ?        the list of shortcuts (a dialog; Escape closes it)
 *
 * A shortcut never fires while the user types in a field (input, select, textarea,
 * anything editable), with Ctrl, Alt or Meta held, or while a dialog is open. Everything
 * it does is also a link or a button on the page: without JavaScript nothing is lost.
 *
 * The header menu is a <details> element, closed on narrow screens; this script opens it
 * on wide ones, where the links fit in one row.
 */
(function () {
  "use strict";
  var body = document.body;
  var help = document.getElementById("shortcuts-help");

  // --- The menu --------------------------------------------------------------------------
  var menu = document.getElementById("main-menu");
  if (menu && window.matchMedia) {
    var wide = window.matchMedia("(min-width: 48rem)");
    var fitMenu = function () {
      menu.open = wide.matches;
    };
    fitMenu();
    if (wide.addEventListener) {
      wide.addEventListener("change", fitMenu);
    }
  }

  // --- The help dialog -------------------------------------------------------------------
  function openHelp() {
    if (help && typeof help.showModal === "function" && !help.open) {
      help.showModal();
    }
  }
  var opener = document.getElementById("shortcuts-open");
  var hint = document.getElementById("shortcuts-hint");
  if (help && typeof help.showModal === "function") {
    if (hint) {
      hint.hidden = false;
    }
    if (opener) {
      opener.addEventListener("click", openHelp);
    }
    var closer = document.getElementById("shortcuts-close");
    if (closer) {
      closer.addEventListener("click", function () {
        help.close();
      });
    }
  }

  // --- The shortcuts ---------------------------------------------------------------------
  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) {
      return true;
    }
    if (tag === "input") {
      var type = (target.getAttribute("type") || "text").toLowerCase();
      return ["button", "submit", "reset", "checkbox", "radio", "image"].indexOf(type) < 0;
    }
    return false;
  }

  function go(url) {
    if (url) {
      window.location.assign(url);
    }
  }

  function submit(button) {
    if (button.form && typeof button.form.requestSubmit === "function") {
      button.form.requestSubmit(button);
    } else {
      button.click();
    }
  }

  function startOrStop() {
    var stop = document.querySelector("[data-shortcut-stop]");
    if (stop) {
      submit(stop);
      return;
    }
    var project = document.getElementById("start_project");
    if (!project) {
      go(body.getAttribute("data-url-dashboard") + "#timer-box");
      return;
    }
    if (project.value) {
      var start = document.querySelector("[data-shortcut-start]");
      if (start) {
        submit(start);
        return;
      }
    }
    project.focus();
  }

  function search() {
    var field = document.querySelector(
      "[data-shortcut-search], form.filters input:not([type=hidden]), form.filters select"
    );
    if (field) {
      field.focus();
      if (typeof field.select === "function" && field.tagName.toLowerCase() === "input") {
        field.select();
      }
    } else {
      go(body.getAttribute("data-url-entries"));
    }
  }

  function follow(which) {
    var link = document.querySelector('a[data-shortcut="' + which + '"]');
    if (link) {
      link.click();
    }
  }

  var actions = {
    s: startOrStop,
    n: function () {
      go(body.getAttribute("data-url-new-entry"));
    },
    "/": search,
    "[": function () {
      follow("previous");
    },
    k: function () {
      follow("previous");
    },
    "]": function () {
      follow("next");
    },
    j: function () {
      follow("next");
    },
    "?": openHelp,
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    if (event.isComposing || isTyping(event.target)) {
      return;
    }
    if (document.querySelector("dialog[open]")) {
      return;
    }
    var action = Object.prototype.hasOwnProperty.call(actions, event.key) ? actions[event.key] : null;
    if (action) {
      event.preventDefault();
      action();
    }
  });
})();
