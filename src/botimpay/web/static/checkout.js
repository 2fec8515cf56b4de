/* Checkout niceties (the pages work without them): a time-left countdown, and the
   pending page checks the order's status and reloads once it changes. */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function countdown(el) {
    var deadline = Date.now() + parseInt(el.getAttribute("data-ms-left"), 10);
    function tick() {
      var left = Math.max(0, deadline - Date.now());
      var seconds = Math.floor(left / 1000);
      var text = pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
      if (seconds >= 3600) {
        text = Math.floor(seconds / 3600) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
      }
      el.textContent = text;
      if (left <= 0) { window.location.reload(); return; }
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function poll(url) {
    function check() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.status && data.status !== "CREATED") { window.location.reload(); return; }
          window.setTimeout(check, 2000);
        })
        .catch(function () { window.setTimeout(check, 4000); });
    }
    window.setTimeout(check, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var timers = document.querySelectorAll("[data-ms-left]");
    for (var i = 0; i < timers.length; i++) { countdown(timers[i]); }
    var statusUrl = document.body.getAttribute("data-status-url");
    if (statusUrl) { poll(statusUrl); }
  });
})();
