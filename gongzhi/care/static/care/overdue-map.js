/* The care overdue map: one circle per building or estate with people whose contact is overdue,
 * sized by how many, red when one of them is high risk. Points arrive already in the display
 * datum (server side). No tiles configured: a blank background. A click on a circle lists the
 * people overdue there (the server's list, with the page's filters) below the map. */
(function () {
  "use strict";
  var el = document.getElementById("care-map");
  var source = document.getElementById("care-map-config");
  if (!el || !source || typeof L === "undefined") return;
  var config = JSON.parse(source.textContent);
  var map = L.map(el, { attributionControl: !!config.tileUrl });
  if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19 }).addTo(map);
  else el.classList.add("gongzhi-blank-map");
  var bounds = [];
  config.points.forEach(function (p) {
    var at = [p.lat, p.lng];
    bounds.push(at);
    var text = p.area + " · " + p.overdue + " " + config.texts.overdue;
    if (p.high) text += "（" + config.texts.high + " " + p.high + "）";
    var marker = L.circleMarker(at, {
      radius: Math.min(6 + 2 * p.overdue, 20), weight: 1, color: "#fff", fillOpacity: 0.8,
      fillColor: p.high ? "#c0392b" : "#e67e22", className: "care-overdue-point"
    }).bindTooltip(text).addTo(map);
    // A click lists the people overdue there below the map (htmx), or opens their page.
    marker.on("click", function () {
      if (window.htmx) window.htmx.ajax("GET", p.url, { target: "#care-map-people", swap: "innerHTML" });
      else window.location.href = p.url;
    });
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
  else map.setView(config.centre || [31.2195, 121.4229], 15);
})();
