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
  // Past the browser's HTTP cache, so that "offline" is known and said on the page.
  return fetch(request.url, { cache: "no-cache", credentials: "same-origin" })
    .then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    })
    .catch(() => caches.match(request, { ignoreSearch: true }).then((hit) => {
      if (!hit) return hit;
      // Tell the page that what it shows is the copy kept from the last load.
      const headers = new Headers(hit.headers);
      headers.set("X-Gongzhi-Offline", "1");
      return hit.blob().then((body) => new Response(body, { status: hit.status, headers: headers }));
    }));
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
