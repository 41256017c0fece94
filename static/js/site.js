// Progressive enhancement only: every flow works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

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

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "connection-result") {
      event.detail.target.scrollIntoView({ block: "nearest" });
      return;
    }
    if (event.detail.target && event.detail.target.id === "dialog-content") {
      var d = dialog();
      if (!d.open) d.showModal();
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

  document.addEventListener("click", function (event) {
    var copier = event.target.closest("[data-copy]");
    if (copier) {
      // Copy buttons beside read-only values (e.g. a trust policy): select, then copy.
      var source = document.getElementById(copier.getAttribute("data-copy"));
      if (source) {
        source.select();
        if (navigator.clipboard) navigator.clipboard.writeText(source.value);
      }
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

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll("details[data-menu][open]").forEach(function (m) { m.open = false; });
    }
  });

  document.addEventListener("close", function (event) {
    if (event.target === dialog()) dialogContent().replaceChildren();
  }, true);

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
  });
})();
