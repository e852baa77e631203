// Ester: keyboard shortcuts of the handler workspace (loaded only on the case pages).
// j / k move through the case list, Enter opens (the focused link), t takes the next
// case, r and n go to the reply and note composers.  "/" (search) and "?" (help)
// live in ester.js.  Keys typed into a field are never taken.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function links() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-case-row] [data-case-link]"));
  }
  function move(step) {
    var all = links();
    if (!all.length) { return; }
    var index = all.indexOf(document.activeElement);
    var next = index === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + step));
    all.forEach(function (link) { link.closest("[data-case-row]").classList.remove("is-selected"); });
    var row = all[next].closest("[data-case-row]");
    row.classList.add("is-selected");
    all[next].focus();
    row.scrollIntoView({ block: "nearest" });
  }
  function compose(kind) {
    var field = document.querySelector("[data-composer='" + kind + "']");
    if (!field) { return false; }
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    if (key === "j" || key === "k") { event.preventDefault(); move(key === "j" ? 1 : -1); return; }
    if (key === "Enter") {
      var selected = document.querySelector("[data-case-row].is-selected [data-case-link]");
      if (selected && document.activeElement !== selected) { event.preventDefault(); selected.click(); }
      return;
    }
    if (key === "t") {
      var take = document.querySelector("form[data-take-next]");
      if (take) { event.preventDefault(); take.requestSubmit(); }
      return;
    }
    if (key === "r" || key === "n") {
      if (compose(key === "r" ? "reply" : "note")) { event.preventDefault(); }
    }
  });
})();
