// The shop's pages and the BOTIM JS API (loaded from the gateway before this file).
// Product page: each Buy form says which scene to place, asked of the app's bridge,
// BotimPay.isInApp(): JSAPI inside the BOTIM app (its checkout opens over the page),
// DYNQR anywhere else (a QR code to scan with the app), whatever the device.
// Order page: "Pay" runs BotimPay.pay (in the app: the app's checkout; elsewhere the
// library's QR overlay), and the page reloads when the shop's server sees a new status.
(function () {
  "use strict";

  function inApp() {
    return Boolean(window.BotimPay && window.BotimPay.isInApp());
  }

  // --- product page -----------------------------------------------------------------

  const where = document.getElementById("where");
  function showWhere() {
    if (!where) return;
    const yes = inApp();
    where.textContent = yes ? "In the BOTIM app: you pay right here." : "In a browser: you pay by scanning a QR code with BOTIM.";
    where.dataset.inApp = yes ? "yes" : "no";
  }
  const sceneFields = document.querySelectorAll("input[data-scene]");
  function setScenes() {
    const scene = inApp() ? "JSAPI" : "DYNQR";
    sceneFields.forEach(function (field) { field.value = scene; });
  }
  if (where || sceneFields.length) {
    showWhere();
    setScenes();
    setTimeout(function () { showWhere(); setScenes(); }, 1500);  // after the app's hello
    document.querySelectorAll("form.buy").forEach(function (form) {
      form.addEventListener("submit", setScenes);  // asked again at the moment of buying
    });
  }

  // --- order page -------------------------------------------------------------------

  const order = document.getElementById("order");
  if (!order) return;
  const statusUrl = order.dataset.statusUrl;
  const tokenUrl = order.dataset.tokenUrl;
  const initial = order.dataset.status;

  const pay = document.getElementById("pay");
  if (pay && tokenUrl && window.BotimPay) {
    pay.addEventListener("click", function (event) {
      event.preventDefault();
      window.BotimPay.pay({
        tokenUrl: tokenUrl,
        statusUrl: statusUrl,
        amount: order.dataset.amount,
        orderNo: order.dataset.merchantOrderNo,
        merchant: order.dataset.merchant,
      }).then(function () {
        window.location.reload();  // the page shows what the server knows, never the JS result
      });
    });
  }

  // DYNQR: the cashier sees who scanned the QR (getCashierUrlInfo) before the payment.
  const scanned = document.getElementById("scanned");
  function showScanner(data) {
    if (scanned && data && data.scannedBy) {
      scanned.textContent = "Scanned by " + data.scannedBy + ": waiting for the payment…";
    }
  }

  const deadline = Date.now() + 30 * 60 * 1000;
  function poll() {
    if (Date.now() > deadline) return;
    fetch(statusUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status !== initial) window.location.reload();
        else {
          showScanner(data);
          setTimeout(poll, 2000);
        }
      })
      .catch(function () { setTimeout(poll, 4000); });
  }
  setTimeout(poll, 2000);
})();
