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
  const start = (outlines) => {
    if (outlines && outlines.features && outlines.features.length) options.outlines = outlines;
    else options.centre = [31.215, 121.43];
    window.gongzhiPickPoint(el, el.dataset.latInput, el.dataset.lngInput, options);
  };
  if (!el.dataset.outlines) return start(null);
  fetch(el.dataset.outlines)
    .then((response) => response.json())
    .then(start)
    .catch(() => start(null));
})();
