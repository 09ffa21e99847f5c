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
