// Keeps a draft of long answer forms for this tab only (sessionStorage), so a reload or a lost network
// connection does not lose what was typed. The draft never holds name, e-mail or phone fields, is thrown
// away after a few hours, can be discarded with "Forkast utkast", and is cleared when the form is sent
// and on the receipt page. Drafts an older version left in localStorage are removed.
(function () {
  const PREFIX = "draft:";
  const MAX_AGE_MS = 4 * 60 * 60 * 1000; // a draft older than this is not brought back
  // Personal details are never written to the browser's storage, whatever the form calls them.
  const NEVER = ["respondent_name", "respondent_email", "email", "name", "phone", "website", "csrf_token", "submission_key"];
  const PRIVATE_AUTOCOMPLETE = /\b(name|given-name|family-name|email|tel|street-address|postal-code|bday)\b/;
  const store = (() => { try { return window.sessionStorage; } catch (e) { return null; } })();

  function forgetLegacy() {
    try {
      Object.keys(localStorage).filter((k) => k.startsWith(PREFIX)).forEach((k) => localStorage.removeItem(k));
    } catch (e) { /* storage blocked */ }
  }
  function remove(key) { try { if (store) store.removeItem(PREFIX + key); } catch (e) { /* blocked */ } }

  forgetLegacy();
  const clearKey = document.currentScript && document.currentScript.dataset.clear;
  // The receipt and the response page clear the drafts they name (space-separated): the new answer's and the edit's.
  if (clearKey) { clearKey.split(" ").forEach(remove); return; }

  document.querySelectorAll("form[data-autosave]").forEach((form) => {
    const key = form.dataset.autosave;
    const status = form.querySelector(".autosave-status");
    const discard = form.querySelector("[data-discard-draft]");
    const kept = (el) => el.name && !["hidden", "file", "submit", "password", "email", "tel"].includes(el.type)
      && !NEVER.includes(el.name) && !PRIVATE_AUTOCOMPLETE.test(el.getAttribute("autocomplete") || "");
    const fields = () => Array.from(form.elements).filter(kept);
    const say = (text) => { if (status && text) { status.hidden = false; status.textContent = text; } };

    let saved = null;
    try { saved = JSON.parse((store && store.getItem(PREFIX + key)) || "null"); } catch (e) { saved = null; }
    if (saved && (!saved.at || Date.now() - saved.at > MAX_AGE_MS || !saved.fields)) { remove(key); saved = null; }
    const serverHasText = fields().some((el) => (el.type === "text" || el.tagName === "TEXTAREA") && el.value.trim());
    if (saved && !serverHasText) {
      fields().forEach((el) => {
        if (!(el.name in saved.fields)) return;
        const value = saved.fields[el.name];
        if (el.type === "checkbox" || el.type === "radio") el.checked = value.includes(el.value);
        else el.value = value[0] || "";
        // A restored comment must be seen before it is sent: open the closed section that holds it.
        const box = el.closest("details");
        if (box && !box.open && (el.checked || ((el.type === "text" || el.tagName === "TEXTAREA") && el.value.trim()))) box.open = true;
      });
      // The notice comes from the page, in the reader's language.
      say(form.dataset.restored);
      if (discard) discard.hidden = false;
    }

    form.addEventListener("input", () => {
      const data = {};
      fields().forEach((el) => {
        data[el.name] = data[el.name] || [];
        if (el.type === "checkbox" || el.type === "radio") { if (el.checked) data[el.name].push(el.value); }
        else data[el.name].push(el.value);
      });
      try { if (store) store.setItem(PREFIX + key, JSON.stringify({ at: Date.now(), fields: data })); } catch (e) { /* full or blocked */ }
      if (discard) discard.hidden = false;
    });
    // Sent: the answer is on its way to the server, which gives the text back if anything is wrong.
    form.addEventListener("submit", () => remove(key));
    if (discard) {
      discard.addEventListener("click", () => {
        remove(key);
        form.reset();
        discard.hidden = true;
        say(form.dataset.discarded);
      });
    }
  });
})();
