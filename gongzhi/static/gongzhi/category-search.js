// A search box over a category <select>: typing narrows the options (by name, class and
// keywords) and picks the first match; an empty box shows them all again. Works without it too.
(function () {
  function setup(input) {
    var select = document.getElementById(input.dataset.select);
    if (!select) return;
    var status = document.getElementById(input.dataset.status);
    input.addEventListener("input", function () {
      var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var first = null, count = 0;
      select.querySelectorAll("optgroup").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("option").forEach(function (option) {
          var text = (option.textContent + " " + group.label + " " + (option.dataset.keywords || "")).toLowerCase();
          var match = words.every(function (w) { return text.indexOf(w) >= 0; });
          option.hidden = !match;
          option.disabled = !match;
          if (match) { shown++; count++; if (!first) first = option; }
        });
        group.hidden = shown === 0;
      });
      if (words.length && first) select.value = first.value;
      if (status) status.textContent = words.length ? (count ? (input.dataset.found || "%n").replace("%n", count) : (input.dataset.none || "")) : "";
    });
  }
  document.querySelectorAll("input[data-category-search]").forEach(setup);
})();
