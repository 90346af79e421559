// The offline copy of one build of the site. Written by build.py: do not edit.
//
// Every file the page needs sits in one cache named after a hash of all of
// them, so a cache holds exactly one version. Every page (each folder's
// index.html: the calculator, the guides, the reference) comes from the network
// when there is one and from this cache when there is not; every other listed
// file (hashed assets, versioned Pyodide) comes from this cache.
// A new deployment is a new sw.js: it fills a new cache (taking unchanged files
// from the old one, each checked against its SHA-256), takes over, and deletes
// the old cache. A file that does not match its hash fails the install, so a
// cache never mixes two deployments.

const VERSION = "__VERSION__";
const FILES = __FILES__; // path beside sw.js -> SHA-256 of its bytes

const SCOPE = self.registration.scope;
const PREFIX = `lrcalc ${SCOPE} `; // this site's caches; another copy on the same origin has another scope
const CACHE = PREFIX + VERSION;
// Every page of the site (each a folder's index.html), by both of its addresses: the folder and the file.
const PAGES = new Map(
  Object.keys(FILES)
    .filter((path) => path === "index.html" || path.endsWith("/index.html"))
    .flatMap((path) => {
      const file = new URL(path, SCOPE).href;
      return [[file, file], [new URL(path.slice(0, -"index.html".length), SCOPE).href, file]];
    }),
);
const DIGESTS = new Map(Object.entries(FILES).map(([path, digest]) => [new URL(path, self.location).href, digest]));

async function sha256(body) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function copy(response, body) {
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

// One file of this build: from a cache of this site if the bytes match, else from the server.
async function obtain(url, digest, sources) {
  for (const cacheName of sources) {
    const cached = await caches.match(url, { cacheName });
    const body = cached && (await cached.arrayBuffer());
    if (body && (await sha256(body)) === digest) return copy(cached, body);
  }
  const response = await fetch(url, { cache: "no-cache" });
  const body = await response.arrayBuffer();
  if (!response.ok || (await sha256(body)) !== digest) {
    throw new Error(`${url} is not the file this version lists (HTTP ${response.status}): a newer deployment?`);
  }
  return copy(response, body);
}

async function precache() {
  const sources = (await caches.keys()).filter((name) => name.startsWith(PREFIX));
  const cache = await caches.open(CACHE);
  await Promise.all([...DIGESTS].map(async ([url, digest]) => cache.put(url, await obtain(url, digest, sources))));
}

async function dropOldCaches() {
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
  }
}

async function page(request, file) {
  try {
    return await fetch(request.url, { cache: "no-cache", redirect: "manual" });
  } catch (error) {
    const cached = await caches.match(file, { cacheName: CACHE });
    if (cached) return cached;
    throw error;
  }
}

// Caches are read with caches.match, which (unlike caches.open) never creates one: a replaced
// worker may still answer a request after its cache is deleted. Chromium itself sometimes brings a
// deleted cache back, empty, while a page still loads files that came from it; the next version's
// activation deletes it with the rest.
async function kept(request) {
  const cached = await caches.match(request.url, { cacheName: CACHE });
  return cached || fetch(request);
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(dropOldCaches().then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  url.search = "";
  url.hash = "";
  if (request.mode === "navigate" && PAGES.has(url.href)) event.respondWith(page(request, PAGES.get(url.href)));
  else if (DIGESTS.has(request.url)) event.respondWith(kept(request));
});
