// Ester: small keyboard helpers. No framework; htmx does the rest.
(function () {
  "use strict";
  var pendingG = false;
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function go(selector) {
    var link = document.querySelector(selector);
    if (link) { window.location.href = link.getAttribute("href"); }
  }
  function toggleHelp(show) {
    var help = document.getElementById("shortcut-help");
    if (!help) { return; }
    help.hidden = !show;
    if (show) { help.focus(); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (typing(event.target)) { return; }
    if (event.key === "/") {
      var search = document.querySelector("[data-search]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (event.key === "?") { toggleHelp(true); return; }
    if (pendingG) {
      pendingG = false;
      if (event.key === "k") { go("a[href*='/organisation/kunder/']"); }
      if (event.key === "a") { go("a[href*='/avtal/'][href$='/avtal/']"); }
      if (event.key === "p") { go("a[href*='/avtal/prislistor/']"); }
      return;
    }
    if (event.key === "g") { pendingG = true; setTimeout(function () { pendingG = false; }, 1500); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-shortcuts]")) { toggleHelp(false); }
  });
  // Confirm dangerous actions: <button data-confirm="...">
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
  });
})();
