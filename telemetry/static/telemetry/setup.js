/*
 * The first-run setup page: put the browser's time zone into the time zone fields (the
 * admin's and the installation's default), when the browser knows it and the list has it. The server's default stays otherwise, and
 * without JavaScript; the person setting up can always pick another.
 */
(function () {
  "use strict";
  var fields = document.querySelectorAll("select[data-browser-timezone]");
  if (!fields.length || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  for (var f = 0; f < fields.length; f += 1) {
    for (var i = 0; i < fields[f].options.length; i += 1) {
      if (fields[f].options[i].value === zone) {
        fields[f].value = zone;
        break;
      }
    }
  }
})();
