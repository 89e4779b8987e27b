// Cross-origin isolation fallback: when the host did not send COOP/COEP (the page is not isolated),
// installs coi-sw.js, which adds them, and reloads once so the page loads isolated. `?coi=0` skips it.
// A second reload is never attempted in the same tab (a browser that cannot isolate stays as it is,
// on one wasm thread).
(() => {
  const KEY = 'mrn-viewer.coi-reload';
  if (window.crossOriginIsolated) {
    // later: the first touch of sessionStorage costs milliseconds a deep link's first view needs
    setTimeout(() => sessionStorage.removeItem(KEY), 3000);
    return;
  }
  if (!window.isSecureContext || !('serviceWorker' in navigator)) return;
  if (new URLSearchParams(location.search).get('coi') === '0') return;
  if (sessionStorage.getItem(KEY)) return;
  navigator.serviceWorker
    .register(new URL('coi-sw.js', document.baseURI))
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      sessionStorage.setItem(KEY, '1');
      location.reload();
    })
    .catch((e) => console.warn('cross-origin isolation service worker not installed:', e));
})();
