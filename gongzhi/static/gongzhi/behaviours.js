// Small page behaviours that used to be inline on* attributes, which the Content-Security-Policy
// (no 'unsafe-inline' for scripts) does not run. Loaded on every page by base.html; delegated
// from the document, so parts htmx swaps in later work too.
//   data-autosubmit            a select that submits its form when changed
//   data-print                 a button or link that prints the page
//   data-back                  a link that goes back one page
//   data-busy                  a submit button that shows the busy state once pressed
//   data-no-submit             a form that never submits (filters handled by the page's script)
//   data-use-category="pk"     sets the select named by data-target (default id_category) to pk
//                              (the text model's suggestion buttons)
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print], [data-back], [data-busy], [data-use-category]") : null;
    if (!el) return;
    if (el.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (el.hasAttribute("data-back")) {
      event.preventDefault();
      window.history.back();
    } else if (el.hasAttribute("data-busy")) {
      el.setAttribute("aria-busy", "true");
    } else if (el.hasAttribute("data-use-category")) {
      var select = document.getElementById(el.getAttribute("data-target") || "id_category");
      if (select) {
        select.value = el.getAttribute("data-use-category");
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("[data-no-submit]")) event.preventDefault();
  });
})();
