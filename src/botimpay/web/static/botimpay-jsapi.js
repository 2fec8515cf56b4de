/*!
 * botimpay-jsapi.js — the Botim Money payment API for merchant web pages.
 * Plain ES2017, no dependencies, no build step. Load it from your gateway:
 *
 *   <script src="https://YOUR-GATEWAY/static/botimpay-jsapi.js"></script>
 *
 * The gateway's origin is taken from this <script src>; the library talks to no
 * other origin.
 *
 *   BotimPay.isInApp() -> boolean
 *     true when the page runs inside the BOTIM app's webview (the app names the
 *     webview "botimpay-webview" and greets it with a hello message).
 *
 *   BotimPay.pay({tokenUrl, statusUrl, amount, orderNo, merchant}) -> Promise<{result, orderNo}>
 *     tokenUrl   interActionParams.tokenUrl from your server's placeOrder (required)
 *     statusUrl  optional URL on YOUR site answering GET with JSON {status[, orderNo]},
 *                where status is the order status your server read with getOrder
 *                (PAID_SUCCESS / SETTLED -> success, FAILURE -> failed)
 *     amount, orderNo, merchant
 *                optional text the QR overlay shows, e.g. "AED 45.00", your order
 *                number and your shop's name (the app's checkout shows its own)
 *     result     "PAYMENT_SUCCESS" | "PAYMENT_FAILED" | "CANCELLED"
 *     In the app the checkout opens over your page and the app answers through
 *     the bridge. In any other browser an overlay shows tokenUrl as a QR code
 *     ("Scan with Botim Money") and polls statusUrl every 2 s; closing it
 *     resolves CANCELLED. Never trust the result alone: confirm with getOrder
 *     or the signed notification before shipping goods.
 *
 * Bridge messages (window.postMessage, origin-checked both ways):
 *   page -> app  {type: "botimpay:ready"}, {type: "botimpay:pay", id, tokenUrl}
 *   app -> page  {type: "botimpay:hello"}, {type: "botimpay:pay-result", id, result, orderNo}
 */
