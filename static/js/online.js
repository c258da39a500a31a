/* Online participation: countdowns to a join window and times in the browser's zone.
   Works on top of server-rendered pages: without JavaScript the page still says when
   the link opens (in the event's or the chosen zone) and a reload shows the join button. */
(function () {
  "use strict";

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600),
        m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    if (d) { return d + " d " + h + " h"; }
    if (h) { return h + " h " + two(m) + " min"; }
    return m + " min " + two(s) + " s";
  }

  // Countdowns count from the page load with the server's figure, so a wrong clock on
  // the viewer's device does not move the moment the button appears.
  var started = Date.now();
  var countdowns = Array.prototype.slice.call(document.querySelectorAll("[data-countdown]"));

  function open(el) {
    var item = el.closest("[data-online-item]") || document;
    var join = item.querySelector("[data-join-when-open]");
    if (join) { join.hidden = false; }
    el.hidden = true;
  }

  function tick() {
    var elapsed = (Date.now() - started) / 1000;
    countdowns = countdowns.filter(function (el) {
      var left = parseInt(el.getAttribute("data-seconds"), 10) - elapsed;
      if (left <= 0) { open(el); return false; }
      var out = el.querySelector("[data-countdown-text]");
      if (out) { out.textContent = duration(left); }
      return true;
    });
    if (countdowns.length) { window.setTimeout(tick, 1000); }
  }
  if (countdowns.length) { tick(); }

  // Times in the viewer's own zone, at once (the zone switch form does it without JS).
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { zone = null; }
  if (!zone) { return; }
  var fmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZone: zone });
  var day = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", timeZone: zone });
  Array.prototype.forEach.call(document.querySelectorAll("[data-local-time]"), function (el) {
    if (el.getAttribute("data-shown-zone") === zone) { return; }
    var start = new Date(el.getAttribute("data-start")), end = new Date(el.getAttribute("data-end"));
    if (isNaN(start) || isNaN(end)) { return; }
    el.textContent = "(" + day.format(start) + ", " + fmt.format(start) + "\u2013" + fmt.format(end) +
      " your time, " + zone + ")";
  });
  // Offer the detected zone in the no-JS zone switch.
  Array.prototype.forEach.call(document.querySelectorAll("input[data-detect-zone]"), function (input) {
    if (!input.value) { input.placeholder = zone; }
  });
})();
