/* The public courier map: places near me, filters (open now, 24 h, kind, amenity), a card per
 * place with its hours, what it offers, directions, "report a problem here" and "closed when I
 * came". "Open now" is worked out here from the open intervals the feed carries for the next
 * week, so it stays right offline. Registers the service worker that keeps all of it. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("courier-config").textContent);
  var texts = config.texts;
  var el = document.getElementById("courier-map");
  var list = document.getElementById("place-list");
  var count = document.getElementById("place-count");
  var card = document.getElementById("place-card");
  var filters = {
    open: document.getElementById("f-open"),
    allday: document.getElementById("f-allday"),
    kind: document.getElementById("f-kind"),
    amenity: document.getElementById("f-amenity"),
  };
  var places = [];
  var here = null;
  var current = null;
  var layer = null;
  var map = null;

  function display(lat, lng) {
    if (config.gcj02 && window.gongzhiCoords) return window.gongzhiCoords.wgs84ToGcj02(lat, lng);
    return [lat, lng];
  }

  if (typeof L !== "undefined") {
    map = L.map(el, { zoomControl: true, attributionControl: !!config.tileUrl });
    if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19 }).addTo(map);
    else el.classList.add("gongzhi-blank-map");
    map.setView(display(config.centre[0], config.centre[1]), 15);
    layer = L.layerGroup().addTo(map);
  }

  function openNow(p, now) {
    if (p.always_open) return true;
    var t = now.getTime();
    if (p.open_intervals && p.open_intervals.length) {
      for (var i = 0; i < p.open_intervals.length; i++) {
        if (Date.parse(p.open_intervals[i][0]) <= t && t < Date.parse(p.open_intervals[i][1])) return true;
      }
      return false;
    }
    return p.open_now === true;
  }

  function metres(a, b) {
    var R = 6371000, toRad = Math.PI / 180;
    var dLat = (b[0] - a[0]) * toRad, dLng = (b[1] - a[1]) * toRad;
    var s = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(a[0] * toRad) * Math.cos(b[0] * toRad) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 2 * R * Math.asin(Math.sqrt(s));
  }

  function distanceText(m) {
    return texts.distance.replace("%(d)s", m < 1000 ? Math.round(m) + " 米" : (m / 1000).toFixed(1) + " 公里");
  }

  function chosen() {
    var now = new Date();
    return places.filter(function (p) {
      if (filters.open.checked && !openNow(p, now)) return false;
      if (filters.allday.checked && !p.always_open) return false;
      if (filters.kind.value && p.kind !== filters.kind.value) return false;
      if (filters.amenity.value && p.amenities.indexOf(filters.amenity.value) < 0) return false;
      return true;
    });
  }

  function render() {
    var now = new Date();
    var shown = chosen();
    var origin = here || config.centre;
    shown.forEach(function (p) { p.distance = metres(origin, [p.lat, p.lng]); });
    shown.sort(function (a, b) { return a.distance - b.distance; });
    list.innerHTML = "";
    if (layer) layer.clearLayers();
    count.textContent = shown.length ? texts.count.replace("%(n)s", shown.length) : texts.none;
    shown.forEach(function (p) {
      var open = openNow(p, now);
      var li = document.createElement("li");
      li.dataset.place = p.id;
      li.className = "place";
      var status = p.always_open ? texts.allDay : (open ? texts.openNow : texts.closed);
      li.innerHTML = "<strong></strong> <small></small><br><span></span> · <small></small>";
      li.children[0].textContent = p.name;
      li.children[1].textContent = p.kind_label;
      li.children[3].textContent = status;
      li.children[3].className = open ? "open" : "shut";
      li.children[4].textContent = distanceText(p.distance) + " · " + p.address;
      li.addEventListener("click", function () { show(p); });
      list.appendChild(li);
      if (layer) {
        L.circleMarker(display(p.lat, p.lng), {
          radius: 9, weight: 2, color: "#fff", fillOpacity: 0.9, fillColor: open ? "#c0392b" : "#95a5a6",
        }).on("click", function () { show(p); }).addTo(layer);
      }
    });
  }

  function show(p) {
    current = p;
    var open = openNow(p, new Date());
    document.getElementById("card-name").textContent = p.name;
    document.getElementById("card-kind").textContent = p.kind_label;
    document.getElementById("card-open").textContent = p.always_open ? texts.allDay : (open ? texts.openNow : texts.closed);
    document.getElementById("card-hours").textContent = p.hours_text + "（" + p.opening_hours + "）";
    document.getElementById("card-address").textContent = p.address;
    var amenities = document.getElementById("card-amenities");
    amenities.innerHTML = "";
    p.amenity_labels.forEach(function (label) {
      var li = document.createElement("li");
      li.textContent = label;
      amenities.appendChild(li);
    });
    document.getElementById("card-operator").textContent = p.operator;
    document.getElementById("card-description").textContent = p.description;
    document.getElementById("card-verified").textContent = p.verified_on ? texts.verified.replace("%(d)s", p.verified_on) : "";
    document.getElementById("card-directions").href = p.directions_url;
    document.getElementById("card-problem").href = p.problem_url;
    document.getElementById("card-report-result").textContent = "";
    if (card.showModal) card.showModal(); else card.setAttribute("open", "");
  }

  card.querySelector("[data-close]").addEventListener("click", function () { card.close(); });

  document.getElementById("card-report").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) return;
    var result = document.getElementById("card-report-result");
    var body = new FormData(event.target);
    var token = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
    fetch(current.report_url, { method: "POST", body: body, headers: { "X-CSRFToken": token } })
      .then(function (r) { return r.json(); })
      .then(function (data) { result.textContent = data.message || texts.thanks; })
      .catch(function () { result.textContent = texts.offline; });
  });

  Object.keys(filters).forEach(function (k) { filters[k].addEventListener("change", render); });

  function load() {
    return fetch(config.geojsonUrl)
      .then(function (r) {
        if (r.headers.get("X-Gongzhi-Offline")) document.getElementById("offline-note").hidden = false;
        return r.json();
      })
      .then(function (data) {
        places = data.features.map(function (f) {
          var p = f.properties;
          p.lng = f.geometry.coordinates[0];
          p.lat = f.geometry.coordinates[1];
          return p;
        });
        render();
        document.body.dataset.placesLoaded = String(places.length);
      });
  }

  load().catch(function () { count.textContent = texts.offline; });
  if (!navigator.onLine) document.getElementById("offline-note").hidden = false;
  window.addEventListener("offline", function () { document.getElementById("offline-note").hidden = false; });
  window.addEventListener("online", function () { document.getElementById("offline-note").hidden = true; });

  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      here = [pos.coords.latitude, pos.coords.longitude];
      if (map) map.setView(display(here[0], here[1]), 16);
      render();
    }, function () { /* no location: the subdistrict's centre */ }, { timeout: 5000, maximumAge: 60000 });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.swUrl, { scope: config.geojsonUrl.replace(/[^/]*$/, "") })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () { document.body.dataset.offlineReady = "1"; })
      .catch(function () { /* served over plain http on a LAN: no offline copy */ });
  }
})();
