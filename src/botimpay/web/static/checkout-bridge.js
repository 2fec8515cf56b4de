/* Tells the app shell (the parent window, when the checkout runs in its webview) how the
   checkout ended: {type: "botimpay:checkout-result", result, orderNo}, same origin only.
   The result comes from <body data-checkout-result data-order-no>; buttons with
   data-bridge-result send theirs when clicked (e.g. "Close" after a failure). */
(function () {
  "use strict";
  var inApp = window.parent !== window;
  if (inApp) { document.documentElement.classList.add("in-app"); }

  function send(result) {
    if (!inApp || !result) { return; }
    window.parent.postMessage({
      type: "botimpay:checkout-result",
      result: result,
      orderNo: document.body.getAttribute("data-order-no") || null
    }, window.location.origin);
  }

  document.addEventListener("DOMContentLoaded", function () {
    send(document.body.getAttribute("data-checkout-result"));
    var buttons = document.querySelectorAll("[data-bridge-result]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        send(event.currentTarget.getAttribute("data-bridge-result"));
      });
    }
  });
})();
