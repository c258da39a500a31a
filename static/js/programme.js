/* Programme times in the viewer's own zone, instantly (progressive enhancement).
 *
 * Without JavaScript the zone switch is a GET form to /timezone (a cookie), and the
 * server writes viewer times. With it: the browser's zone is detected, every
 * [data-start][data-end] time is rewritten with Intl.DateTimeFormat, and choosing
 * another zone updates the page at once (and still tells the server, for next time).
 */
(function () {
  "use strict";

  function validZone(zone) {
    if (!zone) { return false; }
    try {
      new Intl.DateTimeFormat("en-GB", { timeZone: zone });
      return true;
    } catch (e) {
      return false;
    }
  }

  function fmt(zone, withDay) {
    var opts = { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (withDay) { opts.weekday = "short"; }
    /* The page's language, with the Latin digits the server writes (localefmt.py). */
    return new Intl.DateTimeFormat((document.documentElement.lang || "en") + "-u-nu-latn", opts);
  }

  function render(zone) {
    var spans = document.querySelectorAll(".viewer-time[data-start][data-end]");
    var full = fmt(zone, true);
    var short = fmt(zone, false);
    spans.forEach(function (el) {
      var eventZone = el.getAttribute("data-event-zone");
      if (!zone || zone === eventZone) {
        el.hidden = true;
        return;
      }
      var start = new Date(el.getAttribute("data-start"));
      var end = new Date(el.getAttribute("data-end"));
      el.textContent = full.format(start).replace(",", "") + "\u2013" + short.format(end) + " " + zone;
      el.setAttribute("data-zone", zone);
      el.hidden = false;
    });
    document.querySelectorAll("[data-js-zone-note]").forEach(function (note) {
      note.textContent = zone ? " Also shown in " + zone + "." : "";
    });
  }

  function remember(form, zone) {
    var url = form.getAttribute("action") + "?tz=" + encodeURIComponent(zone) + "&next=/";
    if (window.fetch) {
      fetch(url, { credentials: "same-origin", redirect: "manual" }).catch(function () {});
    }
  }

  function init() {
    var browserZone = "";
    try {
      browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) { browserZone = ""; }
    var forms = document.querySelectorAll("form[data-zone-switch]");
    var chosen = "";
    forms.forEach(function (form) {
      var input = form.querySelector("[data-detect-zone]");
      if (input && input.value) { chosen = input.value; }
      var p = form.querySelector("p");
      if (p && !p.querySelector("[data-js-zone-note]")) {
        var note = document.createElement("span");
        note.setAttribute("data-js-zone-note", "");
        p.appendChild(note);
      }
      form.addEventListener("submit", function (ev) {
        var zone = input ? input.value.trim() : "";
        if (!validZone(zone)) { return; } /* let the server answer */
        ev.preventDefault();
        render(zone);
        remember(form, zone);
        forms.forEach(function (f) {
          var other = f.querySelector("[data-detect-zone]");
          if (other) { other.value = zone; }
        });
      });
    });
    var zone = chosen || browserZone;
    if (validZone(zone)) {
      forms.forEach(function (form) {
        var input = form.querySelector("[data-detect-zone]");
        if (input && !input.value) { input.value = zone; }
      });
      render(zone);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
