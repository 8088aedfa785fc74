// Progress of a background job: poll the JSON status and update the <progress> bar and its text.
// Without JavaScript the page has an "Oppdater" link instead.
(() => {
  const box = document.querySelector("[data-job-status]");
  if (!box) return;
  const url = box.dataset.jobStatus;
  const bar = box.querySelector("progress");
  const percent = box.querySelector("[data-job-percent]");
  const message = box.querySelector("[data-job-message]");
  const label = box.querySelector("[data-job-label]");
  let delay = 1500;

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (bar) { bar.value = data.progress; bar.textContent = `${data.progress} %`; }
      if (percent) percent.textContent = data.progress;
      if (message && data.message) message.textContent = data.message;
      if (label) label.textContent = data.status_label;
      if (data.finished) {
        // a page that is itself the file's link shows the link instead of reloading (a reload would download it unseen)
        const ready = box.querySelector("[data-job-ready]");
        if (ready && data.status === "done") { ready.hidden = false; ready.querySelector("a")?.focus(); return; }
        window.location.reload();
        return;
      }
      delay = 1500;
    } catch (err) {
      delay = Math.min(delay * 2, 30000); // back off while the server is away
    }
    setTimeout(poll, delay);
  }
  setTimeout(poll, delay);
})();
