/* The time-zone box as a combobox: suggestions from /timezones as the viewer types
 * (city, country or zone name, in the page's language), following the WAI-ARIA
 * Authoring Practices' "editable combobox with list autocomplete".
 *
 * Without JavaScript the box is a plain GET form (templates/macros/events.html). Here,
 * picking a suggestion fills the box with its label, puts the zone's IANA name in a
 * hidden "zone" field and submits the form: programme.js then shows the times at once,
 * other pages send it to the server as before.
 */
(function () {
  "use strict";
  if (window.eventsappTzBox) { return; }
  window.eventsappTzBox = true;

  var DELAY = 150;  /* ms of quiet typing before asking */
  var seq = 0;

  function fill(pattern, values) {
    return pattern.replace(/\{(\w+)\}/g, function (all, k) {
      return values[k] !== undefined ? values[k] : all;
    });
  }

  function setup(form) {
    var combo = form.querySelector("[data-tz-combo]");
    var input = combo && combo.querySelector("input");
    if (!input) { return; }
    var lang = document.documentElement.getAttribute("lang") || "";
    var url = form.getAttribute("data-suggest");
    var id = input.id || "tz-select";

    var zoneField = document.createElement("input");
    zoneField.type = "hidden";
    zoneField.name = "zone";
    zoneField.value = "";
    form.appendChild(zoneField);

    var list = document.createElement("ul");
    list.id = id + "-listbox";
    list.className = "tz-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.getAttribute("data-fmt-list") || "Time zones");
    list.hidden = true;
    combo.appendChild(list);

    var status = document.createElement("span");
    status.className = "sr-only";
    status.setAttribute("role", "status");
    combo.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var options = [];
    var active = -1;
    var timer = null;

    function open() {
      if (!options.length) { return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function setActive(i) {
      if (active >= 0 && options[active]) { options[active].setAttribute("aria-selected", "false"); }
      active = i;
      if (i >= 0 && options[i]) {
        options[i].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(option) {
      input.value = option.getAttribute("data-label");
      zoneField.value = option.getAttribute("data-zone");
      input.setAttribute("data-zone", zoneField.value);
      input.removeAttribute("aria-invalid");
      close();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }

    function show(zones) {
      list.textContent = "";
      options = zones.map(function (z, i) {
        var li = document.createElement("li");
        li.id = id + "-opt-" + i;
        li.className = "tz-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-zone", z.zone);
        li.setAttribute("data-label", z.label);
        var name = document.createElement("span");
        name.textContent = z.label;
        var offset = document.createElement("bdi");
        offset.className = "tz-offset";
        offset.textContent = z.offset;
        li.appendChild(name);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(offset);
        /* Keep the focus in the box: a click chooses without blurring it first. */
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
        li.addEventListener("click", function () { choose(li); });
        list.appendChild(li);
        return li;
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      status.textContent = zones.length
        ? fill(form.getAttribute("data-fmt-count") || "Suggestions: {n}", { n: zones.length })
        : (form.getAttribute("data-fmt-none") || "No time zone matches.");
      if (zones.length) { open(); } else { close(); }
    }

    function ask() {
      var q = input.value.trim();
      var mine = ++seq;
      if (!q || !url || !window.fetch) { show([]); status.textContent = ""; return; }
      fetch(url + "?q=" + encodeURIComponent(q) + (lang ? "&lang=" + encodeURIComponent(lang) : ""),
            { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { zones: [] }; })
        .then(function (data) {
          if (mine === seq && document.activeElement === input) { show(data.zones || []); }
        })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      zoneField.value = "";
      input.removeAttribute("data-zone");
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY);
    });

    input.addEventListener("keydown", function (ev) {
      var isOpen = !list.hidden;
      if (ev.key === "ArrowDown" || ev.key === "Down") {
        ev.preventDefault();
        if (!isOpen) { if (options.length) { open(); } else { ask(); } if (ev.altKey) { return; } }
        if (options.length) { setActive(active + 1 < options.length ? active + 1 : 0); }
      } else if (ev.key === "ArrowUp" || ev.key === "Up") {
        ev.preventDefault();
        if (!isOpen) { open(); }
        if (options.length) { setActive(active > 0 ? active - 1 : options.length - 1); }
      } else if (ev.key === "Enter") {
        if (isOpen && active >= 0) { ev.preventDefault(); choose(options[active]); }
      } else if (ev.key === "Escape" || ev.key === "Esc") {
        if (isOpen) { ev.preventDefault(); close(); } else if (input.value) { ev.preventDefault(); input.value = ""; zoneField.value = ""; }
      } else if (ev.key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", function () { close(); });
    input.addEventListener("click", function () { if (list.hidden && options.length) { open(); } });
  }

  function init() {
    document.querySelectorAll("form[data-zone-switch]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
