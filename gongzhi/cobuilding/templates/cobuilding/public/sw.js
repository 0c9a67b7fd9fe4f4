/* The courier map's service worker: keeps the page, its scripts, the places (GeoJSON) and the
 * tiles it has drawn, so the map still works with no network once it has been loaded. */
const CACHE = "{{ version }}";
const ASSETS = {{ assets|safe }};
const TILE_URL = {{ tile_url|safe }};
const TILE_HOST = TILE_URL ? new URL(TILE_URL.replace(/\{[a-z]\}/g, "a"), self.location.href).host : null;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

function networkFirst(request) {
  return fetch(request)
    .then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    })
    .catch(() => caches.match(request, { ignoreSearch: true }));
}

function cacheFirst(request) {
  return caches.match(request).then((hit) => hit || fetch(request).then((response) => {
    if (response.ok || response.type === "opaque") {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(request, copy));
    }
    return response;
  }));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (TILE_HOST && url.host === TILE_HOST) {
    event.respondWith(cacheFirst(request));
  } else if (url.origin === self.location.origin && url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (url.origin === self.location.origin && ASSETS.includes(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});
