/*
 * The BOTIM app shell (/app): sign-in, wallet, scan, the merchant webview and its
 * payment bridge, and the checkout sheet.
 *
 * Bridge protocol (window.postMessage), see also /static/botimpay-jsapi.js:
 *   webview -> app  {type: "botimpay:ready"}                  app answers with hello
 *   app -> webview  {type: "botimpay:hello", version: 1}       after every load, too
 *   webview -> app  {type: "botimpay:pay", id, tokenUrl}
 *   app -> webview  {type: "botimpay:pay-result", id, result, orderNo[, message]}
 * Messages are taken only from the webview's window and the origin the app opened;
 * answers go to that origin only. The checkout (same origin, in the sheet) ends with
 *   checkout -> app {type: "botimpay:checkout-result", result, orderNo}.
 */
(() => {
  "use strict";

  const RESULTS = ["PAYMENT_SUCCESS", "PAYMENT_FAILED", "CANCELLED"];
  const CHECKOUT_PATH = "/pay-page/main";
  const phone = document.getElementById("phone");
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = csrfMeta ? csrfMeta.content : "";
  const $ = (id) => document.getElementById(id);
  const LANG = phone.dataset.lang === "ar" ? "ar" : "en";
  const TEXTS = (() => { try { return JSON.parse(phone.dataset.texts || "{}"); } catch (err) { return {}; } })();
  /** The page's text `key` in its language (/app?lang=ar), {name} parts filled in. */
  const t = (key, values) => String(TEXTS[key] || key).replace(/\{(\w+)\}/g, (all, name) =>
    values && name in values ? String(values[name]) : all);

  // --- small helpers --------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    return node;
  }

  let toastTimer = null;
  function toast(message, kind) {
    const box = $("toast");
    box.textContent = message;
    box.className = "toast " + (kind || "");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 3000);
  }

  async function api(path, options) {
    const opts = Object.assign({ credentials: "same-origin" }, options || {});
    opts.headers = Object.assign({ "X-CSRF-Token": csrfToken, Accept: "application/json" },
      opts.headers || {});
    let response;
    try {
      response = await fetch(path, opts);
    } catch (err) {
      return { ok: false, status: 0, data: { message: t("offline") } };
    }
    let data = {};
    try { data = await response.json(); } catch (err) { data = {}; }
    return { ok: response.ok, status: response.status, data };
  }

  function tickClock() { // the phone lives in the UAE, like the wallet's dates
    let text;
    try {
      text = new Date().toLocaleTimeString("en-GB", { timeZone: "Asia/Dubai", hour: "2-digit", minute: "2-digit" });
    } catch (err) {
      text = new Date().toTimeString().slice(0, 5);
    }
    $("clock").textContent = text;
  }
  tickClock();
  setInterval(tickClock, 30000);

  // --- signed out: the sign-in form ------------------------------------------

  if (phone.dataset.signedIn !== "yes") {
    const form = $("signin-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      $("signin-error").textContent = "";
      $("signin-go").disabled = true;
      const result = await api("/app/api/sign-in", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ phone: $("signin-phone").value, otp: $("signin-otp").value }),
      });
      if (result.ok) {
        location.reload();
        return;
      }
      $("signin-go").disabled = false;
      $("signin-error").textContent = result.data.message || t("sign_in_failed");
    });
    return;
  }

  // --- tabs -----------------------------------------------------------------

  function showTab(name) {
    for (const tab of document.querySelectorAll(".tab")) {
      const active = tab.dataset.tab === name;
      tab.classList.toggle("active", active);
      if (active) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    for (const screen of document.querySelectorAll(".screen")) {
      screen.classList.toggle("active", screen.dataset.screen === name);
    }
    if (name === "wallet") loadWallet();
  }
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
  }

  $("sign-out").addEventListener("click", async () => {
    await api("/app/api/sign-out", { method: "POST" });
    location.reload();
  });

  // --- wallet ---------------------------------------------------------------

  function drawChart(days) {
    const box = $("spending-chart");
    box.textContent = "";
    const width = 340, height = 130, top = 16, base = 108, gap = 12;
    const barWidth = (width - gap * (days.length + 1)) / days.length;
    const max = Math.max(1, ...days.map((d) => d.fils));
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none" });
    chart.append(svg("line", { x1: 0, x2: width, y1: base + 0.5, y2: base + 0.5, stroke: "#e3e7ec" }));
    days.forEach((day, index) => {
      const x = gap + index * (barWidth + gap);
      const h = day.fils > 0 ? Math.max(4, Math.round(((base - top) * day.fils) / max)) : 3;
      const last = index === days.length - 1;
      const bar = svg("rect", {
        x, y: base - h, width: barWidth, height: h, rx: 5,
        class: "bar" + (day.fils === 0 ? " zero" : "") + (last ? " today" : ""),
        "data-date": day.date, "data-fils": day.fils,
      });
      const title = svg("title", {});
      title.textContent = `${day.date}: ${day.text}`;
      bar.append(title);
      chart.append(bar);
      const label = svg("text", { x: x + barWidth / 2, y: base + 16, "text-anchor": "middle" });
      label.textContent = last ? t("today") : day.label;
      chart.append(label);
      if (day.fils > 0) {
        const value = svg("text", { x: x + barWidth / 2, y: base - h - 4, "text-anchor": "middle", class: "value" });
        value.textContent = String(Math.round(day.fils / 100));
        chart.append(value);
      }
    });
    box.append(chart);
    const total = days.reduce((sum, d) => sum + d.fils, 0);
    $("spending-total").textContent = "AED " + (total / 100).toLocaleString("en-US",
      { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function drawHistory(items) {
    const list = $("wallet-history");
    list.textContent = "";
    if (!items.length) {
      list.append(el("li", { className: "muted", text: t("no_payments") }));
      return;
    }
    for (const item of items) {
      const incoming = !item.amountText.startsWith("-");
      const label = item.kind === "FUNDING" ? t("top_up") : item.memo || item.kind;
      list.append(el("li", { "data-order-no": item.orderNo || "" },
        el("span", { className: "icon" + (incoming ? " in" : ""), text: incoming ? "+" : label.charAt(0).toUpperCase() }),
        el("span", { className: "what" },
          el("strong", { text: label }),
          el("span", { text: item.timeText, title: item.orderNo ? "Order " + item.orderNo : "" })),
        el("span", { className: "amount" + (incoming ? " in" : ""),
          text: (incoming ? "+" : "") + item.amountText })));
    }
  }

  let walletLoading = null;
  function loadWallet() {
    if (walletLoading) return walletLoading;
    walletLoading = (async () => {
      const result = await api("/app/api/wallet");
      walletLoading = null;
      if (result.status === 401) { location.reload(); return; }
      if (!result.ok) { toast(result.data.message || t("wallet_failed"), "error"); return; }
      const wallet = result.data;
      $("wallet-name").textContent = wallet.name;
      $("wallet-balance").textContent = wallet.balanceText;
      $("wallet-balance").dataset.fils = String(Math.round(Number(wallet.balance.amount) * 100));
      drawChart(wallet.spending);
      drawHistory(wallet.history);
      phone.dataset.walletLoads = String(Number(phone.dataset.walletLoads || 0) + 1);
    })();
    return walletLoading;
  }
  $("wallet-refresh").addEventListener("click", () => loadWallet());
  loadWallet();

  // --- checkout sheet ---------------------------------------------------------

  const sheet = $("checkout");
  const sheetFrame = $("checkout-frame");
  let checkout = null; // {resolve, orderNo}

  /** The tokenUrl when it is this gateway's checkout link, as a same-origin URL; else null. */
  function localCheckoutUrl(tokenUrl) {
    if (typeof tokenUrl !== "string" || tokenUrl.length > 2048) return null;
    let url;
    try { url = new URL(tokenUrl); } catch (err) { return null; }
    const origins = [location.origin, phone.dataset.publicOrigin];
    if (!origins.includes(url.origin) || url.pathname !== CHECKOUT_PATH) return null;
    if (!url.searchParams.get("ft")) return null;
    if (LANG === "ar") url.searchParams.set("lang", "ar");  // the checkout in the app's language
    return location.origin + url.pathname + url.search;
  }

  function finishCheckout(result, orderNo) {
    if (!checkout) return;
    const done = checkout;
    checkout = null;
    sheet.hidden = true;
    $("checkout-backdrop").hidden = true;
    sheetFrame.src = "about:blank";
    done.resolve({ result, orderNo: orderNo || null });
    loadWallet();
  }

  /** Opens the checkout over everything; resolves {result, orderNo}. */
  function openCheckout(localUrl) {
    if (checkout) return Promise.resolve({ result: "PAYMENT_FAILED", orderNo: null, busy: true });
    return new Promise((resolve) => {
      checkout = { resolve };
      sheetFrame.src = localUrl;
      $("checkout-backdrop").hidden = false;
      sheet.hidden = false;
    });
  }

  /** Closing by hand cancels, unless the checkout already said how it ended. */
  function closeCheckout() {
    if (!checkout) return;
    const known = checkout.final;
    finishCheckout(known ? known.result : "CANCELLED", known ? known.orderNo : null);
  }
  $("checkout-close").addEventListener("click", closeCheckout);
  $("checkout-backdrop").addEventListener("click", closeCheckout);

  function resultText(outcome) {
    if (outcome.result === "PAYMENT_SUCCESS") return [t("paid"), "ok"];
    if (outcome.result === "CANCELLED") return [t("left"), ""];  // the order itself stays open
    return [t("not_paid"), "error"];
  }

  // --- scan -----------------------------------------------------------------

  function scanStatus(message, kind) {
    const status = $("scan-status");
    status.textContent = message;
    status.className = "scan-status " + (kind || "");
  }

  async function payScanned(form) {
    scanStatus(t("reading"), "");
    const result = await api("/app/api/scan", { method: "POST", body: form });
    if (!result.ok) {
      scanStatus(result.data.message || t("cannot_pay"), "error");
      return;
    }
    const localUrl = localCheckoutUrl(result.data.tokenUrl);
    if (!localUrl) { scanStatus(t("not_botim"), "error"); return; }
    scanStatus(`${result.data.merchant}: ${result.data.amountText}`, "");
    const outcome = await openCheckout(localUrl);
    const [message, kind] = resultText(outcome);
    const paid = outcome.result === "PAYMENT_SUCCESS";
    scanStatus(paid ? t("you_paid", { message, amount: result.data.amountText, merchant: result.data.merchant }) : message, kind);
    phone.dataset.lastResult = outcome.result;
    toast(message, kind);
  }

  $("scan-file").addEventListener("change", () => {
    const file = $("scan-file").files[0];
    if (!file) return;
    const form = new FormData();
    form.append("image", file);
    $("scan-file").value = "";
    payScanned(form);
  });
  $("scan-paste-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("scan-text").value.trim();
    if (!text) { scanStatus(t("paste_first"), "error"); return; }
    const form = new FormData();
    form.append("text", text);
    payScanned(form);
  });

  // --- open: the merchant webview ----------------------------------------------

  const webview = $("webview");
  let webviewOrigin = null;

  function normaliseUrl(text) {
    let value = text.trim();
    if (!value) return null;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(value)) value = "https://" + value;
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url : null;
    } catch (err) {
      return null;
    }
  }

  function openWebview(text) {
    const url = normaliseUrl(text);
    if (!url) { toast(t("bad_address"), "error"); return; }
    webviewOrigin = url.origin;
    webview.src = url.href;
    $("webview-address").textContent = url.host + url.pathname;
    $("open-start").hidden = true;
    $("webview-wrap").hidden = false;
    showTab("open");
  }

  function closeWebview() {
    webviewOrigin = null;
    webview.src = "about:blank";
    $("webview-wrap").hidden = true;
    $("open-start").hidden = false;
  }

  function sayHello() {
    if (!webviewOrigin || !webview.contentWindow) return;
    webview.contentWindow.postMessage({ type: "botimpay:hello", version: 1 }, webviewOrigin);
  }

  $("open-form").addEventListener("submit", (event) => {
    event.preventDefault();
    openWebview($("open-url").value);
  });
  const demo = $("open-demo");
  if (demo) demo.addEventListener("click", () => openWebview(demo.dataset.url));
  $("webview-close").addEventListener("click", closeWebview);
  $("webview-reload").addEventListener("click", () => { if (webviewOrigin) webview.src = webview.src; });
  webview.addEventListener("load", sayHello);

  async function bridgePay(message, reply) {
    const id = message.id;
    if ((typeof id !== "string" && typeof id !== "number") || String(id).length > 64) return;
    const localUrl = localCheckoutUrl(message.tokenUrl);
    if (!localUrl) {
      reply({ type: "botimpay:pay-result", id, result: "PAYMENT_FAILED", orderNo: null,
        message: "tokenUrl is not a checkout link of this Botim Money gateway" });
      return;
    }
    const outcome = await openCheckout(localUrl);
    reply({ type: "botimpay:pay-result", id, result: outcome.result, orderNo: outcome.orderNo });
    const [text, kind] = resultText(outcome);
    toast(text, kind);
  }

  // --- one listener for the bridge and the checkout ------------------------------

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string") return;

    if (event.source === sheetFrame.contentWindow && event.origin === location.origin) {
      if (data.type === "botimpay:checkout-result" && RESULTS.includes(data.result)
          && checkout && !checkout.final) {
        const orderNo = typeof data.orderNo === "string" ? data.orderNo : null;
        const current = checkout;
        current.final = { result: data.result, orderNo };
        // let the customer see the result page for a moment
        setTimeout(() => { if (checkout === current) finishCheckout(data.result, orderNo); }, 700);
      }
      return;
    }

    if (event.source !== webview.contentWindow || !webviewOrigin || event.origin !== webviewOrigin) {
      return;
    }
    const origin = webviewOrigin;
    const source = event.source;
    const reply = (answer) => source.postMessage(answer, origin);
    if (data.type === "botimpay:ready") sayHello();
    else if (data.type === "botimpay:pay") bridgePay(data, reply);
  });
})();
