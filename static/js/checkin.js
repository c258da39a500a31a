/* Check-in desk and live counts (eventsapp badges).
 *
 * Desk (#desk): the handheld scanner types a code and Enter into #code; we post it as
 * JSON to data-scan-url (CSRF token in the X-CSRFToken header), draw the answer big and
 * coloured, clear and refocus the field at once. The phone camera uses BarcodeDetector
 * where the browser has it, else jsQR (the npm package, served under /assets/ and named
 * by data-decoder-src), loaded on demand.
 * Without JavaScript the form posts normally and the server draws the same answer.
 *
 * Counts ([data-counts-url]): refreshed every 15 s while the page is visible.
 */
(function () {
  "use strict";

  var RECENT_MAX = 8;
  var POLL_MS = 15000;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* ------------------------------------------------------------ live counts */

  function applyCounts(root, data) {
    var values = {
      today: data.totals.today, registered: data.totals.registered, overall: data.totals.overall
    };
    (data.by_category || []).forEach(function (row) {
      values["today-" + row.category] = row.today;
      values["registered-" + row.category] = row.registered;
      values["overall-" + row.category] = row.overall;
    });
    root.querySelectorAll("[data-count]").forEach(function (node) {
      var key = node.getAttribute("data-count");
      if (Object.prototype.hasOwnProperty.call(values, key)) node.textContent = values[key];
    });
  }

  function refreshCounts(root) {
    var url = root.getAttribute("data-counts-url");
    if (!url) return Promise.resolve();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.totals) applyCounts(root, data); })
      .catch(function () { /* offline for a moment: the next poll catches up */ });
  }

  function startPolling(root) {
    setInterval(function () {
      if (!document.hidden) refreshCounts(root);
    }, POLL_MS);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) refreshCounts(root);
    });
  }

  /* ------------------------------------------------------------ sound */

  var audio = null;
  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = { ok: [[880, 0.12]], warn: [[660, 0.1], [660, 0.1]], bad: [[220, 0.35]] }[kind];
      var t = audio.currentTime;
      tones.forEach(function (tone) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = tone[0];
        gain.gain.value = 0.08;
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(t);
        osc.stop(t + tone[1]);
        t += tone[1] + 0.06;
      });
    } catch (e) { /* no audio: the colour says it all */ }
  }

  /* ------------------------------------------------------------ the desk */

  // The desk's words, in the page's language: data-t-* attributes of #desk (rendered by
  // the template), with {slots} for values; English when the page gives none.
  function words(desk) {
    return function (name, fallback, values) {
      var text = desk.getAttribute("data-t-" + name) || fallback;
      return values ? text.replace(/\{(\w+)\}/g, function (all, k) {
        return values[k] !== undefined ? values[k] : all;
      }) : text;
    };
  }

  function initDesk(desk) {
    var form = document.getElementById("scan-form");
    var input = document.getElementById("code");
    var box = document.getElementById("scan-result");
    var recent = document.getElementById("recent-list");
    var scanUrl = desk.getAttribute("data-scan-url");
    var tokenInput = form.querySelector("input[name=csrf_token]");
    var csrf = tokenInput ? tokenInput.value : "";
    var seq = 0;
    var shown = 0;
    var cameraOn = false;
    var t = words(desk);

    function focusField() {
      // On a phone using the camera, focusing would pop up the keyboard over the video.
      if (!cameraOn) input.focus();
    }

    function show(state, data) {
      box.className = "scan-result scan-" + state;
      box.setAttribute("data-state", state);
      box.setAttribute("data-result", data.result || "");
      box.textContent = "";
      var title = {
        ok: "\u2713 " + t("checked-in", "Checked in"),
        warn: "! " + t("already", "Already checked in"),
        bad: "\u2715 " + t("invalid", "Not valid")
      }[state];
      box.appendChild(el("p", "scan-title", title));
      var reg = data.registration;
      if (reg && state !== "bad") {
        box.appendChild(el("p", "scan-name", reg.name));
        if (reg.organization) box.appendChild(el("p", "scan-org", reg.organization));
        var p = el("p");
        p.appendChild(el("span", "cat-chip cat-" + reg.category, reg.category_label));
        box.appendChild(p);
      }
      if (state === "warn" && data.checkin) {
        var values = { time: data.checkin.time, name: data.checkin.checked_in_by };
        box.appendChild(el("p", "scan-detail", data.checkin.checked_in_by
          ? t("today-at-by", "Today at {time} by {name}.", values)
          : t("today-at", "Today at {time}.", values)));
      } else if (state === "bad") {
        var detail = el("p", "scan-detail", data.message || t("not-valid", "Not valid."));
        if (data.reason) detail.setAttribute("data-reason", data.reason);
        box.appendChild(detail);
      }
      box.classList.remove("pulse");
      void box.offsetWidth; // restart the animation for a repeated answer
      box.classList.add("pulse");
      beep(state);
    }

    function addRecent(data) {
      var reg = data.registration;
      var empty = recent.querySelector(".empty");
      if (empty) empty.remove();
      var li = el("li");
      var time = el("time", null, data.checkin ? data.checkin.time : "");
      if (data.checkin) time.setAttribute("datetime", data.checkin.checked_in_at);
      li.appendChild(time);
      li.appendChild(document.createTextNode(" " + reg.name + (reg.organization ? " \u00b7 " + reg.organization : "") + " "));
      li.appendChild(el("span", "cat-chip small cat-" + reg.category, reg.category_label));
      recent.insertBefore(li, recent.firstChild);
      while (recent.children.length > RECENT_MAX) recent.removeChild(recent.lastChild);
    }

    function submitCode(code) {
      var mine = ++seq;
      return fetch(scanUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ code: code })
      }).then(function (resp) {
        var type = resp.headers.get("Content-Type") || "";
        if (resp.redirected || type.indexOf("application/json") === -1) {
          throw new Error("signed-out");
        }
        return resp.json();
      }).then(function (data) {
        if (data.error) {
          data = { result: "invalid", message: data.error.message, reason: data.error.code };
        }
        if (mine < shown) return data; // an older answer arrived late: keep the newer one
        shown = mine;
        var state = { checked_in: "ok", already_checked_in: "warn" }[data.result] || "bad";
        show(state, data);
        if (data.result === "checked_in") {
          addRecent(data);
          refreshCounts(desk);
        }
        return data;
      }).catch(function (err) {
        shown = mine;
        var msg = err && err.message === "signed-out"
          ? t("signed-out", "You are signed out. Reload the page and sign in again; this code was not checked.")
          : t("no-connection", "No connection: this code was not checked. Press Enter to try again.");
        show("bad", { result: "invalid", message: msg, reason: "network" });
        if (!input.value) { input.value = code; input.select(); }
      });
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var code = input.value.trim();
      input.value = "";
      focusField();
      if (!code) return;
      submitCode(code);
    });

    // Clicking anywhere on the page (not a control) puts the cursor back in the field.
    document.addEventListener("click", function (ev) {
      if (!ev.target.closest("a, button, input, select, textarea, video, label")) focusField();
    });

    initCamera(desk, submitCode, function (on) {
      cameraOn = on;
      desk.classList.toggle("camera-on", on);
      if (on) box.scrollIntoView({ block: "start", behavior: "smooth" });
      else focusField();
    });
    startPolling(desk);
    focusField();
  }

  /* ------------------------------------------------------------ the camera */

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(); return; }
      var s = document.createElement("script");
      s.src = src;
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error("decoder")); };
      document.head.appendChild(s);
    });
  }

  function makeDecoder(src) {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") === -1) throw new Error("no qr");
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function (video) {
          return detector.detect(video).then(function (codes) {
            return codes.length ? codes[0].rawValue : null;
          });
        };
      }).catch(function () { return jsqrDecoder(src); });
    }
    return jsqrDecoder(src);
  }

  function jsqrDecoder(src) {
    return loadScript(src).then(function () {
      var canvas = document.createElement("canvas");
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      return function (video) {
        var w = video.videoWidth, h = video.videoHeight;
        if (!w || !h) return Promise.resolve(null);
        var scale = Math.min(1, 640 / Math.max(w, h));
        canvas.width = Math.round(w * scale);
        canvas.height = Math.round(h * scale);
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(found ? found.data : null);
      };
    });
  }

  function initCamera(desk, submitCode, onToggle) {
    var section = document.getElementById("camera");
    var button = document.getElementById("camera-toggle");
    var view = document.getElementById("camera-view");
    var video = document.getElementById("camera-video");
    var status = document.getElementById("camera-status");
    if (!section || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    section.hidden = false;
    var stream = null, decode = null, timer = null, last = "", lastAt = 0;
    var t = words(desk);

    function stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      view.hidden = true;
      button.textContent = t("camera-start", "Scan with the camera");
      status.textContent = "";
      onToggle(false);
    }

    function tick() {
      if (!stream) return;
      decode(video).then(function (text) {
        var now = Date.now();
        // The same badge stays in view for a while: read it once, then again after 4 s.
        if (text && (text !== last || now - lastAt > 4000)) {
          last = text;
          lastAt = now;
          submitCode(text);
        }
      }).catch(function () { /* a frame that could not be read */ }).then(function () {
        if (stream) timer = setTimeout(tick, 200);
      });
    }

    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      if (!window.isSecureContext) {
        status.textContent = t("camera-https", "The camera needs a secure (https) connection. Use a handheld scanner or type the code.");
        return;
      }
      status.textContent = t("camera-starting", "Starting the camera\u2026");
      navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          view.hidden = false;
          button.textContent = t("camera-stop", "Stop the camera");
          onToggle(true);
          return video.play();
        })
        .then(function () { return makeDecoder(desk.getAttribute("data-decoder-src")); })
        .then(function (fn) {
          decode = fn;
          status.textContent = t("camera-hold", "Hold the badge's QR code in front of the camera.");
          tick();
        })
        .catch(function (err) {
          stop();
          status.textContent = err && err.name === "NotAllowedError"
            ? t("camera-refused", "Camera access was refused. Allow it in the browser's settings, or use a scanner.")
            : t("camera-failed", "The camera could not start here. Use a handheld scanner or type the code.");
        });
    });
  }

  /* ------------------------------------------------------------ start */

  document.addEventListener("DOMContentLoaded", function () {
    var desk = document.getElementById("desk");
    if (desk && document.getElementById("scan-form")) initDesk(desk);
    document.querySelectorAll(".checkin-panel[data-counts-url]").forEach(startPolling);
  });
})();
