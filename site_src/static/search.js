// The site's search box: lunr.js over an index that build.py makes with lunr.py (the way mkdocs
// prebuilds its index), both served from the site. Every page loads this small script; lunr.js and
// the index are fetched the first time the reader uses the box. Without JavaScript the box stays
// hidden and the navigation still reaches every page.

const tag = document.querySelector("script[data-index]");
const form = document.querySelector(".site-search");
const box = document.getElementById("search-box");
const list = document.getElementById("search-results");
const status = document.getElementById("search-status");
let loading = null;

function load() {
  if (loading === null) {
    const library = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = tag.dataset.lunr;
      script.onload = resolve;
      script.onerror = () => reject(new Error("lunr.js did not load"));
      document.head.append(script);
    });
    const index = fetch(tag.dataset.index).then((response) => response.json());
    loading = Promise.all([library, index]).then(([, data]) => ({ index: globalThis.lunr.Index.load(data.index), docs: data.docs }));
    loading.catch(() => { loading = null; });
  }
  return loading;
}

// Each word as typed and as a prefix, with lunr's query operators taken out of what the reader typed.
function terms(text) {
  return text.toLowerCase().split(/\s+/).map((word) => word.replace(/[^\p{L}\p{N}_.]/gu, "")).filter(Boolean)
    .map((word) => `${word} ${word}*`).join(" ");
}

function hide() {
  list.hidden = true;
  list.replaceChildren();
  box.setAttribute("aria-expanded", "false");
}

async function search() {
  const text = box.value.trim();
  if (!text) { hide(); status.textContent = ""; return; }
  let found;
  try {
    const { index, docs } = await load();
    const query = terms(text);
    found = query ? index.search(query).slice(0, 10).map((hit) => docs[hit.ref]) : [];
  } catch (error) {
    status.textContent = "Search is unavailable: the index did not load.";
    return;
  }
  if (box.value.trim() !== text) return; // the reader typed on meanwhile
  list.replaceChildren(...found.map((doc) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = tag.dataset.root + doc.path;
    link.textContent = doc.title;
    const summary = document.createElement("small");
    summary.textContent = doc.summary;
    link.append(summary);
    item.append(link);
    return item;
  }));
  list.hidden = found.length === 0;
  box.setAttribute("aria-expanded", String(found.length > 0));
  status.textContent = found.length ? `${found.length} pages match.` : "No page matches.";
}

if (tag && form && box) {
  form.hidden = false;
  box.addEventListener("focus", () => { load().catch(() => {}); }, { once: true });
  box.addEventListener("input", search);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hide();
    if (event.key === "ArrowDown" && !list.hidden) { event.preventDefault(); list.querySelector("a").focus(); }
  });
  list.addEventListener("keydown", (event) => {
    const links = [...list.querySelectorAll("a")];
    const at = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < links.length - 1) { event.preventDefault(); links[at + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? links[at - 1] : box).focus(); }
    if (event.key === "Escape") { hide(); box.focus(); }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const first = list.querySelector("a");
    if (first) window.location.href = first.href;
  });
}
