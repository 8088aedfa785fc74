// «Bekreft neste 20»: after an answer the page opens at #input-N (the next input); put the keyboard
// focus on its first button, so Enter accepts and Tab reaches "Rett" and "Hopp over".
(() => {
  const id = decodeURIComponent(window.location.hash.slice(1));
  if (!id) return;
  const target = document.getElementById(id);
  if (!target) return;
  const button = target.querySelector("button:not([disabled]), select, a[href]");
  (button || target).focus({ preventScroll: false });
})();
