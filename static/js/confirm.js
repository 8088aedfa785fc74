// «Bekreft neste 20»: after an answer the page opens at #input-N (the next input); put the keyboard
// focus on its first button, so Enter accepts and Tab reaches the theme list, "Rett" and "Hopp over".
// The browser moves focus to the fragment itself once the page has loaded, so this runs after that.
(() => {
  const id = decodeURIComponent(window.location.hash.slice(1));
  if (!id) return;
  function focusTarget() {
    const target = document.getElementById(id);
    if (!target || !target.matches("article")) return;
    const control = target.querySelector("button:not([disabled])") || target.querySelector("select, a[href]");
    if (control) control.focus();
  }
  const later = () => setTimeout(focusTarget, 0);
  if (document.readyState === "complete") later();
  else window.addEventListener("load", later, { once: true });
})();
