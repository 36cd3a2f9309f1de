// The rating form, one risk factor at a time. Without this script the form is one long
// page that saves with a plain POST; with it:
// - the factor navigation shows one factor and moves the focus to its first field;
// - the counts of rated indicators follow every change, and a filter shows rated, unrated
//   or changed indicators only;
// - "Save draft" and Ctrl+S (Cmd+S) save in place, so the user keeps their place; a draft
//   is also saved every minute and on moving to another factor, never over someone else's
//   newer version (the server checks the version the form was loaded with);
// - leaving the page with unsaved changes asks first.
(function () {
  "use strict";
  var form = document.getElementById("rating-form");
  if (!form) { return; }
  var AUTOSAVE_MS = 60000;
  var panels = Array.prototype.slice.call(form.querySelectorAll("[data-step-panel]"));
  var links = Array.prototype.slice.call(form.querySelectorAll("[data-step]"));
  var status = form.querySelector("[data-save-status]");
  var place = form.querySelector("[data-place]");
  var version = form.querySelector("input[name=lock_version]");
  var autosave = form.getAttribute("data-autosave") === "on";
  var edits = 0;        // changes since the page loaded
  var savedEdits = 0;   // the changes that the last successful save holds
  var saving = null;    // the save under way, if any
  var conflict = false; // someone else saved: stop saving over them
  var leaving = false;
  var current = null;

  function text(name, values) {
    var template = form.getAttribute("data-text-" + name) || "";
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  function say(message, urgent) {
    status.textContent = message;
    status.setAttribute("role", urgent ? "alert" : "status");
  }

  function dirty() { return edits !== savedEdits; }

  // Steps --------------------------------------------------------------------------------
  function panelFor(element) { return element && element.closest("[data-step-panel]"); }

  function firstField(panel) {
    return panel.querySelector("input:not([type=hidden]):not([disabled]), select, textarea");
  }

  function show(id, focusTarget) {
    var panel = document.getElementById(id);
    if (!panel || panels.indexOf(panel) < 0) { return; }
    if (current && current !== panel && dirty() && autosave) { save("auto"); }
    panels.forEach(function (p) { p.hidden = p !== panel; });
    links.forEach(function (link) {
      if (link.getAttribute("data-step") === id) { link.setAttribute("aria-current", "step"); }
      else { link.removeAttribute("aria-current"); }
    });
    current = panel;
    place.value = id;
    if (window.history.replaceState) { window.history.replaceState(null, "", "#" + id); }
    if (focusTarget) {
      var target = focusTarget === true ? firstField(panel) : focusTarget;
      if (target) { target.focus(); }
    }
  }

  links.forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      show(link.getAttribute("data-step"), true);
    });
  });
  form.querySelectorAll("[data-go]").forEach(function (button) {
    button.addEventListener("click", function () { show(button.getAttribute("data-go"), true); });
  });
  form.querySelectorAll(".step-buttons").forEach(function (el) { el.hidden = false; });
  // The error summary's links lead to a field: open its factor first.
  var errors = document.getElementById("form-errors");
  if (errors) {
    errors.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var field = document.getElementById(link.getAttribute("href").slice(1));
      var panel = panelFor(field);
      if (panel) { event.preventDefault(); show(panel.id, field); }
    });
  }

  // Counts and filter --------------------------------------------------------------------
  var rows = Array.prototype.slice.call(form.querySelectorAll("[data-row]"));

  function value(row, part) {
    var field = row.querySelector("select[name$='_" + part + "']");
    return field ? field.value : "";
  }

  function mark(row) {
    row.setAttribute("data-rated", value(row, "severity") !== "not_assessed" ? "1" : "0");
    if (row.hasAttribute("data-changed")) {
      var changed = ["severity", "trend", "confidence"].some(function (part) {
        return value(row, part) !== row.getAttribute("data-previous-" + part);
      });
      row.setAttribute("data-changed", changed ? "1" : "0");
      var badge = row.querySelector("[data-changed-mark]");
      if (badge) { badge.hidden = !changed; }
    }
  }

  function count() {
    var total = 0;
    panels.forEach(function (panel) {
      var inPanel = panel.querySelectorAll("[data-row]");
      if (!inPanel.length) { return; }
      var rated = panel.querySelectorAll("[data-row][data-rated='1']").length;
      total += rated;
      var badge = form.querySelector("[data-progress-for='" + panel.id + "']");
      if (badge) { badge.textContent = rated + "/" + inPanel.length; }
      var line = panel.querySelector("[data-progress-text]");
      if (line) { line.textContent = text("factor", { rated: rated, total: inPanel.length }); }
    });
    form.querySelector("[data-progress-total]").textContent =
      text("total", { rated: total, total: rows.length });
  }

  var filter = form.querySelector("[data-filter]");
  function applyFilter() {
    var chosen = form.querySelector("input[name=show]:checked");
    var show = chosen ? chosen.value : "all";
    rows.forEach(function (row) {
      row.hidden = !(show === "all" ||
        (show === "rated" && row.getAttribute("data-rated") === "1") ||
        (show === "unrated" && row.getAttribute("data-rated") === "0") ||
        (show === "changed" && row.getAttribute("data-changed") === "1"));
    });
    panels.forEach(function (panel) {
      var empty = panel.querySelector("[data-filter-empty]");
      if (empty) { empty.hidden = !!panel.querySelector("[data-row]:not([hidden])"); }
    });
  }
  filter.hidden = false;
  filter.addEventListener("change", function (event) { event.stopPropagation(); applyFilter(); });

  form.addEventListener("change", function (event) {
    if (event.target.name === "show") { return; }
    var row = event.target.closest("[data-row]");
    if (row) { mark(row); count(); }
  });
  form.addEventListener("input", function (event) {
    if (event.target.name === "show") { return; }
    edits += 1;
    say(text("unsaved", {}), false);
  });

  // Saving in place ----------------------------------------------------------------------
  function clearErrors() {
    if (errors) { errors.remove(); errors = null; }
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    form.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".bg-danger-subtle").forEach(function (el) { el.classList.remove("bg-danger-subtle"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function save(kind) {
    if (conflict) { return Promise.resolve(); }
    if (saving) { return saving.then(function () { return dirty() ? save(kind) : null; }); }
    var holds = edits;
    say(text("saving", {}), false);
    saving = fetch(form.getAttribute("action") || window.location.pathname, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { code: response.status, data: data }; });
    }).then(function (answer) {
      if (answer.data.saved) {
        version.value = answer.data.lock_version;
        savedEdits = holds;
        clearErrors();
        say(dirty() ? text("unsaved", {}) : answer.data.message, false);
      } else if (answer.data.invalid && kind === "manual") {
        // Let the server show every error beside its field, with what was typed kept.
        leaving = true;
        form.submit();
      } else {
        if (answer.code === 409) { conflict = true; }
        say(answer.data.message, true);
      }
    }).catch(function () {
      say(text("offline", {}), true);
    }).then(function () { saving = null; });
    return saving;
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.name === "save_and_view") {
      if (saving) {
        // An automatic save is on its way: wait for it, so that this submission carries
        // the version it answers with instead of meeting it as a conflict.
        event.preventDefault();
        saving.then(function () { if (!conflict) { form.requestSubmit(submitter); } });
        return;
      }
      leaving = true;
      return;
    }
    event.preventDefault();
    save("manual");
  });
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      save("manual");
    }
  });
  if (autosave) {
    window.setInterval(function () { if (dirty() && !saving) { save("auto"); } }, AUTOSAVE_MS);
  }
  window.addEventListener("beforeunload", function (event) {
    if (dirty() && !leaving) { event.preventDefault(); event.returnValue = ""; }
  });

  // Start on the factor the address names, else on the first one with an error, else on
  // the first step.
  var start = null;
  var hash = window.location.hash.slice(1);
  if (hash) { start = panelFor(document.getElementById(hash)); }
  if (!start) { start = panelFor(form.querySelector(".is-invalid, .invalid-feedback")); }
  show((start || panels[0]).id, false);
})();
