// Offline support: registers sw.js (written by build.py at the site root), the
// service worker that keeps this version of the site, Pyodide included, for
// visits without a network. It waits until the page has loaded and Python has
// started (data-state leaves "loading"), so filling the cache never competes
// with the first visit; its downloads then mostly revalidate what the browser
// already has. Where service workers are unavailable (file://, plain http on a
// host other than localhost, some private modes) the page works online only.

function loaded() {
  if (document.readyState === "complete") return Promise.resolve();
  return new Promise((resolve) => window.addEventListener("load", resolve, { once: true }));
}

function started() {
  const root = document.documentElement;
  return new Promise((resolve) => {
    const observer = new MutationObserver(check);
    function check() {
      if (root.dataset.state === "loading") return;
      observer.disconnect();
      resolve();
    }
    observer.observe(root, { attributes: true, attributeFilter: ["data-state"] });
    check();
  });
}

async function register() {
  await Promise.all([loaded(), started()]);
  try {
    await navigator.serviceWorker.register(new URL("sw.js", document.baseURI), {
      scope: new URL("./", document.baseURI).href,
    });
  } catch (error) {
    console.warn("Offline support is off: the service worker could not be registered.", error);
  }
}

if ("serviceWorker" in navigator) register();
