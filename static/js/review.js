// Themes board: drag an input's row onto another theme to move it there.
// Progressive enhancement only: the drop posts the row's own move form (the select and its
// "Flytt" button), which stays the keyboard way and works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const nav = document.querySelector("[data-drop-targets]");
  const rows = document.querySelectorAll("tr[data-move-row]");
  if (!nav || !rows.length) return;

  const hint = document.createElement("p");
  hint.className = "ds-paragraph meta";
  hint.textContent = nav.dataset.dropHint;
  nav.append(hint);

  rows.forEach((row) => {
    row.setAttribute("draggable", "true");
    row.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("text/plain", row.dataset.moveRow);
      event.dataTransfer.effectAllowed = "move";
      row.dataset.dragged = "1";
      nav.dataset.dragging = "1";
    });
    row.addEventListener("dragend", () => {
      delete row.dataset.dragged;
      delete nav.dataset.dragging;
    });
  });

  nav.querySelectorAll("[data-drop-theme]").forEach((target) => {
    target.addEventListener("dragover", (event) => {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      target.dataset.dragOver = "1";
    });
    target.addEventListener("dragleave", () => { delete target.dataset.dragOver; });
    target.addEventListener("drop", (event) => {
      event.preventDefault();
      delete target.dataset.dragOver;
      const form = document.getElementById(event.dataTransfer.getData("text/plain"));
      if (!form || !form.matches("form[id^='move-form-']")) return;
      const select = form.querySelector("select[name=theme_id]");
      select.value = target.dataset.dropTheme;
      if (select.value === target.dataset.dropTheme) form.requestSubmit();
    });
  });
});
