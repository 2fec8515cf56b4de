/*
 * The console order page's buttons ask with confirm() instead of the server's
 * confirmation page: OK sends the form with confirmed=yes; Cancel sends nothing.
 * Without this script each form still works, through the confirmation page.
 */
(() => {
  "use strict";

  function question(form) {
    let text = form.dataset.confirm || "Are you sure?";
    if (text.includes("{amount}")) {
      const field = form.querySelector('input[name="amount"]');
      const amount = field && field.value.trim();
      text = text.replace("{amount}", amount ? `AED ${amount}` : form.dataset.all || "all");
    }
    return text;
  }

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const confirmed = form.querySelector('input[name="confirmed"]');
      if (!confirmed) {
        return;
      }
      if (window.confirm(question(form))) {
        confirmed.value = "yes";
      } else {
        event.preventDefault();
      }
    });
  });
})();
