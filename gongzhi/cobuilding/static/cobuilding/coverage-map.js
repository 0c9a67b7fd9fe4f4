/* The coverage page's map: the new-sector units of the scope, green when a party organisation
 * covers them, red when not; a click opens the unit. No tiles: a blank background. */
(function () {
  "use strict";
  var el = document.getElementById("coverage-map");
  var source = document.getElementById("coverage-config");
  if (!el || !source || typeof L === "undefined") return;
  var config = JSON.parse(source.textContent);
  var map = L.map(el, { attributionControl: !!config.tileUrl });
  if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19 }).addTo(map);
  else el.classList.add("gongzhi-blank-map");
  function display(lat, lng) {
    if (config.gcj02 && window.gongzhiCoords) return window.gongzhiCoords.wgs84ToGcj02(lat, lng);
    return [lat, lng];
  }
  var bounds = [];
  config.points.forEach(function (p) {
    var at = display(p.lat, p.lng);
    bounds.push(at);
    L.circleMarker(at, { radius: 6, weight: 1, color: "#fff", fillOpacity: 0.85, fillColor: p.covered ? "#27ae60" : "#c0392b" })
      .bindTooltip(p.name + " · " + (p.covered ? config.texts.covered : config.texts.uncovered))
      .on("click", function () { window.location.href = config.unitUrl.replace("/0/", "/" + p.id + "/"); })
      .addTo(map);
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
  else map.setView(config.centre || [31.2195, 121.4229], 15);
})();
