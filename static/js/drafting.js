// Drafts: drag a theme onto the focus areas to start a focus area from it.
// Progressive enhancement only: every theme also has its own button, which works by keyboard.
document.addEventListener("DOMContentLoaded", () => {
  const zone = document.querySelector("[data-theme-drop]");
  const themes = document.querySelectorAll("[data-theme-form]");
  if (!zone || !themes.length) return;

  const hint = document.createElement("p");
  hint.className = "ds-paragraph meta";
  hint.textContent = zone.dataset.themeDrop;
  zone.prepend(hint);

  themes.forEach((item) => {
    item.setAttribute("draggable", "true");
    item.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("text/plain", item.dataset.themeForm);
      event.dataTransfer.effectAllowed = "copy";
    });
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.dataset.dragOver = "1";
  });
  zone.addEventListener("dragleave", () => { delete zone.dataset.dragOver; });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    delete zone.dataset.dragOver;
    const form = document.getElementById(event.dataTransfer.getData("text/plain"));
    if (form && form.matches("form[data-theme-start]")) form.requestSubmit();
  });
});
