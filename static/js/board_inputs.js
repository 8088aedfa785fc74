// Board for many inputs: after an action the page comes back at "#input-N"; put the keyboard focus
// there too (the browser only scrolls). A "select all on this page" box appears with JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (target) {
    target.focus({ preventScroll: false });
  } else {
    const summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }
  const all = document.querySelector("[data-pick-page]");
  const boxes = document.querySelectorAll("input[data-pick]");
  if (all && boxes.length) {
    all.hidden = false;
    all.addEventListener("change", () => boxes.forEach((box) => { box.checked = all.checked; }));
  }
});
