// Point picker on the public report page: a click sets the hidden lat/lng inputs.
// Uses the shared map helper (map.js) when it is loaded, else a plain Leaflet map.
(function () {
  const el = document.getElementById("pick-map");
  if (!el || typeof L === "undefined") return;
  const lat = document.getElementById(el.dataset.latInput);
  const lng = document.getElementById(el.dataset.lngInput);
  if (typeof window.gongzhiPickPoint === "function") {
    window.gongzhiPickPoint(el, lat, lng, {});
    return;
  }
  const map = L.map(el).setView([31.215, 121.43], 14);
  const tiles = document.body.dataset.tileUrl;
  if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  let marker = null;
  map.on("click", (event) => {
    lat.value = event.latlng.lat.toFixed(6);
    lng.value = event.latlng.lng.toFixed(6);
    if (marker) marker.setLatLng(event.latlng); else marker = L.marker(event.latlng).addTo(map);
  });
})();
