// Order page: pay through the BOTIM JS API (in the app: the app's checkout; elsewhere
// the library's QR overlay), and reload when the shop's server sees the status change.
(function () {
  "use strict";
  const order = document.getElementById("order");
  if (!order) return;
  const statusUrl = order.dataset.statusUrl;
  const tokenUrl = order.dataset.tokenUrl;
  const initial = order.dataset.status;

  const pay = document.getElementById("pay");
  if (pay && tokenUrl && window.BotimPay) {
    pay.addEventListener("click", function (event) {
      event.preventDefault();
      window.BotimPay.pay({ tokenUrl: tokenUrl, statusUrl: statusUrl }).then(function () {
        window.location.reload();  // the page shows what the server knows, never the JS result
      });
    });
  }

  const deadline = Date.now() + 30 * 60 * 1000;
  function poll() {
    if (Date.now() > deadline) return;
    fetch(statusUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status !== initial) window.location.reload();
        else setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 4000); });
  }
  setTimeout(poll, 2000);
})();
