// Campaign coverage map: each area's outline coloured by the share of targets visited.
(function () {
  "use strict";
  var box = document.getElementById("coverage-map");
  var source = document.getElementById("coverage-data");
  if (!box || !source || typeof L === "undefined") return;
  var rows = JSON.parse(source.textContent);
  if (!rows.length) { box.hidden = true; return; }
  var map = L.map(box, { attributionControl: false });
  var tiles = box.dataset.tiles;
  if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  function colour(row) {
    if (!row.total) return "#999";
    if (row.percent >= 80) return "#2e7d32";
    if (row.percent >= 50) return "#f9a825";
    return row.overdue ? "#b71c1c" : "#e65100";
  }
  var layer = L.geoJSON(rows.map(function (row) {
    return { type: "Feature", geometry: row.geometry, properties: row };
  }), {
    style: function (f) { return { color: "#333", weight: 1, fillColor: colour(f.properties), fillOpacity: 0.55 }; },
    onEachFeature: function (f, l) {
      var p = f.properties;
      var text = document.createElement("div");
      text.textContent = p.name + "：" + p.visited + " / " + p.total + "（" + p.percent + "%）";
      l.bindPopup(text);
    }
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [10, 10] });
})();
