// Point picker on the report forms: loads the area outlines and hands them to the shared
// picker in map.js (WGS84 stored; GCJ-02 drawn when the deployment's tiles need it).
(function () {
  const el = document.getElementById("pick-map");
  if (!el || typeof L === "undefined" || typeof window.gongzhiPickPoint !== "function") return;
  const options = {
    tileUrl: document.body.dataset.tileUrl || "",
    gcj02: document.body.dataset.tileGcj02 === "1",
    zoom: 14,
  };
  // The server names the subdistrict to open on (data-centre="lat,lng"): fitting every outline
  // would open between two subdistricts, over neither.
  const centre = (el.dataset.centre || "").split(",").map(Number);
  if (centre.length === 2 && centre.every((n) => !isNaN(n))) options.centre = centre;
  const start = (outlines) => {
    if (outlines && outlines.features && outlines.features.length) options.outlines = outlines;
    else if (!options.centre) options.centre = [31.215, 121.43];
    window.gongzhiPickPoint(el, el.dataset.latInput, el.dataset.lngInput, options);
  };
  if (!el.dataset.outlines) return start(null);
  fetch(el.dataset.outlines)
    .then((response) => response.json())
    .then(start)
    .catch(() => start(null));
})();
