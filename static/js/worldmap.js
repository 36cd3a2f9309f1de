// The world map's tooltip for keyboard users: a focused country shows its name, level and
// situations (its <title>, which a mouse pointer shows by itself) beside it. Escape hides it.
// The text is already the link's accessible name: the tooltip is hidden from screen readers.
(function () {
  "use strict";
  document.querySelectorAll("[data-map]").forEach(function (frame) {
    var tooltip = frame.querySelector("[data-map-tooltip]");
    if (!tooltip) { return; }
    var rtl = document.documentElement.dir === "rtl";
    function hide() { tooltip.hidden = true; }
    function show(link) {
      var title = link.querySelector("title");
      if (!title) { return; }
      tooltip.textContent = title.textContent;
      tooltip.hidden = false;
      var box = frame.getBoundingClientRect();
      var shape = (link.querySelector("g") || link).getBoundingClientRect();
      var start = rtl ? box.right - shape.right : shape.left - box.left;
      var room = box.width - tooltip.offsetWidth;
      tooltip.style.insetInlineStart = Math.max(0, Math.min(start, room)) + "px";
      tooltip.style.insetBlockStart = Math.max(0, shape.bottom - box.top + 4) + "px";
    }
    frame.addEventListener("focusin", function (event) {
      var link = event.target.closest ? event.target.closest("a.map-link") : null;
      if (link) { show(link); } else { hide(); }
    });
    frame.addEventListener("focusout", hide);
    window.addEventListener("resize", hide);
    frame.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { hide(); }
    });
  });
})();
