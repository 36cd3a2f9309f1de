/* Names for the controls the admin's own scripts draw without one.
 *
 * - The autocomplete's combobox (Select2) and the read-only text box in it that shows the
 *   choice are named after the field: the <label> of the underlying <select>, or its
 *   aria-label in a tabular inline.
 * - The decorative icon inside the filter box of a two-list selector carries an aria-label on
 *   a plain <span>, which ARIA does not allow; it becomes an image with that name.
 */
(function () {
  "use strict";

  function nameOf(select) {
    if (select.getAttribute("aria-label")) return select.getAttribute("aria-label");
    const label = select.id && document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }

  function nameComboboxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const container = select.nextElementSibling;
      const combobox = container && container.querySelector('[role="combobox"]');
      const name = nameOf(select);
      if (!combobox || !name) return;
      // Select2 names the combobox after the text of the choice it shows; keep that text in.
      const shown = combobox.dataset.shown || combobox.getAttribute("aria-labelledby");
      const selected = shown && document.getElementById(shown);
      if (shown) combobox.dataset.shown = shown;
      const value = selected ? selected.textContent.trim() : "";
      combobox.setAttribute("aria-label", value ? name + ": " + value : name);
      combobox.removeAttribute("aria-labelledby");
      // The choice shown inside is a read-only text box of its own; it needs the name too.
      if (selected) selected.setAttribute("aria-label", name);
    });
  }

  function nameIcons(root) {
    root.querySelectorAll("span.help-tooltip[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function repair(root) {
    nameComboboxes(root);
    nameIcons(root);
  }

  // The admin's scripts draw on DOMContentLoaded and on load; repair after both, and again
  // whenever a widget redraws (a choice made, a row added).
  window.addEventListener("load", function () {
    repair(document);
    let pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        repair(document);
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
