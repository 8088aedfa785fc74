// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen readers announce the errors.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();

  // A table that scrolls sideways on a narrow screen must be reachable by keyboard (WCAG 2.1.1).
  const markScrollable = () => {
    document.querySelectorAll(".table-wrap").forEach((wrap) => {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (!wrap.hasAttribute("tabindex")) wrap.setAttribute("tabindex", "0");
        if (!wrap.hasAttribute("role")) wrap.setAttribute("role", "region");
        const caption = wrap.querySelector("caption");
        if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby") && caption) {
          wrap.setAttribute("aria-label", caption.textContent.trim());
        }
      }
    });
  };
  markScrollable();
  window.addEventListener("resize", markScrollable);

  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Back at the row a reviewer acted on (#input-N): focus it, and keep the message in view.
  const id = decodeURIComponent(window.location.hash.slice(1));
  const row = id.startsWith("input-") ? document.getElementById(id) : null;
  if (row) {
    const flashes = document.querySelector(".flash-list");
    if (flashes) {
      flashes.classList.add("flash-list--floating");
      const close = document.createElement("button");
      close.type = "button";
      close.className = "ds-button";
      close.dataset.variant = "tertiary";
      close.dataset.size = "sm";
      close.textContent = document.documentElement.dataset.closeLabel || "Lukk";
      close.addEventListener("click", () => flashes.remove());
      flashes.appendChild(close);
    }
    const first = row.querySelector("a[href], button, select, input");
    if (first && !summary) first.focus({ preventScroll: true });
  }

  // A double click sends a form once; the server's one-time key guards the rest.
  document.querySelectorAll("form[method=post]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (event.defaultPrevented) return;
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      setTimeout(() => { delete form.dataset.sent; }, 8000);
    });
  });

  // A copy button (data-copy="text"): copies, and says so to screen readers in its status element.
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.hidden = !navigator.clipboard;
    button.addEventListener("click", async () => {
      const status = document.getElementById(button.getAttribute("aria-describedby") || "");
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        if (status) status.textContent = button.dataset.copied || "";
      } catch (err) {
        if (status) status.textContent = button.dataset.failed || "";
      }
    });
  });
});
