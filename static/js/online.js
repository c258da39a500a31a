/* Online participation: countdowns to a join window and times in the browser's zone.
   Works on top of server-rendered pages: without JavaScript the page still says when
   the link opens (in the event's or the chosen zone) and a reload shows the join button. */
(function () {
  "use strict";

  // The words come from the page (data-fmt-* attributes, rendered in the page's
  // language with {d} {h} {m} {s} slots); English when a page gives none.
  function fill(pattern, values) {
    return pattern.replace(/\{(\w)\}/g, function (all, k) { return values[k] !== undefined ? values[k] : all; });
  }

  function duration(el, seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600),
        m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    var values = { d: d, h: h, m: two(m), s: two(s) };
    if (d) { return fill(el.getAttribute("data-fmt-days") || "{d} d {h} h", values); }
    if (h) { return fill(el.getAttribute("data-fmt-hours") || "{h} h {m} min", values); }
    values.m = m;
    return fill(el.getAttribute("data-fmt-minutes") || "{m} min {s} s", values);
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
      if (out) { out.textContent = duration(el, left); }
      return true;
    });
    if (countdowns.length) { window.setTimeout(tick, 1000); }
  }
  if (countdowns.length) { tick(); }

  // Times in the viewer's own zone, at once (the zone switch form does it without JS).
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { zone = null; }
  if (!zone) { return; }
  // In the page's language (base.html's lang), as the server writes it: British English
  // (24-hour clock) and Latin digits in every language, Arabic included (localefmt.py).
  var lang = document.documentElement.lang || "en";
  var locale = (lang === "en" ? "en-GB" : lang) + "-u-nu-latn";
  var fmt = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone: zone });
  var day = new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", timeZone: zone });
  // A zone whose clock reads as the shown one (Africa/Maputo beside Africa/Kigali) adds nothing.
  function reading(z, date) {
    return new Intl.DateTimeFormat("en-GB", { timeZone: z, year: "numeric", month: "2-digit", day: "2-digit",
                                              hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(date);
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-local-time]"), function (el) {
    var shown = el.getAttribute("data-shown-zone");
    if (shown === zone) { return; }
    var start = new Date(el.getAttribute("data-start")), end = new Date(el.getAttribute("data-end"));
    if (isNaN(start) || isNaN(end)) { return; }
    try {
      if (reading(shown, start) === reading(zone, start) && reading(shown, end) === reading(zone, end)) { return; }
    } catch (e) { /* an unknown shown zone: write the local time */ }
    el.textContent = fill(el.getAttribute("data-fmt-local") || "({d}, {t} your time, {z})",
                          { d: day.format(start), t: fmt.format(start) + "\u2013" + fmt.format(end), z: zone });
  });
  // Offer the detected zone in the no-JS zone switch.
  Array.prototype.forEach.call(document.querySelectorAll("input[data-detect-zone]"), function (input) {
    if (!input.value) { input.placeholder = zone; }
  });
})();
