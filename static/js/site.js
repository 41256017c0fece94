// Progressive enhancement only: every flow works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var opener = null;  // what opened the dialog: focus goes back there when it closes

  function dialog() { return document.getElementById("dialog"); }
  function dialogContent() { return document.getElementById("dialog-content"); }

  function closeDialog() {
    var d = dialog();
    if (d && d.open) d.close();
  }

  function showMessage(text, kind) {
    var box = document.getElementById("messages");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "message message-" + (kind || "error");
    div.setAttribute("role", "alert");
    div.textContent = text;
    box.replaceChildren(div);
  }

  // Test connection re-checks every field and lists what is still wrong in its result: errors
  // left under fields from an earlier submit would contradict it, so they go first.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "connection-result") return;
    var form = target.closest("form");
    if (!form) return;
    form.querySelectorAll(".field .error").forEach(function (p) { p.remove(); });
    form.querySelectorAll(".field-invalid").forEach(function (f) { f.classList.remove("field-invalid"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (i) { i.removeAttribute("aria-invalid"); });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    // Another provider's fields came in: its example name goes into the Name placeholder.
    var fields = document.getElementById("provider-fields");
    var name = fields && fields.closest("form") && fields.closest("form").querySelector("input[name=name]");
    if (fields && name && fields.dataset.namePlaceholder) name.placeholder = fields.dataset.namePlaceholder;
    if (event.detail.target && event.detail.target.id === "connection-result") {
      event.detail.target.scrollIntoView({ block: "nearest" });
      return;
    }
    if (event.detail.target && event.detail.target.id === "dialog-content") {
      var d = dialog();
      if (!d.open) {
        var active = document.activeElement;
        // An opener inside a menu goes away with the menu: return to the menu's button.
        var menu = active && active.closest("details[data-menu]");
        opener = menu ? menu.querySelector("summary") : active;
        d.showModal();
      }
      var first = d.querySelector("[autofocus], input:not([type=hidden]), select, button");
      if (first) first.focus();
      document.querySelectorAll("details[data-menu][open]").forEach(function (m) { m.open = false; });
    }
  });

  // Sent by the server (HX-Trigger) after a successful create or delete.
  document.body.addEventListener("dialog:close", closeDialog);

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "Something went wrong (" + xhr.status + "). Please try again.";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var node = doc.querySelector("[data-error-message]");
      if (node && node.textContent.trim()) text = node.textContent.trim();
    } catch (e) { /* keep the generic text */ }
    closeDialog();
    showMessage(text, "error");
  });

  function announce(text) {
    var status = document.getElementById("copy-status");
    if (status) status.textContent = text;
    var local = document.querySelector("[data-copy-status]");
    if (local) local.textContent = text;
  }

  document.addEventListener("click", function (event) {
    var copier = event.target.closest("[data-copy]");
    if (copier) {
      // Copy buttons beside read-only values (a token, an id, a trust policy): select the
      // value (so Ctrl-C works where the Clipboard API does not), then copy it.
      var source = document.getElementById(copier.getAttribute("data-copy"));
      if (source) {
        source.select();
        var done = function () {
          copier.setAttribute("data-copied", "");
          announce("Copied to the clipboard.");
          setTimeout(function () { copier.removeAttribute("data-copied"); }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.value).then(done, function () {
            announce("Selected: press Ctrl+C (⌘C) to copy.");
          });
        } else {
          announce("Selected: press Ctrl+C (⌘C) to copy.");
        }
      }
      return;
    }
    var navToggle = event.target.closest("[data-nav-toggle]");
    if (navToggle) {
      var open = document.body.classList.toggle("nav-open");
      navToggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    var themeToggle = event.target.closest("[data-theme-toggle]");
    if (themeToggle) {
      setTheme(currentTheme() === "dark" ? "light" : "dark");
      return;
    }
    var closer = event.target.closest("[data-dialog-close]");
    if (closer && closer.closest("dialog")) {
      event.preventDefault();
      closeDialog();
      return;
    }
    if (event.target.closest("[aria-disabled=true]")) {
      event.preventDefault();
      return;
    }
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // Menus (<details data-menu>): arrow keys move between items, Home/End jump, Esc closes and
  // returns to the button. Without JavaScript they open and close as plain <details>.
  function menuItems(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]"))
      .filter(function (item) { return item.offsetParent !== null; });
  }

  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("details[data-menu]") || !menu.open) return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (other) {
      if (other !== menu) other.open = false;
    });
  }, true);

  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest && event.target.closest("details[data-menu]");
    if (event.key === "Escape") {
      var openMenu = document.querySelector("details[data-menu][open]");
      if (openMenu) {
        openMenu.open = false;
        openMenu.querySelector("summary").focus();
        event.preventDefault();
      }
      if (document.body.classList.contains("nav-open")) {
        document.body.classList.remove("nav-open");
        var toggle = document.querySelector("[data-nav-toggle]");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
      return;
    }
    if (!menu || ["ArrowDown", "ArrowUp", "Home", "End"].indexOf(event.key) < 0) return;
    var items = menuItems(menu);
    if (!items.length) return;
    event.preventDefault();
    if (!menu.open) { menu.open = true; items = menuItems(menu); }
    var index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown") index = (index + 1) % items.length;
    else if (event.key === "ArrowUp") index = index <= 0 ? items.length - 1 : index - 1;
    else if (event.key === "Home") index = 0;
    else index = items.length - 1;
    items[index].focus();
  });

  document.addEventListener("close", function (event) {
    if (event.target !== dialog()) return;
    dialogContent().replaceChildren();
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }, true);

  // Theme: the toggle's choice is remembered per browser; theme.js applies it before paint.
  function currentTheme() {
    var chosen = document.documentElement.getAttribute("data-theme");
    if (chosen) return chosen;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function showTheme() {
    var dark = currentTheme() === "dark";
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", dark ? "true" : "false");
    });
  }

  function setTheme(theme) {
    document.documentElement.setAttribute("data-theme", theme);
    try { localStorage.setItem("theme", theme); } catch (e) { /* not remembered */ }
    showTheme();
  }

  // A table wider than its box scrolls inside it: keyboard users reach it with Tab and scroll
  // it with the arrow keys (WCAG 2.1.1), named by the table's caption.
  function scrollablesFocusable() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }
  scrollablesFocusable();
  window.addEventListener("resize", scrollablesFocusable);
  document.addEventListener("htmx:afterSettle", scrollablesFocusable);

  showTheme();
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", showTheme);

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
  });
})();
