/* Programme times in the viewer's own zone, instantly (progressive enhancement).
 *
 * Without JavaScript the zone box is a GET form to /timezone (a cookie), and the
 * server writes viewer times. With it: the browser's zone is detected, every
 * [data-start][data-end] time is rewritten with Intl.DateTimeFormat, and choosing
 * another zone (a suggestion of tzbox.js, or an IANA name typed in) updates the page at
 * once (and still tells the server, for next time). Where the viewer's clock reads as
 * the event's, no second time is shown and the sentence says nothing of it.
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

  // Day names in the page's language (English pages keep the en-GB forms they had).
  var lang = document.documentElement.lang || "en";
  var locale = lang === "en" ? "en-GB" : lang;

  function fmt(zone, withDay) {
    var opts = { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (withDay) { opts.weekday = "short"; }
    /* The page's language, with the Latin digits the server writes (localefmt.py). */
    return new Intl.DateTimeFormat((document.documentElement.lang || "en") + "-u-nu-latn", opts);
  }

  /* The wall-clock reading of an instant in a zone: equal readings, same clock. */
  function reading(zone, date) {
    return new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).format(date);
  }

  function sameClock(a, b, dates) {
    if (!a || !b || a === b) { return true; }
    return dates.every(function (d) { return reading(a, d) === reading(b, d); });
  }

  /* "Times are in the event's zone, {zone}, and in yours, {yours}." with both in bold. */
  function sentence(p, pattern, values) {
    p.textContent = "";
    pattern.split(/(\{zone\}|\{yours\})/).forEach(function (part) {
      var key = part === "{zone}" ? "zone" : (part === "{yours}" ? "yours" : null);
      if (key) {
        var strong = document.createElement("strong");
        strong.textContent = values[key];
        p.appendChild(strong);
      } else if (part) {
        p.appendChild(document.createTextNode(part));
      }
    });
  }

  function render(zone, label) {
    var spans = document.querySelectorAll(".viewer-time[data-start][data-end]");
    var full = fmt(zone, true);
    var short = fmt(zone, false);
    var dates = [];
    spans.forEach(function (el) {
      var eventZone = el.getAttribute("data-event-zone");
      var start = new Date(el.getAttribute("data-start"));
      var end = new Date(el.getAttribute("data-end"));
      dates.push(start, end);
      if (!zone || sameClock(zone, eventZone, [start, end])) {
        el.hidden = true;
        return;
      }
      el.textContent = full.format(start).replace(",", "") + "\u2013" + short.format(end) + " " + zone;
      el.setAttribute("data-zone", zone);
      el.hidden = false;
    });
    if (!dates.length) { dates.push(new Date()); }
    document.querySelectorAll("form[data-zone-switch]").forEach(function (form) {
      var p = form.querySelector("[data-zone-sentence]");
      var eventZone = form.getAttribute("data-event-zone");
      if (!p || !eventZone) { return; }
      var key = "data-fmt-two";
      // Another name of the event's own zone (Africa/Harare for Africa/Kigali) counts as
      // the same zone, as on the server (tzsearch.canonical).
      var names = (form.getAttribute("data-event-zones") || eventZone).split(" ");
      if (!zone || zone === eventZone || names.indexOf(zone) >= 0) {
        key = "data-fmt-one";
      } else if (sameClock(zone, eventZone, dates)) {
        key = "data-fmt-same";
      }
      var pattern = form.getAttribute(key);
      if (pattern) { sentence(p, pattern, { zone: eventZone, yours: label || zone }); }
    });
  }

  function remember(form, zone) {
    var url = form.getAttribute("action") + "?tz=" + encodeURIComponent(zone) + "&next=/";
    if (window.fetch) {
      fetch(url, { credentials: "same-origin", redirect: "manual" }).catch(function () {});
    }
  }

  /* Show the zone's name in the page's language in the box (the browser gives an IANA name). */
  function labelFor(form, zone, done) {
    var url = form.getAttribute("data-suggest");
    var lang = document.documentElement.getAttribute("lang") || "";
    if (!url || !window.fetch) { return; }
    fetch(url + "?q=" + encodeURIComponent(zone) + "&lang=" + encodeURIComponent(lang),
          { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { zones: [] }; })
      .then(function (data) {
        var first = (data.zones || [])[0];
        if (first && first.zone === zone) { done(first.label); }
      })
      .catch(function () {});
  }

  function init() {
    var browserZone = "";
    try {
      browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) { browserZone = ""; }
    var forms = document.querySelectorAll("form[data-zone-switch]");
    var chosen = "";
    var chosenLabel = "";
    forms.forEach(function (form) {
      var input = form.querySelector("[data-detect-zone]");
      if (input && input.getAttribute("data-zone")) {
        chosen = input.getAttribute("data-zone");
        chosenLabel = input.value;
      }
      form.addEventListener("submit", function (ev) {
        var field = form.querySelector("input[name=zone]");
        var text = input ? input.value.trim() : "";
        var zone = (field && field.value) || text;
        if (!validZone(zone)) { return; } /* let the server answer */
        ev.preventDefault();
        render(zone, text || zone);
        remember(form, zone);
        forms.forEach(function (f) {
          var other = f.querySelector("[data-detect-zone]");
          if (other) { other.value = text || zone; other.setAttribute("data-zone", zone); }
        });
      });
    });
    var zone = chosen || browserZone;
    if (validZone(zone)) {
      render(zone, chosenLabel || zone);
      if (!chosen) {
        forms.forEach(function (form) {
          var input = form.querySelector("[data-detect-zone]");
          if (!input || input.value) { return; }
          var field = form.querySelector("input[name=zone]");
          input.value = zone;
          input.setAttribute("data-zone", zone);
          if (field) { field.value = zone; }
          labelFor(form, zone, function (label) {
            if (input.value === zone) { input.value = label; }
            render(zone, label);
          });
        });
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
