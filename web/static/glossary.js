// The glossary page: inline edits, approve/forbid one or many, merge, evidence, keyboard use.
// Every change goes through the JSON API with the CSRF token and the entry's etag; a stale
// edit (409) shows the entry as it is now. Stored text is only ever set with textContent.
"use strict";
(function () {
  const table = document.getElementById("terms");
  if (!table) return;
  const api = window.taiyaku.api;
  function say(text, isError) { window.taiyaku.toast(text, isError); }

  function rows() { return Array.from(table.querySelectorAll("tr.term")); }
  function rowOf(id) { return table.querySelector('tr.term[data-id="' + id + '"]'); }
  function extra(kind, id) { return table.querySelector("tr." + kind + '[data-for="' + id + '"]'); }

  function fillForms(cell, forms) {
    const suggested = cell.querySelector(".suggested");  // the machine's pairing stays shown
    cell.textContent = "";
    forms.forEach(function (f, i) {
      if (i) cell.appendChild(document.createTextNode(", "));
      const span = document.createElement("span");
      span.className = "form" + (f.status ? " form-" + f.status : "");
      span.textContent = f.text;
      if (f.reading) span.title = f.reading;
      cell.appendChild(span);
    });
    if (suggested) cell.appendChild(suggested);
  }

  // Show *entry* (API JSON with etag) in its row and reset its editor to it.
  function showEntry(entry) {
    const tr = rowOf(entry.id);
    if (!tr) return;
    tr.dataset.etag = entry.etag;
    tr.className = "term status-" + entry.status;
    tr.querySelector(".status").textContent = entry.status;
    tr.querySelector(".note").textContent = entry.note || "";
    fillForms(tr.querySelector(".ja"), entry.forms.filter(function (f) { return f.lang === "ja"; }));
    fillForms(tr.querySelector(".en"), entry.forms.filter(function (f) { return f.lang === "en"; }));
    const suggested = tr.querySelector(".suggested");
    if (suggested) suggested.hidden = entry.status !== "candidate";
    const form = extra("editor", entry.id).querySelector("form");
    form.elements.ja.value = entry.ja[0] || "";
    form.elements.en.value = entry.en[0] || "";
    form.elements.add_ja.value = "";
    form.elements.add_en.value = "";
    form.elements.note.value = entry.note || "";
    form.elements.definition.value = entry.definition || "";
    form.elements.status.value = entry.status;
    const remove = form.elements.remove;
    remove.textContent = "";
    const none = document.createElement("option");
    none.value = ""; none.textContent = "—";
    remove.appendChild(none);
    entry.forms.forEach(function (f) {
      const o = document.createElement("option");
      o.value = f.text; o.textContent = f.text;
      remove.appendChild(o);
    });
  }

  function selected() {
    return rows().filter(function (tr) { return tr.querySelector(".pick").checked; });
  }

  function updateCount() {
    document.getElementById("selected-count").textContent = selected().length + " selected";
  }

  async function setStatus(trs, status) {
    if (!trs.length) { say("Select terms first (x or the checkboxes).", true); return; }
    const ids = trs.map(function (tr) { return Number(tr.dataset.id); });
    const etags = {};
    trs.forEach(function (tr) { etags[tr.dataset.id] = tr.dataset.etag; });
    try {
      const entries = await api("POST", "/api/terms/status", { ids: ids, status: status, etags: etags });
      entries.forEach(showEntry);
      say(ids.length + " term" + (ids.length > 1 ? "s" : "") + " " + status + ".");
    } catch (e) {
      if (e.status === 409 && e.data && e.data.current) showEntry(e.data.current);
      say(e.message, true);
    }
  }

  function toggleExtra(tr, kind) {
    const row = extra(kind, tr.dataset.id);
    const button = tr.querySelector('[data-act="' + (kind === "editor" ? "edit" : "evidence") + '"]');
    row.hidden = !row.hidden;
    button.setAttribute("aria-expanded", String(!row.hidden));
    return row;
  }

  function openEditor(tr) {
    const row = extra("editor", tr.dataset.id);
    if (row.hidden) toggleExtra(tr, "editor");
    row.querySelector("input").focus();
  }

  function mark(text, spans) {
    const frag = document.createDocumentFragment();
    let last = 0;
    spans.forEach(function (s) {
      frag.appendChild(document.createTextNode(text.slice(last, s[0])));
      const m = document.createElement("mark");
      m.textContent = text.slice(s[0], s[1]);
      frag.appendChild(m);
      last = s[1];
    });
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  async function showEvidence(tr) {
    const row = toggleExtra(tr, "evidence");
    if (row.hidden) return;
    const box = row.querySelector(".evidence-body");
    box.textContent = "Loading…";
    let data;
    try { data = await api("GET", "/api/terms/" + tr.dataset.id + "/evidence"); }
    catch (e) { box.textContent = e.message; return; }
    box.textContent = "";
    const s = data.suggestion;
    if (s) {
      const p = document.createElement("p");
      p.className = "suggestion";
      p.textContent = "Suggested pairing: " + (s.en || "—") + " (" + (s.method || "?") +
        (s.confidence !== undefined ? ", confidence " + s.confidence : "") + ")";
      box.appendChild(p);
    }
    if (!data.lines.length) {
      const p = document.createElement("p");
      p.textContent = "No sentence in the TM holds this term.";
      box.appendChild(p);
      return;
    }
    const list = document.createElement("ol");
    list.className = "evidence-lines";
    data.lines.forEach(function (line) {
      const li = document.createElement("li");
      const ja = document.createElement("div");
      ja.className = "ja"; ja.appendChild(mark(line.ja, line.ja_spans));
      const en = document.createElement("div");
      en.className = "en"; en.appendChild(mark(line.en, line.en_spans));
      const doc = document.createElement("small");
      doc.textContent = line.document + " · unit " + line.unit_id;
      li.appendChild(ja); li.appendChild(en); li.appendChild(doc);
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  async function saveEdit(form) {
    const tr = rowOf(form.dataset.id);
    const el = form.elements;
    const error = form.querySelector(".error");
    const shown = {
      ja: (tr.querySelector(".ja .form") || {}).textContent || "",
      en: (tr.querySelector(".en .form") || {}).textContent || "",
      status: tr.querySelector(".status").textContent,
      note: tr.querySelector(".note").textContent,
    };
    const body = { etag: tr.dataset.etag };
    if (el.ja.value.trim() && el.ja.value !== shown.ja) body.ja = el.ja.value;
    if (el.en.value.trim() && el.en.value !== shown.en) body.en = el.en.value;
    if (el.add_ja.value.trim()) body.add_ja = [el.add_ja.value];
    if (el.add_en.value.trim()) body.add_en = [el.add_en.value];
    if (el.remove.value) body.remove = [el.remove.value];
    if (el.status.value !== shown.status) body.status = el.status.value;
    if (el.note.value !== shown.note) body.note = el.note.value;
    if (el.definition.value !== el.definition.defaultValue) body.definition = el.definition.value;
    if (Object.keys(body).length === 1) { error.hidden = false; error.textContent = "Nothing changed."; return; }
    try {
      const entry = await api("PATCH", "/api/terms/" + form.dataset.id, body);
      showEntry(entry);
      el.definition.defaultValue = entry.definition || "";
      error.hidden = true;
      toggleExtra(tr, "editor");
      tr.focus();
      say("Term " + entry.id + " saved.");
    } catch (e) {
      if (e.status === 409 && e.data && e.data.current) showEntry(e.data.current);
      error.hidden = false;
      error.textContent = e.message;
    }
  }

  table.addEventListener("click", function (ev) {
    const button = ev.target.closest("button[data-act]");
    if (!button) return;
    const editor = button.closest("tr.editor");
    const tr = editor ? rowOf(editor.dataset.for) : button.closest("tr.term");
    const act = button.dataset.act;
    if (act === "approved" || act === "forbidden") setStatus([tr], act);
    else if (act === "edit") { const row = toggleExtra(tr, "editor"); if (!row.hidden) row.querySelector("input").focus(); }
    else if (act === "evidence") showEvidence(tr);
    else if (act === "cancel") { toggleExtra(tr, "editor"); tr.focus(); }
  });

  table.addEventListener("submit", function (ev) {
    ev.preventDefault();
    saveEdit(ev.target);
  });

  table.addEventListener("change", function (ev) {
    if (ev.target.id === "select-all") {
      rows().forEach(function (tr) { tr.querySelector(".pick").checked = ev.target.checked; });
    }
    updateCount();
  });

  document.querySelectorAll("[data-bulk]").forEach(function (b) {
    b.addEventListener("click", function () { setStatus(selected(), b.dataset.bulk); });
  });
  document.querySelector("[data-merge]").addEventListener("click", async function () {
    const picked = selected();
    const ids = picked.map(function (tr) { return Number(tr.dataset.id); });
    if (ids.length < 2) { say("Select at least two terms to merge.", true); return; }
    // the etags as shown: a term changed in another tab meanwhile refuses the merge (409)
    const etags = {};
    picked.forEach(function (tr) { etags[tr.dataset.id] = tr.dataset.etag; });
    try {
      const merged = await api("POST", "/api/terms/merge", { ids: ids, etags: etags });
      say("Merged " + merged.merged.join(", ") + " into " + merged.id + ".");
      location.reload();
    } catch (e) {
      if (e.status === 409 && e.data && e.data.current) showEntry(e.data.current);
      say(e.message, true);
    }
  });

  // Keyboard: shortcuts act on the focused term row (a, f, c on the selection if any);
  // app.js ignores them while typing in a field and lists them under "?".
  function current(ev) { return ev.target.closest ? ev.target.closest("tr.term") : null; }
  function move(ev, step) {
    const all = rows();
    const at = all.indexOf(current(ev));
    const next = at < 0 ? all[step > 0 ? 0 : all.length - 1] : all[at + step];
    if (next) next.focus();
  }
  function decide(status) {
    return function (ev) {
      const picked = selected();
      const tr = current(ev);
      setStatus(picked.length ? picked : (tr ? [tr] : []), status);
    };
  }
  function toggleSelect(ev) {
    const tr = current(ev);
    if (tr) { const p = tr.querySelector(".pick"); p.checked = !p.checked; updateCount(); }
  }
  window.taiyaku.shortcuts([
    { key: "/", label: "search", run: function () { document.getElementById("term-q").focus(); } },
    { key: "j", label: "next term", run: function (ev) { move(ev, 1); } },
    { key: "ArrowDown", label: "next term", run: function (ev) { move(ev, 1); } },
    { key: "k", label: "previous term", run: function (ev) { move(ev, -1); } },
    { key: "ArrowUp", label: "previous term", run: function (ev) { move(ev, -1); } },
    { key: "x", label: "select / unselect the term", run: toggleSelect },
    { key: "a", label: "approve (the selected terms, else this one)", run: decide("approved") },
    { key: "f", label: "forbid (the selected terms, else this one)", run: decide("forbidden") },
    { key: "c", label: "back to candidate", run: decide("candidate") },
    { key: "e", label: "edit the term (Enter saves, Esc cancels)",
      run: function (ev) { const tr = current(ev); if (tr) openEditor(tr); } },
    { key: "v", label: "show the evidence",
      run: function (ev) { const tr = current(ev); if (tr) showEvidence(tr); } },
  ]);
  table.addEventListener("keydown", function (ev) {
    const form = ev.target.closest && ev.target.closest("form.term-edit");
    if (form && ev.key === "Escape") {
      const tr = rowOf(form.dataset.id);
      toggleExtra(tr, "editor");
      tr.focus();
      ev.preventDefault();
    }
  });
})();
