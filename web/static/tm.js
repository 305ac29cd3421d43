// The TM page: edit or delete a unit from a search result, with the CSRF token and the unit's
// etag (a stale edit, 409, shows the unit as it is now). Stored text only via textContent.
"use strict";
(function () {
  const list = document.getElementById("tm-results");
  if (!list) return;
  const api = window.taiyaku.api;
  function say(text, isError) { window.taiyaku.toast(text, isError); }

  // Show the unit as stored (after a save, or the current state after a 409).
  function showUnit(li, unit) {
    li.dataset.etag = unit.etag;
    const form = li.querySelector("form");
    form.elements.ja.value = unit.ja;
    form.elements.en.value = unit.en;
    const source = li.querySelector(".source");
    const ja = source.classList.contains("ja");
    source.textContent = ja ? unit.ja : unit.en;
    li.querySelector(".unit-other").textContent = ja ? unit.en : unit.ja;
  }

  function toggle(li) {
    const form = li.querySelector("form");
    form.hidden = !form.hidden;
    li.querySelector('[data-act="edit"]').setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) form.elements.ja.focus(); else li.focus();
  }

  list.addEventListener("click", async function (ev) {
    const button = ev.target.closest("button[data-act]");
    if (!button) return;
    const li = button.closest("li.tm-hit");
    const act = button.dataset.act;
    if (act === "edit" || act === "cancel") { toggle(li); return; }
    if (act === "delete") {
      if (!window.confirm("Delete unit " + li.dataset.id + " from the TM?")) return;
      try {
        await api("DELETE", "/api/tm/units/" + li.dataset.id + "?etag=" +
                  encodeURIComponent(li.dataset.etag));
        say("Deleted unit " + li.dataset.id + ".");
        li.remove();
      } catch (e) {
        if (e.status === 409 && e.data && e.data.current) showUnit(li, e.data.current);
        say(e.message, true);
      }
    }
  });

  list.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const form = ev.target;
    const li = form.closest("li.tm-hit");
    const error = form.querySelector(".error");
    try {
      const change = await api("PATCH", "/api/tm/units/" + li.dataset.id, {
        ja: form.elements.ja.value, en: form.elements.en.value, etag: li.dataset.etag,
      });
      showUnit(li, Object.assign({}, change.after, { etag: change.etag }));
      error.hidden = true;
      toggle(li);
      say("Saved unit " + li.dataset.id + ".");
    } catch (e) {
      if (e.status === 409 && e.data && e.data.current) showUnit(li, e.data.current);
      error.hidden = false;
      error.textContent = e.message;
    }
  });
})();
