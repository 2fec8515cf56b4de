/*
 * Copy buttons (the landing page, the console's Developers page): each copies the text
 * of the element its data-copy names (a snippet, the partner id) through the Clipboard
 * API, or by selecting the text and execCommand("copy") where that API is missing
 * (plain http on another host). A copied button has the class "copied" for 2 s.
 * An external file: the CSP allows no inline script.
 */
(() => {
  "use strict";

  const status = document.getElementById("copy-status");

  function selectText(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return selection;
  }

  async function copy(text, element) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    const selection = selectText(element);
    const done = document.execCommand("copy");
    selection.removeAllRanges();
    if (!done) throw new Error("copy refused");
  }

  function tell(button, label, message) {
    button.textContent = label;
    button.classList.toggle("copied", label === "Copied");
    if (status) status.textContent = message;
    clearTimeout(button.resetTimer);
    button.resetTimer = setTimeout(() => {
      button.textContent = "Copy";
      button.classList.remove("copied");
    }, 2000);
  }

  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const target = document.getElementById(button.dataset.copy);
      if (!target) return;
      try {
        await copy(target.textContent, target);
        tell(button, "Copied", "Copied to the clipboard.");
      } catch (error) {
        selectText(target);
        tell(button, "Select", "Copy was refused: the text is selected, press Ctrl+C.");
      }
    });
  });
})();
