// The console's Test plan page: polls the verdicts every 2 s and updates the cases in
// place. The page works without this script (the server renders the same verdicts).
(function () {
  "use strict";
  var root = document.getElementById("testplan");
  var live = document.getElementById("live-status");
  if (!root || !root.dataset.verdictsUrl) {
    return;
  }
  var url = root.dataset.verdictsUrl;
  var EVERY_MS = 2000;

  function setField(scope, name, text) {
    var el = scope.querySelector('[data-field="' + name + '"]');
    if (el && el.textContent !== text) {
      el.textContent = text;
    }
    return el;
  }

  function slug(text) {
    return String(text).toLowerCase().replace(/ /g, "-");
  }

  function update(item) {
    var section = root.querySelector('[data-case="' + item.case + '"]');
    if (!section) {
      return;
    }
    var verdict = setField(section, "verdict", item.verdict);
    if (verdict) {
      verdict.className = "verdict verdict-" + slug(item.verdict);
    }
    setField(section, "runId", item.runId || "\u2014");
    setField(section, "merchantOrderNo", item.merchantOrderNo || "\u2014");
    setField(section, "timeScale", item.timeScale || "\u2014");
    item.rules.forEach(function (rule, index) {
      var row = section.querySelector('[data-rule="' + index + '"]');
      if (!row) {
        return;
      }
      var status = setField(row, "status", rule.status);
      if (status) {
        status.className = "rule-status rule-" + slug(rule.status);
      }
      setField(row, "evidence", rule.evidence);
    });
  }

  function stamp(text) {
    if (live) {
      live.textContent = text;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) {
          stamp("Signed out: reload the page to sign in again.");
          return null;
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        if (!body) {
          return;
        }
        body.cases.forEach(update);
        stamp("Live: updated " + new Date().toLocaleTimeString("en-GB") + ", every 2 s.");
        window.setTimeout(poll, EVERY_MS);
      })
      .catch(function (error) {
        stamp("Live updates paused (" + error.message + "); retrying.");
        window.setTimeout(poll, EVERY_MS * 2);
      });
  }

  window.setTimeout(poll, EVERY_MS);
})();
