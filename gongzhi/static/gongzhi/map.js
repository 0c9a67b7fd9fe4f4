/* gongzhi maps: the staff map (#map with #map-config) and the point picker
 * gongzhiPickPoint(element, latInput, lngInput, options). Needs Leaflet (static/vendor/leaflet).
 * Coordinates are stored in WGS84; with options.gcj02 the map draws in GCJ-02 (Chinese tile
 * services) and converts what the user picks back to WGS84 — the same formulas as
 * gongzhi/territory/coords.py. Nothing is loaded from the internet: with no tile URL the map
 * draws outlines and points on a blank background. */
(function (root) {
  "use strict";

  // ------------------------------------------------------------ WGS84 <-> GCJ-02
  var A = 6378245.0;
  var EE = 0.00669342162296594323;

  function outOfChina(lat, lng) {
    return !(lng > 73.66 && lng < 135.05 && lat > 3.86 && lat < 53.55);
  }
  function transformLat(x, y) {
    var ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    ret += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return ret;
  }
  function transformLng(x, y) {
    var ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    ret += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return ret;
  }
  function wgs84ToGcj02(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var dLat = transformLat(lng - 105.0, lat - 35.0);
    var dLng = transformLng(lng - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * Math.PI;
    var magic = 1 - EE * Math.sin(radLat) * Math.sin(radLat);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
    dLng = (dLng * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lng + dLng];
  }
  function gcj02ToWgs84(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var wLat = lat, wLng = lng;
    for (var i = 0; i < 30; i++) {
      var g = wgs84ToGcj02(wLat, wLng);
      var dLat = g[0] - lat, dLng = g[1] - lng;
      wLat -= dLat;
      wLng -= dLng;
      if (Math.abs(dLat) < 1e-10 && Math.abs(dLng) < 1e-10) break;
    }
    return [wLat, wLng];
  }
  root.gongzhiCoords = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84, outOfChina: outOfChina };

  if (typeof document === "undefined") return; // loaded in node for the coordinate tests

  // ------------------------------------------------------------ shared
  var STATUS_COLOURS = {
    reported: "#e67e22", accepted: "#f1c40f", assigned: "#2980b9", replied: "#8e44ad",
    verified: "#16a085", suspended: "#7f8c8d", closed: "#27ae60", rated: "#2ecc71",
    rejected: "#95a5a6", merged: "#bdc3c7"
  };
  var OUTLINE_STYLES = {
    subdistrict: { color: "#c0392b", weight: 3, fill: false },
    grid: { color: "#2c3e50", weight: 2, dashArray: "6 4", fillOpacity: 0.03 },
    neighbourhood: { color: "#2980b9", weight: 1, fillOpacity: 0.05 }
  };
  var SHANGHAI = [31.2304, 121.4737];

  function baseMap(element, options) {
    var map = L.map(element, { zoomControl: true, attributionControl: !!options.tileUrl });
    if (options.tileUrl) {
      L.tileLayer(options.tileUrl, { maxZoom: 19, attribution: options.tileAttribution || "" }).addTo(map);
    } else {
      element.classList.add("gongzhi-blank-map");
    }
    map.setView(options.centre || SHANGHAI, options.zoom || 15);
    return map;
  }

  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  // ------------------------------------------------------------ the staff map
  function staffMap(element, config) {
    var map = baseMap(element, config);
    var texts = config.texts || {};
    var statusLine = document.getElementById("map-status");
    var form = document.getElementById("map-filters");
    var points = L.layerGroup().addTo(map);
    var fitted = false;

    var legend = document.getElementById("map-legend");
    if (legend && config.statuses) {
      legend.innerHTML = Object.keys(config.statuses).map(function (s) {
        return '<span><i style="background:' + STATUS_COLOURS[s] + '"></i>' + escapeHtml(config.statuses[s]) + "</span>";
      }).join("") + '<span><i style="border:2px solid #c00"></i>' + escapeHtml(texts.overdue) + "</span>";
    }

    getJson(config.outlinesUrl).then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (f) { return OUTLINE_STYLES[f.properties.kind] || { weight: 1 }; },
        onEachFeature: function (f, l) { l.bindTooltip(escapeHtml(f.properties.name)); }
      }).addTo(map);
      layer.bringToBack();
      if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); fitted = true; }
    }).catch(function () { if (statusLine) statusLine.textContent = texts.error; });

    function query() {
      if (!form) return "";
      var params = new URLSearchParams(new FormData(form));
      Array.from(params.keys()).forEach(function (k) { if (!params.get(k)) params.delete(k); });
      return params.toString();
    }

    function loadPoints() {
      var qs = query();
      getJson(config.pointsUrl + (qs ? "?" + qs : "")).then(function (data) {
        points.clearLayers();
        data.features.forEach(function (f) {
          var p = f.properties;
          var classes = "gz-pin" + (p.overdue ? " overdue" : "") + (p.approximate ? " approximate" : "");
          var icon = L.divIcon({
            className: "gz-marker",
            html: '<span class="' + classes + '" data-number="' + escapeHtml(p.number) + '" data-status="' +
              escapeHtml(p.status) + '" style="background:' + (STATUS_COLOURS[p.status] || "#333") + '"></span>',
            iconSize: [18, 18],
            iconAnchor: [9, 9]
          });
          var c = f.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { icon: icon, title: p.number + " " + p.title, keyboard: true });
          marker.bindPopup(
            '<strong>' + escapeHtml(p.title) + "</strong><br>" + escapeHtml(p.status_label) +
            (p.overdue ? ' · <b style="color:#c00">' + escapeHtml(texts.overdue) + "</b>" : "") +
            "<br>" + escapeHtml(p.category) + " · " + escapeHtml(p.area) +
            (p.approximate ? "<br><small>" + escapeHtml(texts.approximate) + "</small>" : "") +
            '<br><a class="case-link" data-number="' + escapeHtml(p.number) + '" href="' + escapeHtml(p.url) + '">' +
            escapeHtml(texts.open) + " " + escapeHtml(p.number) + "</a>"
          );
          marker.addTo(points);
        });
        if (statusLine) {
          statusLine.textContent = (texts.count || "%(n)s").replace("%(n)s", data.features.length) +
            (data.truncated ? texts.truncated : "");
        }
        if (!fitted && data.features.length) {
          map.fitBounds(L.featureGroup(points.getLayers()).getBounds(), { maxZoom: 17 });
          fitted = true;
        }
      }).catch(function () { if (statusLine) statusLine.textContent = texts.error; });
    }

    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var qs = query();
        history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
        loadPoints();
      });
    }
    loadPoints();
    element.gongzhiMap = map;
    return map;
  }

  // ------------------------------------------------------------ the point picker
  /* gongzhiPickPoint(element, latInput, lngInput, options)
   *   element: the map container; latInput / lngInput: inputs (or their ids) that receive
   *   WGS84 latitude and longitude (6 decimals; a "change" event is fired).
   *   options: { tileUrl, tileAttribution, gcj02, centre: [lat, lng] (WGS84), zoom,
   *              outlines: a GeoJSON FeatureCollection (WGS84) to draw for orientation }
   *   Returns the Leaflet map. */
  function pickPoint(element, latInput, lngInput, options) {
    options = options || {};
    if (typeof element === "string") element = document.getElementById(element);
    if (typeof latInput === "string") latInput = document.getElementById(latInput);
    if (typeof lngInput === "string") lngInput = document.getElementById(lngInput);
    var toDisplay = function (lat, lng) { return options.gcj02 ? wgs84ToGcj02(lat, lng) : [lat, lng]; };
    var fromDisplay = function (lat, lng) { return options.gcj02 ? gcj02ToWgs84(lat, lng) : [lat, lng]; };
    var centre = options.centre ? toDisplay(options.centre[0], options.centre[1]) : null;
    var map = baseMap(element, { tileUrl: options.tileUrl, tileAttribution: options.tileAttribution, centre: centre, zoom: options.zoom || 16 });
    if (options.outlines) {
      var layer = L.geoJSON(options.outlines, {
        coordsToLatLng: function (c) { var d = toDisplay(c[1], c[0]); return L.latLng(d[0], d[1]); },
        style: function (f) { return OUTLINE_STYLES[(f.properties || {}).kind] || { weight: 1, fillOpacity: 0.03 }; },
        interactive: false
      }).addTo(map);
      if (!centre && layer.getLayers().length) map.fitBounds(layer.getBounds());
    }
    var marker = null;
    function place(displayLatLng) {
      if (marker) marker.setLatLng(displayLatLng);
      else marker = L.marker(displayLatLng, { keyboard: false }).addTo(map);
    }
    var lat0 = parseFloat(latInput && latInput.value), lng0 = parseFloat(lngInput && lngInput.value);
    if (!isNaN(lat0) && !isNaN(lng0)) {
      var d0 = toDisplay(lat0, lng0);
      place(d0);
      map.setView(d0, map.getZoom());
    }
    map.on("click", function (event) {
      place(event.latlng);
      var w = fromDisplay(event.latlng.lat, event.latlng.lng);
      latInput.value = w[0].toFixed(6);
      lngInput.value = w[1].toFixed(6);
      [latInput, lngInput].forEach(function (input) {
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
    element.gongzhiMap = map;
    return map;
  }
  root.gongzhiPickPoint = pickPoint;

  function start() {
    var element = document.getElementById("map");
    var script = document.getElementById("map-config");
    if (element && script && typeof L !== "undefined") {
      staffMap(element, JSON.parse(script.textContent));
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof window !== "undefined" ? window : globalThis);
