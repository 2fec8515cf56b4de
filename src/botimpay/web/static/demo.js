/*
 * The demo shop page: Buy places a JSAPI order on the shop's server and hands its
 * tokenUrl to BotimPay.pay (the app bridge, or the QR overlay in a browser);
 * Show QR places a DYNQR order and shows its QR code for scanning in the app.
 */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const TITLES = {
    PAYMENT_SUCCESS: "Payment received",
    PAYMENT_FAILED: "Payment failed",
    CANCELLED: "You left the payment",  // the order itself stays open: see leftText
  };
  const ICONS = { PAYMENT_SUCCESS: "\u2713", PAYMENT_FAILED: "!", CANCELLED: "\u2013" };

  function showWhere() {
    const inApp = window.BotimPay && window.BotimPay.isInApp();
    $("where").textContent = inApp ? "In BOTIM" : "In a browser";
    $("where").dataset.inApp = inApp ? "yes" : "no";
  }
  showWhere();
  setTimeout(showWhere, 1500);

  async function placeOrder(productId, scene) {
    const response = await fetch("/demo/shop/api/checkout", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ productId, scene }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || "The shop could not create the order.");
    return body;
  }

  async function shopStatus(orderNo) {
    const response = await fetch("/demo/shop/api/status?orderNo=" + encodeURIComponent(orderNo),
      { credentials: "same-origin", headers: { Accept: "application/json" } });
    return response.ok ? response.json() : {};
  }

  function showResult(result, lines, code) {
    const box = $("result");
    box.hidden = false;
    box.dataset.result = result;
    $("result-icon").textContent = ICONS[result] || "?";
    $("result-title").textContent = TITLES[result] || result;
    $("result-detail").textContent = lines;
    $("result-code").textContent = code;
    box.scrollIntoView({ block: "start" });
  }

  /** What is true after the customer closed the checkout or the QR: the order is not
      cancelled by that; it stays open until it expires or the shop cancels it. */
  function leftText(name, price, status) {
    if (status === "CREATED") {
      return `${name} · ${price}. The order is still open (${status}) until it expires or the shop cancels it; nothing was charged.`;
    }
    if (status === "PAID_SUCCESS" || status === "SETTLED") {
      return `${name} · ${price}. The order was paid meanwhile (${status}).`;
    }
    return `${name} · ${price}. The shop's order status: ${status || "unknown"}.`;
  }

  async function buy(button) {
    const card = button.closest(".product");
    const name = card.querySelector("h2").textContent;
    const price = card.querySelector(".price").textContent;
    button.disabled = true;
    try {
      const order = await placeOrder(button.dataset.buy, "JSAPI");
      const channel = window.BotimPay.isInApp() ? "the BOTIM app bridge" : "a QR code";
      const outcome = await window.BotimPay.pay({
        tokenUrl: order.tokenUrl,
        statusUrl: "/demo/shop/api/status?orderNo=" + encodeURIComponent(order.orderNo),
        amount: price,
        orderNo: order.orderNo,
        merchant: "Demo Shop",
      });
      const orderNo = outcome.orderNo || order.orderNo;
      const checked = await shopStatus(order.orderNo);
      const detail = outcome.result === "CANCELLED"
        ? leftText(name, price, checked.status)
        : `${name} · ${price} · via ${channel}. The shop's order status: ${checked.status || "unknown"}.`;
      showResult(outcome.result, detail, `${outcome.result} · order ${orderNo}`);
      $("result").dataset.orderNo = order.orderNo;
      $("result").dataset.shopStatus = checked.status || "";
    } catch (err) {
      showResult("PAYMENT_FAILED", err.message, "");
    } finally {
      button.disabled = false;
    }
  }

  // --- DYNQR: a QR code on the shop's own screen ----------------------------------

  let qrTimer = null;

  function closeQr() {
    clearTimeout(qrTimer);
    qrTimer = null;
    $("qr-panel").hidden = true;
  }

  async function showQr(button) {
    const card = button.closest(".product");
    button.disabled = true;
    try {
      const order = await placeOrder(button.dataset.qr, "DYNQR");
      const data = encodeURIComponent(order.tokenUrl);
      $("qr-image").src = "/qr.png?scale=6&data=" + data;
      $("qr-image").dataset.tokenUrl = order.tokenUrl;
      $("qr-download").href = "/qr.png?scale=8&data=" + data;
      $("qr-amount").textContent = card.querySelector(".price").textContent;
      $("qr-order").textContent = order.orderNo;
      $("qr-status").textContent = "Waiting for payment\u2026";
      $("qr-panel").dataset.orderNo = order.orderNo;
      $("qr-panel").hidden = false;
      const poll = async () => {
        const status = (await shopStatus(order.orderNo).catch(() => ({}))).status;
        if (status === "PAID_SUCCESS" || status === "SETTLED") {
          $("qr-status").textContent = "Payment received \u2713";
          showResult("PAYMENT_SUCCESS", `${card.querySelector("h2").textContent} · paid by QR code.`,
            `PAID_SUCCESS · order ${order.orderNo}`);
          return;
        }
        if (status === "FAILURE") {
          $("qr-status").textContent = "The order failed or expired.";
          return;
        }
        if (!$("qr-panel").hidden) qrTimer = setTimeout(poll, 2000);
      };
      qrTimer = setTimeout(poll, 2000);
    } catch (err) {
      showResult("PAYMENT_FAILED", err.message, "");
    } finally {
      button.disabled = false;
    }
  }

  $("qr-close").addEventListener("click", closeQr);
  for (const button of document.querySelectorAll("[data-buy]")) {
    button.addEventListener("click", () => buy(button));
  }
  for (const button of document.querySelectorAll("[data-qr]")) {
    button.addEventListener("click", () => showQr(button));
  }
})();
