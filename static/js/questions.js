// Registration questions. The forms work without this script (every question shows,
// with the categories it is for, and the server checks only the chosen category's);
// with it, a form shows only the questions of the category chosen, and the question
// editor only the fields of the kind chosen.
(function () {
  "use strict";

  function chosen(form) {
    var select = form.querySelector("select[name=category]");
    if (select) return select.value || "participant";
    var radio = form.querySelector("input[name=category]:checked");
    return radio ? radio.value : "participant";
  }

  function toggle(el, show) {
    el.hidden = !show;
    el.querySelectorAll("input, select, textarea").forEach(function (input) {
      input.disabled = !show;
    });
  }

  document.querySelectorAll("form[data-questions]").forEach(function (form) {
    function update() {
      var category = chosen(form);
      form.querySelectorAll("[data-categories]").forEach(function (el) {
        toggle(el, el.getAttribute("data-categories").split(" ").indexOf(category) >= 0);
      });
      form.querySelectorAll(".question-for").forEach(function (el) { el.hidden = true; });
    }
    form.querySelectorAll("[name=category]").forEach(function (input) {
      input.addEventListener("change", update);
    });
    update();
  });

  document.querySelectorAll("form[data-question-editor]").forEach(function (form) {
    var kind = form.querySelector("[name=kind]");
    if (!kind) return;
    function update() {
      form.querySelectorAll("[data-for-kinds]").forEach(function (el) {
        toggle(el, !kind.value || el.getAttribute("data-for-kinds").split(" ").indexOf(kind.value) >= 0);
      });
    }
    kind.addEventListener("change", update);
    update();
  });
})();
