// Refresh a partial while background work is under way: an element with data-poll-url is
// replaced by what that URL returns, every data-poll-interval milliseconds, until the
// returned element no longer asks to be polled. No library needed.
(function () {
  "use strict";
  function schedule(element) {
    var url = element.getAttribute("data-poll-url");
    if (!url) { return; }
    var interval = parseInt(element.getAttribute("data-poll-interval") || "2000", 10);
    window.setTimeout(function () {
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.firstElementChild;
          if (!fresh) { return; }
          element.replaceWith(fresh);
          // The assessment's status badge and the notice at the top follow the new state.
          var label = fresh.getAttribute("data-status-label");
          var badge = document.getElementById("status");
          if (label && badge) { badge.textContent = label; }
          var notice = fresh.getAttribute("data-notice");
          if (notice) {
            document.querySelectorAll('[data-live-notice="summary"]').forEach(function (el) {
              el.textContent = notice;
              el.className = "alert alert-" + (fresh.getAttribute("data-notice-level") || "info");
            });
          }
          // Replaced nodes are not announced: say the new status in a lasting live region.
          var status = fresh.querySelector("[role=status]");
          var announcer = document.getElementById("live-announcer");
          if (status && announcer) { announcer.textContent = status.textContent.trim(); }
          schedule(fresh);
        })
        .catch(function () { schedule(element); });
    }, interval);
  }
  document.querySelectorAll("[data-poll-url]").forEach(schedule);
})();
