// Workshop note capture: Enter saves and clears, focus stays in the field. Notes wait in this browser's
// localStorage until the server has them (each with an id made here, so a note sent twice is stored once),
// and the list polls for other facilitators' notes. The page works as a plain form without this script.
// A note the server refuses is never thrown away: it stays under "Ikke lagret" with its text and the reason,
// can be corrected or moved to another question and sent again. After the person logs in again (in another
// tab) a fresh form token is fetched, so sending goes on without reloading the page.
(function () {
  "use strict";
  const form = document.getElementById("capture-form");
  if (!form) return;

  const msgs = JSON.parse(form.dataset.messages || "{}");
  let csrf = form.dataset.csrf;
  const tokenUrl = form.dataset.tokenUrl;
  const notesUrl = form.dataset.notesUrl;
  const createUrl = form.getAttribute("action");
  // Per activity and person: notes typed by one facilitator are never sent in the name of another.
  const queueKey = "capture-queue:" + form.dataset.activity + ":" + form.dataset.user;
  const prefsKey = "capture-prefs:" + form.dataset.activity;
  const refusedKey = "capture-refused:" + form.dataset.activity + ":" + form.dataset.user;
  const list = document.getElementById("note-list");
  const status = document.getElementById("queue-status");
  const statusBox = status.closest(".capture-status") || status;
  const refusedBox = document.getElementById("refused-notes");
  const refusedList = document.getElementById("refused-list");
  const nextTableButton = document.getElementById("next-table");
  const announcer = document.getElementById("capture-announce");
  const alertBox = document.getElementById("capture-alert");
  const text = form.querySelector("#text");
  const table = form.querySelector("#table_label");
  const group = form.querySelector("#group_id");
  const prompt = form.querySelector("#prompt_id");
  const POLL_MS = 3000;
  const RETRY_MS = 5000;
  const SEND_TIMEOUT_MS = 20000; // a send without an answer by then counts as "the server does not answer"

  const notes = new Map(); // server id -> note as the server sent it
  let cursor = form.dataset.cursor || null;
  let sending = false;
  let problem = ""; // "offline", "server" or "login" while notes cannot be sent

  // --- storage ------------------------------------------------------------------------------------

  function readJSON(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key) || "null") || fallback; } catch (e) { return fallback; }
  }
  function writeJSON(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode or full: the queue stays in memory */ }
  }
  let queue = readJSON(queueKey, []);
  function saveQueue() { writeJSON(queueKey, queue); }
  let refused = readJSON(refusedKey, []);
  function saveRefused() { writeJSON(refusedKey, refused); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // crypto.randomUUID needs a secure context; make a version 4 UUID by hand on plain http.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function fmt(template, n) { return (template || "").replace("{n}", String(n)); }

  // --- messages -----------------------------------------------------------------------------------

  function say(message) {
    // Clear first so the same words are announced again.
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = message; }, 50);
  }

  function showAlert(message) {
    const p = document.createElement("p");
    p.className = "ds-paragraph";
    p.textContent = message;
    const box = document.createElement("div");
    box.className = "ds-alert";
    box.dataset.color = "danger";
    box.appendChild(p);
    alertBox.replaceChildren(box);
  }

  function updateStatus() {
    // "Lagret" only when nothing waits and nothing was refused; otherwise say what waits and why.
    const n = queue.length;
    const r = refused.length;
    const parts = [];
    let state = "saved";
    if (n) {
      const cause = problem || (navigator.onLine ? "" : "offline");
      if (!cause) {
        state = "sending";
        parts.push(n === 1 ? msgs.sending_one : fmt(msgs.sending_many, n));
      } else {
        state = cause;
        parts.push(n === 1 ? msgs.waiting_one : fmt(msgs.waiting_many, n));
        parts.push(msgs[cause]);
      }
    }
    if (r) {
      if (!n) state = "refused";
      parts.push(r === 1 ? msgs.refused_one : fmt(msgs.refused_many, r));
    }
    const message = parts.length ? parts.join(" ") : msgs.all_sent;
    if (status.textContent !== message) status.textContent = message;
    status.dataset.waiting = String(n);
    status.dataset.refused = String(r);
    status.dataset.state = state;
    statusBox.dataset.state = state;
  }

  // --- the list -----------------------------------------------------------------------------------

  function el(tag, className, textContent) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (textContent !== undefined) node.textContent = textContent;
    return node;
  }

  function short(s) { return s.length > 40 ? s.slice(0, 39) + "…" : s; }

  // A stored note knows the language it was written in; where that is not the page's, it is marked
  // (WCAG 3.1.2), so that a screen reader reads it with the right voice.
  const pageLang = (document.documentElement.lang || "").slice(0, 2);
  function written(node, lang) {
    if (lang && lang !== pageLang) node.lang = lang;
    return node;
  }

  function quoted(n) {
    const label = el("span", "sr-only", " " + msgs.note + " «");
    label.appendChild(written(el("span", "", short(n.text)), n.lang));
    label.appendChild(document.createTextNode("»"));
    return label;
  }

  function noteItem(n, pending) {
    const li = el("li", "ds-card note" + (pending ? " note--pending" : ""));
    li.dataset.key = pending ? "c:" + n.client_id : "s:" + n.id;
    li.appendChild(written(el("p", "ds-paragraph note__text", n.text), n.lang));
    const parts = [n.table || msgs.no_table, n.group, n.prompt, n.time, n.author].filter(Boolean);
    if (pending) parts.push(msgs.pending);
    const meta = el("p", "ds-paragraph meta", parts.join(" · "));
    meta.dataset.size = "sm";
    li.appendChild(meta);
    if (!pending && n.can_change) {
      const actions = el("div", "actions");
      const edit = el("a", "ds-link", msgs.edit);
      edit.href = n.edit_url;
      edit.dataset.action = "edit";
      edit.appendChild(quoted(n));
      const remove = el("button", "ds-button", msgs.delete);
      remove.type = "button";
      remove.dataset.variant = "tertiary";
      remove.dataset.size = "sm";
      remove.dataset.action = "delete";
      remove.appendChild(quoted(n));
      remove.addEventListener("click", () => deleteNote(n));
      actions.append(edit, remove);
      li.appendChild(actions);
    }
    return li;
  }

  function render() {
    // Keep focus on the same control of the same note when the list is rebuilt.
    const active = document.activeElement;
    let restore = null;
    if (active && list.contains(active) && active.closest("li")) {
      restore = { key: active.closest("li").dataset.key, action: active.dataset.action };
    }
    const stored = Array.from(notes.values()).sort((a, b) => (b.created.localeCompare(a.created)) || (b.id - a.id));
    const known = new Set(stored.map((n) => n.client_id).filter(Boolean));
    const items = [];
    queue.slice().reverse().forEach((q) => { if (!known.has(q.client_id)) items.push(noteItem(q, true)); });
    stored.forEach((n) => items.push(noteItem(n, false)));
    if (!items.length) items.push(el("li", "meta", msgs.empty));
    list.replaceChildren(...items);
    if (restore) {
      const li = list.querySelector('li[data-key="' + restore.key + '"]');
      const target = li && li.querySelector('[data-action="' + restore.action + '"]');
      if (target) target.focus();
      else text.focus();
    }
  }

  // --- sending ------------------------------------------------------------------------------------

  function isJSON(res) { return (res.headers.get("content-type") || "").indexOf("application/json") !== -1; }

  async function refreshToken() {
    // After a new login (in another tab) the old form token no longer fits the session: ask for a new one.
    try {
      const res = await fetch(tokenUrl, { credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" } });
      if (!res.ok || !isJSON(res)) return false;
      const data = await res.json();
      if (!data.token) return false;
      csrf = data.token;
      return true;
    } catch (e) {
      return false;
    }
  }

  async function post(item) {
    const controller = window.AbortController ? new AbortController() : null;
    const timer = controller ? window.setTimeout(() => controller.abort(), SEND_TIMEOUT_MS) : null;
    try {
      return await fetch(createUrl, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        signal: controller ? controller.signal : undefined,
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({
          client_id: item.client_id, text: item.text, table: item.table,
          group_id: item.group_id, prompt_id: item.prompt_id,
        }),
      });
    } finally {
      if (timer) window.clearTimeout(timer);
    }
  }

  function refuse(item, reason) {
    item.reason = reason;
    refused.push(item);
    saveRefused();
    renderRefused();
  }

  async function flush() {
    if (sending) return;
    sending = true;
    updateStatus();
    let tokenTried = false;
    try {
      while (queue.length) {
        const item = queue[0];
        if (problem === "login" && !tokenTried) {
          tokenTried = true;
          if (!(await refreshToken())) break; // still logged out: wait for the next try
        }
        let res;
        try {
          res = await post(item);
        } catch (e) {
          // No answer: either this machine is offline, or the server is down or too slow.
          problem = navigator.onLine ? "server" : "offline";
          break;
        }
        const loggedOut = res.type === "opaqueredirect" || res.status === 401 || (res.ok && !isJSON(res));
        const badToken = res.status === 400 && !isJSON(res); // the form token is stale (a new login)
        if (loggedOut || badToken) {
          problem = "login";
          if (!tokenTried) {
            tokenTried = true;
            if (await refreshToken()) continue; // logged in again meanwhile: send with the new token
          }
          break;
        }
        if (res.ok) {
          const data = await res.json();
          queue.shift();
          saveQueue();
          notes.set(data.note.id, data.note);
          problem = "";
          tokenTried = false;
          say(msgs.saved);
          continue;
        }
        if ((res.status === 400 || res.status === 403 || res.status === 404) && isJSON(res)) {
          const data = await res.json();
          queue.shift();
          saveQueue();
          refuse(item, data.error || "");
          problem = "";
          showAlert(msgs.rejected + " «" + short(item.text) + "» " + (data.error || ""));
          continue;
        }
        problem = "server"; // 5xx, a proxy's error page: the server is not answering properly
        break;
      }
    } finally {
      sending = false;
      render();
      updateStatus();
    }
  }

  // --- refused notes: kept with their text and reason, corrected and sent again -------------------

  function renderRefused() {
    refusedBox.hidden = refused.length === 0;
    const items = refused.map((item) => {
      const li = el("li", "ds-card note note--refused");
      li.dataset.key = "r:" + item.client_id;
      const reason = el("p", "ds-paragraph", msgs.reason + " " + (item.reason || ""));
      reason.id = "refused-reason-" + item.client_id;
      li.appendChild(reason);
      const textField = el("div", "ds-field");
      const textLabel = el("label", "ds-label", msgs.refused_text);
      const area = el("textarea", "ds-input");
      area.id = "refused-text-" + item.client_id;
      area.rows = 3;
      area.maxLength = 5000;
      area.value = item.text;
      area.setAttribute("aria-describedby", reason.id);
      area.addEventListener("input", () => { item.text = area.value; saveRefused(); });
      textLabel.htmlFor = area.id;
      textField.append(textLabel, area);
      li.appendChild(textField);
      if (prompt) {
        const promptField = el("div", "ds-field");
        const promptLabel = el("label", "ds-label", msgs.refused_prompt);
        const select = prompt.cloneNode(true);
        select.id = "refused-prompt-" + item.client_id;
        select.removeAttribute("name");
        select.value = String(item.prompt_id || 0);
        if (select.value !== String(item.prompt_id || 0)) select.value = "0"; // the question is gone
        select.addEventListener("change", () => {
          item.prompt_id = Number(select.value) || null;
          item.prompt = selectedText(select);
          saveRefused();
        });
        promptLabel.htmlFor = select.id;
        promptField.append(promptLabel, select);
        li.appendChild(promptField);
      }
      const actions = el("div", "actions");
      const again = el("button", "ds-button", msgs.resend);
      again.type = "button";
      again.dataset.variant = "primary";
      again.dataset.action = "resend";
      again.addEventListener("click", () => resend(item));
      const drop = el("button", "ds-button", msgs.discard);
      drop.type = "button";
      drop.dataset.variant = "tertiary";
      drop.dataset.action = "discard";
      drop.addEventListener("click", () => {
        if (!window.confirm(msgs.confirm_discard)) return;
        refused = refused.filter((r) => r !== item);
        saveRefused();
        renderRefused();
        updateStatus();
        text.focus();
      });
      actions.append(again, drop);
      li.appendChild(actions);
      return li;
    });
    refusedList.replaceChildren(...items);
  }

  function resend(item) {
    const value = (item.text || "").trim();
    const area = document.getElementById("refused-text-" + item.client_id);
    if (!value) { if (area) area.focus(); return; }
    refused = refused.filter((r) => r !== item);
    saveRefused();
    delete item.reason;
    item.text = value;
    queue.push(item);
    saveQueue();
    renderRefused();
    alertBox.replaceChildren();
    render();
    updateStatus();
    say(msgs.back_in_queue);
    text.focus();
    flush();
  }

  async function deleteNote(n) {
    if (!window.confirm(msgs.confirm_delete)) return;
    try {
      const res = await fetch(n.delete_url, {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: { "Accept": "application/json", "X-CSRFToken": csrf },
      });
      if (res.ok && isJSON(res)) {
        notes.delete(n.id);
        text.focus();
        render();
        say(msgs.deleted);
        return;
      }
      const data = isJSON(res) ? await res.json() : {};
      showAlert(data.error || msgs.offline);
    } catch (e) {
      showAlert(msgs.offline);
    }
  }

  // --- polling ------------------------------------------------------------------------------------

  function merge(data, announce) {
    let fresh = 0;
    data.notes.forEach((n) => {
      if (announce && !notes.has(n.id) && !n.mine) fresh += 1;
      notes.set(n.id, n);
    });
    if (data.ids) {
      const live = new Set(data.ids);
      Array.from(notes.keys()).forEach((id) => { if (!live.has(id)) notes.delete(id); });
    }
    if (data.cursor) cursor = data.cursor;
    return fresh;
  }

  async function poll() {
    if (document.hidden) return;
    try {
      const url = notesUrl + (cursor ? "?since=" + encodeURIComponent(cursor) : "");
      const res = await fetch(url, { credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" } });
      if (!res.ok || !isJSON(res)) return;
      const fresh = merge(await res.json(), true);
      render();
      if (fresh) say(fresh === 1 ? msgs.new_one : fmt(msgs.new_many, fresh));
    } catch (e) { /* offline: try again at the next tick */ }
  }

  // --- the form -----------------------------------------------------------------------------------

  function selectedText(select) {
    return select && select.value && select.value !== "0" ? select.options[select.selectedIndex].text : "";
  }

  function savePrefs() {
    writeJSON(prefsKey, { table: table.value, group: group.value, prompt: prompt.value });
  }

  function restorePrefs() {
    const prefs = readJSON(prefsKey, null);
    if (!prefs) return;
    if (prefs.table !== undefined && !table.value) table.value = prefs.table;
    [[group, prefs.group], [prompt, prefs.prompt]].forEach(([select, value]) => {
      if (select && value !== undefined && Array.from(select.options).some((o) => o.value === value)) select.value = value;
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value) { text.focus(); return; }
    const now = new Date();
    queue.push({
      client_id: uuid(), text: value, table: table.value.trim(),
      group_id: Number(group.value) || null, prompt_id: Number(prompt.value) || null,
      group: selectedText(group), prompt: selectedText(prompt),
      time: String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0"),
    });
    saveQueue();
    updateStatus(); // "sendes …" at once: never "lagret" while a note waits
    text.value = "";
    text.focus();
    alertBox.replaceChildren();
    render();
    if (!navigator.onLine) { problem = "offline"; updateStatus(); say(msgs.queued); }
    flush();
  });
  [table, group, prompt].forEach((field) => field && field.addEventListener("change", savePrefs));

  // Enter saves the note, Shift+Enter makes a new line in it.
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  // Alt+N (or the button) goes to the next table: "Bord 3" becomes "Bord 4".
  function nextTable() {
    const current = table.value.trim();
    const options = Array.from(document.querySelectorAll("#table-options option")).map((o) => o.value);
    let next;
    const match = current.match(/^(.*?)(\d+)\s*$/);
    if (match) next = match[1] + String(Number(match[2]) + 1);
    else if (current && options.indexOf(current) !== -1) next = options[(options.indexOf(current) + 1) % options.length];
    else next = options[0] || "Bord 1";
    table.value = next;
    savePrefs();
    say(msgs.next_table.replace("{t}", next));
  }
  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.key === "n" || event.key === "N" || event.code === "KeyN")) {
      event.preventDefault();
      nextTable();
    }
  });
  if (nextTableButton) {
    nextTableButton.hidden = false;
    nextTableButton.addEventListener("click", () => { nextTable(); text.focus(); });
  }
  document.querySelectorAll("[data-js-only]").forEach((node) => { node.hidden = false; });

  window.addEventListener("online", () => { problem = ""; flush(); });
  window.addEventListener("offline", () => { problem = "offline"; updateStatus(); });
  window.addEventListener("focus", () => { if (queue.length) flush(); }); // back from logging in in another tab
  document.addEventListener("visibilitychange", () => { if (!document.hidden) { poll(); flush(); } });

  // Start from the notes the page came with, then keep up.
  merge({ notes: JSON.parse(form.dataset.initial || "[]") }, false);
  restorePrefs();
  render();
  renderRefused();
  updateStatus();
  flush();
  window.setInterval(poll, POLL_MS);
  window.setInterval(() => { if (queue.length) flush(); }, RETRY_MS);
})();
