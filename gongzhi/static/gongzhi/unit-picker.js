// Searchable, grouped checkboxes for choosing units (the consultation form's participants and
// co-handlers): typing hides the units whose name does not match and the groups left empty;
// ticked units always stay visible. Delegated, so it works on forms swapped in by htmx.
document.addEventListener("input", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("[data-unit-search]")) return;
  var picker = input.closest("[data-unit-picker]");
  var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  picker.querySelectorAll("input[type=checkbox]").forEach(function (box) {
    var row = box.closest("div");
    var text = (box.parentNode.textContent || "").toLowerCase();
    row.hidden = !(box.checked || words.every(function (w) { return text.indexOf(w) >= 0; }));
  });
  picker.querySelectorAll("[data-unit-picker] > div > div").forEach(function (group) {
    var boxes = group.querySelectorAll("input[type=checkbox]");
    if (boxes.length < 1 || group.querySelector(":scope > label > input")) return;
    var anyShown = Array.prototype.some.call(boxes, function (b) { return !b.closest("div").hidden; });
    group.hidden = !anyShown;
  });
});
