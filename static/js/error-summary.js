/* The error summary of a re-rendered form (macros/forms.html error_summary): the focus
   goes to it when the page loads, so a screen reader reads what went wrong first; its
   links move the focus to the field itself and show the field's label or legend.
   Without JavaScript the summary is still there, and its links still scroll. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  summary.focus();

  function labelOf(input) {
    var fieldset = input.closest("fieldset");
    if (fieldset) {
      var legend = fieldset.querySelector("legend");
      if (legend) { return legend; }
    }
    if (input.id) {
      var labels = document.querySelectorAll("label[for]");
      for (var i = 0; i < labels.length; i++) {
        if (labels[i].htmlFor === input.id) { return labels[i]; }
      }
    }
    return input;
  }

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    event.preventDefault();
    labelOf(target).scrollIntoView();
    target.focus({ preventScroll: true });
  });
})();
