// Service worker for static hosts that cannot send COOP/COEP headers (GitHub Pages and the like):
// it re-serves this origin's responses with the two headers that make the page cross-origin isolated,
// so TF.js's wasm backend can run threaded. Registered by coi-register.js only when the page is not
// isolated already. Cross-origin requests (remote slides, DICOMweb, model URLs) pass through untouched:
// they are CORS requests, which COEP credentialless allows as they are.
/* eslint-env serviceworker */

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.status === 0) return response; // opaque: nothing to add to
      const headers = new Headers(response.headers);
      headers.set('Cross-Origin-Opener-Policy', 'same-origin');
      headers.set('Cross-Origin-Embedder-Policy', 'credentialless');
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    }),
  );
});
