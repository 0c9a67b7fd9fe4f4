// Point picker on the report pages: a tap sets the hidden lat/lng inputs. Draws the area
// outlines (no tiles unless the deployment sets a tile URL: intranets have no internet).
(function () {
  const el = document.getElementById("pick-map");
  if (!el || typeof L === "undefined") return;
  const lat = document.getElementById(el.dataset.latInput);
  const lng = document.getElementById(el.dataset.lngInput);
  if (typeof window.gongzhiPickPoint === "function") {
    window.gongzhiPickPoint(el, lat, lng, { outlinesUrl: el.dataset.outlines });
    return;
  }
  const map = L.map(el).setView([31.215, 121.43], 14);
  const tiles = document.body.dataset.tileUrl;
  if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  if (el.dataset.outlines) {
    fetch(el.dataset.outlines)
      .then((r) => r.json())
      .then((data) => {
        if (!data.features.length) return;
        const layer = L.geoJSON(data, {
          style: (f) => ({ color: f.properties.kind === "subdistrict" ? "#8b1e1e" : "#1565c0", weight: f.properties.kind === "subdistrict" ? 3 : 1, fillOpacity: 0.05 }),
          onEachFeature: (f, l) => l.bindTooltip(f.properties.name),
        }).addTo(map);
        map.fitBounds(layer.getBounds());
        layer.on("click", (event) => place(event.latlng));
      });
  }
  let marker = null;
  function place(latlng) {
    lat.value = latlng.lat.toFixed(6);
    lng.value = latlng.lng.toFixed(6);
    if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng).addTo(map);
  }
  map.on("click", (event) => place(event.latlng));
})();
