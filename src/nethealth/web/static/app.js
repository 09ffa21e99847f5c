// Progressive enhancement only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Choosing an indicator reloads the map at once; the note tells the user so (WCAG 3.2.2).
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    const select = form.querySelector("select");
    const note = form.querySelector(".control-note");
    if (!select) continue;
    if (note) {
      note.hidden = false;
      select.setAttribute("aria-describedby", note.id);
    }
    select.addEventListener("change", () => {
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    });
  }
});

// Test your domain: while a scan runs, poll its job (the JSON API) and show the progress; open
// the report when it ends. Without JavaScript the page offers a link that shows it again.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-scan-poll]");
  if (!box) return;
  const done = box.querySelector("[data-scan-done]");
  const bar = box.querySelector("progress");
  const poll = async () => {
    try {
      const answer = await fetch(box.dataset.scanPoll, { headers: { Accept: "application/json" } });
      if (!answer.ok) {
        // A forgotten job (404): the page itself answers (it scans again or shows the report).
        if (answer.status === 404) window.location.assign(box.dataset.scanPage);
        else window.setTimeout(poll, 5000);
        return;
      }
      const job = await answer.json();
      if (done) done.textContent = String(job.progress.done);
      if (bar) bar.value = job.progress.done;
      if (job.state !== "running") {
        window.location.assign(box.dataset.scanPage);
        return;
      }
    } catch (_err) {
      // A lost poll is retried below; the link still works.
    }
    window.setTimeout(poll, 2000);
  };
  window.setTimeout(poll, 1000);
});
