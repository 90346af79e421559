// Sets <html data-theme> to "light" or "dark" before the page paints (a tiny
// blocking script, so a dark page never flashes light): the reader's saved
// choice, or the system's. The Theme picker in app.js calls lrcalcTheme.set().
(() => {
  const root = document.documentElement;
  const media = matchMedia("(prefers-color-scheme: dark)");
  let choice = "system";
  try {
    choice = localStorage.getItem("lrcalc-theme") || "system";
  } catch {
    // Storage can be unavailable (privacy modes): follow the system.
  }
  const apply = () => {
    root.dataset.theme = choice === "dark" || (choice === "system" && media.matches) ? "dark" : "light";
    root.dataset.themeChoice = choice;
    document.dispatchEvent(new Event("lrcalc-theme"));
  };
  globalThis.lrcalcTheme = {
    choice: () => choice,
    set(next) {
      choice = next;
      try {
        if (next === "system") localStorage.removeItem("lrcalc-theme");
        else localStorage.setItem("lrcalc-theme", next);
      } catch {
        // Not saved: the choice lasts for this page only.
      }
      apply();
    },
  };
  media.addEventListener("change", apply);
  apply();
})();
