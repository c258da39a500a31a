// The pledge wall polls its JSON feed with If-None-Match; 304 means nothing changed.
(function () {
  "use strict";
  var wall = document.querySelector("[data-wall]");
  if (!wall) { return; }
  var feed = wall.getAttribute("data-feed");
  var etag = wall.getAttribute("data-etag") || "";
  var every = parseInt(wall.getAttribute("data-poll-ms"), 10) || 3000;
  var status = wall.querySelector("[data-wall-status]");
  var shown = {};
  // The page's language, Latin digits as the server writes them (a fallback: the feed
  // sends each figure as the page shows it).
  var locale = (document.documentElement.lang || "en") + "-u-nu-latn";
  Array.prototype.forEach.call(wall.querySelectorAll("[data-wall-latest] li"), function (li, i) { shown[i] = true; });

  // Counts grouped as the page's language groups them (the server's Babel forms), in
  // Latin digits as Babel writes them for all six languages.
  var lang = document.documentElement.lang || "en";
  var numbers = window.Intl ? new Intl.NumberFormat(lang, { numberingSystem: "latn" }) : null;
  function count(n) { return numbers ? numbers.format(n) : String(n); }

  function setStat(name, text) {
    var el = wall.querySelector('[data-wall-stat="' + name + '"]');
    if (el && el.textContent !== text) { el.textContent = text; }
  }

  function item(p, isNew) {
    var li = document.createElement("li");
    if (isNew) { li.className = "wall-new"; }
    function span(cls, text) {
      if (!text) { return; }
      var s = document.createElement("span");
      s.className = cls;
      s.textContent = text;
      li.appendChild(s);
    }
    span("wall-entity", p.entities_display || (p.entities || []).join(", "));
    span("wall-title", p.title);
    span("wall-value", p.amount_display);
    span("wall-session", p.session ? p.session + (p.time_display ? " \u00b7 " + p.time_display : "") : "");
    return li;
  }

  var known = {};
  function render(data) {
    setStat("pledges", data.pledges_display || data.pledges.toLocaleString(locale));
    setStat("entities", data.entities_display || data.entities.toLocaleString(locale));
    setStat("amount", data.amount_display);
    var list = wall.querySelector("[data-wall-latest]");
    var first = Object.keys(known).length === 0;
    var frag = document.createDocumentFragment();
    var next = {};
    (data.latest || []).forEach(function (p) {
      next[p.id] = true;
      frag.appendChild(item(p, !first && !known[p.id]));
    });
    if (!(data.latest || []).length) {
      var empty = document.createElement("li");
      empty.className = "wall-empty";
      empty.textContent = wall.getAttribute("data-t-empty") || "";
      frag.appendChild(empty);
    }
    list.textContent = "";
    list.appendChild(frag);
    known = next;
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(feed, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (resp) {
        if (resp.status === 304) { return null; }
        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
        etag = resp.headers.get("ETag") || "";
        return resp.json();
      })
      .then(function (data) {
        if (data) { render(data); }
        if (status) { status.textContent = ""; }
      })
      .catch(function () {
        if (status) { status.textContent = wall.getAttribute("data-t-reconnecting") || ""; }
      })
      .then(function () { window.setTimeout(poll, every); });
  }

  // Remember which announcements are already on screen, so only new ones flash.
  fetch(feed, { headers: { "Accept": "application/json" }, cache: "no-store", credentials: "same-origin" })
    .then(function (r) { etag = r.headers.get("ETag") || etag; return r.json(); })
    .then(function (data) { (data.latest || []).forEach(function (p) { known[p.id] = true; }); render(data); })
    .catch(function () { /* the first poll retries */ })
    .then(function () { window.setTimeout(poll, every); });
}());