(function (global) {
  "use strict";

  if (global.BotimPay) return;

  const VERSION = "1";
  const WEBVIEW_NAME = "botimpay-webview";
  const RESULTS = ["PAYMENT_SUCCESS", "PAYMENT_FAILED", "CANCELLED"];
  const POLL_MS = 2000;
  const HELLO_WAIT_MS = 3000;
  const doc = global.document;
  const script = doc.currentScript;
  const GATEWAY = (function () {
    try {
      return new URL(script && script.src ? script.src : global.location.href, global.location.href).origin;
    } catch (err) {
      return global.location.origin;
    }
  })();

  const framed = (function () {
    try { return global.parent !== global; } catch (err) { return true; }
  })();
  let helloReceived = false;
  const helloWaiters = [];
  const pending = new Map();
  let sequence = 0;

  function isInApp() {
    return framed && (global.name === WEBVIEW_NAME || helloReceived);
  }

  global.addEventListener("message", function (event) {
    if (!framed || event.source !== global.parent || event.origin !== GATEWAY) return;
    const data = event.data;
    if (!data || typeof data !== "object") return;
    if (data.type === "botimpay:hello") {
      helloReceived = true;
      helloWaiters.splice(0).forEach(function (wake) { wake(true); });
    } else if (data.type === "botimpay:pay-result" && pending.has(data.id)) {
      const resolve = pending.get(data.id);
      pending.delete(data.id);
      const result = RESULTS.indexOf(data.result) >= 0 ? data.result : "PAYMENT_FAILED";
      resolve({ result: result, orderNo: typeof data.orderNo === "string" ? data.orderNo : null });
    }
  });

  if (framed) {
    try { global.parent.postMessage({ type: "botimpay:ready", version: VERSION }, GATEWAY); } catch (err) { /* not the app */ }
  }

  function waitForHello(ms) {
    if (helloReceived) return Promise.resolve(true);
    return new Promise(function (resolve) {
      helloWaiters.push(resolve);
      setTimeout(function () { resolve(helloReceived); }, ms);
    });
  }

  async function payInApp(tokenUrl) {
    sequence += 1;
    const id = "bp-" + Date.now().toString(36) + "-" + sequence;
    return new Promise(function (resolve) {
      pending.set(id, resolve);
      global.parent.postMessage({ type: "botimpay:pay", id: id, tokenUrl: tokenUrl }, GATEWAY);
    });
  }

  // --- outside the app: the QR overlay ------------------------------------------

  let closeCurrent = null;

  function node(tag, style, text) {
    const element = doc.createElement(tag);
    Object.assign(element.style, style || {});
    if (text) element.textContent = text;
    return element;
  }

  function statusResult(status) {
    const value = String(status || "").toUpperCase();
    if (["PAID_SUCCESS", "SETTLED", "SUCCESS", "PAYMENT_SUCCESS"].indexOf(value) >= 0) return "PAYMENT_SUCCESS";
    if (["FAILURE", "FAILED", "PAYMENT_FAILED"].indexOf(value) >= 0) return "PAYMENT_FAILED";
    return null;
  }

  function text(value, max) {
    return typeof value === "string" || typeof value === "number" ? String(value).slice(0, max) : "";
  }

  function payWithQr(tokenUrl, statusUrl, details) {
    if (closeCurrent) closeCurrent("CANCELLED", null);
    return new Promise(function (resolve) {
      const overlay = node("div", {
        position: "fixed", inset: "0", zIndex: "2147483000", display: "flex",
        alignItems: "center", justifyContent: "center", padding: "16px",
        background: "rgba(10,13,17,.55)", fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
      });
      overlay.id = "botimpay-qr-overlay";
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-modal", "true");
      overlay.setAttribute("aria-label", "Pay with Botim Money");
      const card = node("div", {
        position: "relative", width: "100%", maxWidth: "340px", background: "#fff", color: "#1c2430",
        borderRadius: "18px", padding: "22px 20px 18px", textAlign: "center",
        boxShadow: "0 20px 50px rgba(0,0,0,.35)", boxSizing: "border-box",
      });
      const close = node("button", {
        position: "absolute", top: "8px", right: "8px", width: "36px", height: "36px", border: "0",
        borderRadius: "50%", background: "#f1f3f5", fontSize: "18px", cursor: "pointer", color: "#1c2430",
      }, "\u2715");
      close.type = "button";
      close.className = "botimpay-close";
      close.setAttribute("aria-label", "Close");
      const title = node("div", { fontSize: "18px", fontWeight: "700", margin: "4px 0 2px" },
        details.merchant ? "Pay " + details.merchant : "Pay with Botim Money");
      title.className = "botimpay-title";
      const amount = node("div", { fontSize: "26px", fontWeight: "800", margin: "2px 0", direction: "ltr", unicodeBidi: "isolate" }, details.amount);
      amount.className = "botimpay-amount";
      amount.hidden = !details.amount;
      const reference = node("div", { fontSize: "13px", color: "#5f6b7a", marginBottom: "4px" });
      reference.className = "botimpay-order";
      reference.hidden = !details.orderNo;
      if (details.orderNo) {
        reference.append("Order ", node("bdi", { direction: "ltr" }, details.orderNo));
      }
      const hint = node("div", { fontSize: "15px", color: "#5f6b7a", marginBottom: "12px" }, "Scan with Botim Money");
      const image = node("img", { width: "240px", height: "240px", display: "block", margin: "0 auto", imageRendering: "pixelated" });
      image.className = "botimpay-qr";
      image.alt = "QR code of the payment link";
      image.src = GATEWAY + "/qr.svg?scale=6&data=" + encodeURIComponent(tokenUrl);
      const status = node("div", { marginTop: "12px", fontSize: "14px", fontWeight: "600", color: "#0b7a75", minHeight: "1.4em" },
        statusUrl ? "Waiting for payment\u2026" : "Open BOTIM, tap Scan and point it at this code.");
      status.className = "botimpay-status";
      status.setAttribute("role", "status");
      card.append(close, title, amount, reference, hint, image, status);
      overlay.append(card);
      doc.body.append(overlay);

      let timer = null;
      let finished = false;
      function finish(result, orderNo) {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        doc.removeEventListener("keydown", onKey);
        closeCurrent = null;
        overlay.remove();
        resolve({ result: result, orderNo: orderNo || null });
      }
      function onKey(event) { if (event.key === "Escape") finish("CANCELLED", null); }
      closeCurrent = finish;
      close.addEventListener("click", function () { finish("CANCELLED", null); });
      doc.addEventListener("keydown", onKey);

      async function poll() {
        if (finished) return;
        try {
          const response = await fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
          if (response.ok) {
            const body = await response.json();
            const result = statusResult(body && body.status);
            if (result) {
              status.textContent = result === "PAYMENT_SUCCESS" ? "Payment received" : "Payment failed";
              status.style.color = result === "PAYMENT_SUCCESS" ? "#067647" : "#b42318";
              const orderNo = body && typeof body.orderNo === "string" ? body.orderNo : null;
              timer = setTimeout(function () { finish(result, orderNo); }, 900);
              return;
            }
          }
        } catch (err) { /* keep polling: the network may come back */ }
        timer = setTimeout(poll, POLL_MS);
      }
      if (statusUrl) timer = setTimeout(poll, POLL_MS);
    });
  }

  async function pay(options) {
    const tokenUrl = options && options.tokenUrl;
    if (typeof tokenUrl !== "string" || !/^https?:\/\//i.test(tokenUrl)) {
      throw new TypeError("BotimPay.pay needs {tokenUrl}: the http(s) link from placeOrder");
    }
    const statusUrl = options.statusUrl ? String(options.statusUrl) : null;
    if (isInApp() && (await waitForHello(HELLO_WAIT_MS))) return payInApp(tokenUrl);
    return payWithQr(tokenUrl, statusUrl, {
      amount: text(options.amount, 40),
      orderNo: text(options.orderNo, 64),
      merchant: text(options.merchant, 64),
    });
  }

  global.BotimPay = Object.freeze({
    version: VERSION,
    gatewayOrigin: GATEWAY,
    isInApp: isInApp,
    pay: pay,
  });
})(window);
