/*
 * The first-run setup page: put the browser's time zone into the time zone field, when
 * the browser knows it and the list has it. The server's default stays otherwise, and
 * without JavaScript; the person setting up can always pick another.
 */
(function () {
  "use strict";
  var field = document.querySelector("select[data-browser-timezone]");
  if (!field || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  for (var i = 0; i < field.options.length; i += 1) {
    if (field.options[i].value === zone) {
      field.value = zone;
      return;
    }
  }
})();
