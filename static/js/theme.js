// Loaded in <head>, before the stylesheet and blocking, so the page paints in the right theme
// the first time. A theme chosen with the toggle is remembered in this browser (localStorage);
// without a choice, the CSS follows prefers-color-scheme.
(function () {
  "use strict";
  try {
    var chosen = localStorage.getItem("theme");
    if (chosen === "dark" || chosen === "light") {
      document.documentElement.setAttribute("data-theme", chosen);
    }
  } catch (e) { /* storage off: follow the system */ }
})();
