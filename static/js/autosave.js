// Keeps a local draft of long forms in this browser, so nothing typed is lost if the page is closed
// or the network fails; the receipt page clears it.
(function () {
  const clearKey = document.currentScript && document.currentScript.dataset.clear;
  // The receipt and the response page clear the drafts they name (space-separated): the new answer's and the edit's.
  if (clearKey) { try { clearKey.split(" ").forEach((k) => localStorage.removeItem("draft:" + k)); } catch (e) { /* private mode */ } return; }
  document.querySelectorAll("form[data-autosave]").forEach((form) => {
    const key = "draft:" + form.dataset.autosave;
    const status = form.querySelector(".autosave-status");
    const fields = () => Array.from(form.elements).filter((el) => el.name && !["hidden", "file", "submit"].includes(el.type) && el.name !== "website");
    let saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    const serverHasText = fields().some((el) => (el.type === "text" || el.tagName === "TEXTAREA") && el.value.trim());
    if (saved && !serverHasText) {
      fields().forEach((el) => {
        if (!(el.name in saved)) return;
        if (el.type === "checkbox" || el.type === "radio") el.checked = saved[el.name].includes(el.value);
        else el.value = saved[el.name][0] || "";
        // A restored comment must be seen before it is sent: open the closed section that holds it.
        const box = el.closest("details");
        if (box && !box.open && (el.checked || ((el.type === "text" || el.tagName === "TEXTAREA") && el.value.trim()))) box.open = true;
      });
      // The notice comes from the page, in the reader's language.
      if (status && form.dataset.restored) { status.hidden = false; status.textContent = form.dataset.restored; }
    }
    form.addEventListener("input", () => {
      const data = {};
      fields().forEach((el) => {
        data[el.name] = data[el.name] || [];
        if ((el.type === "checkbox" || el.type === "radio")) { if (el.checked) data[el.name].push(el.value); }
        else data[el.name].push(el.value);
      });
      try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full or blocked */ }
    });
  });
})();
