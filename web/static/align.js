// The alignment editor (/documents/{id}): one current bead, actions by button or key, each
// saved at once through /api/documents/{id}/...; after each change (or a refused stale one)
// the rows are fetched again from /documents/{id}/rows, so the page always shows what is stored.
"use strict";
(function () {
  const editor = document.getElementById("editor");
  if (!editor) return;
  const doc = editor.dataset.doc;
  const api = window.taiyaku.api;
  const toast = window.taiyaku.toast;
  let current = 0;        // position of the current bead
  let busy = false;       // one change at a time: each carries the revision it was made from

  function tbody() { return document.getElementById("beads"); }
  function rows() { return tbody().rows; }
  function revision() { return parseInt(tbody().dataset.revision, 10); }
  function row(pos) { return document.getElementById("b" + pos); }
  function ids(tr, lang) {
    const text = tr.dataset[lang];
    return text ? text.split(",").map(Number) : [];
  }

  function select(pos, focus) {
    const all = rows();
    if (!all.length) return;
    pos = Math.max(0, Math.min(all.length - 1, pos));
    tbody().querySelectorAll("tr.current").forEach(function (old) {
      old.classList.remove("current");
      old.removeAttribute("aria-current");
    });
    current = pos;
    const tr = row(pos);
    tr.classList.add("current");
    tr.setAttribute("aria-current", "true");
    if (focus !== false) {
      tr.focus({ preventScroll: true });
      tr.scrollIntoView({ block: "nearest" });
      // a reload comes back to this bead (not set while loading: the browser would scroll to it)
      history.replaceState(null, "", "#b" + pos);
    }
  }

  function doubtful(step) {
    const all = rows();
    for (let k = 1; k <= all.length; k++) {
      const pos = (current + step * k + all.length * k) % all.length;
      if (all[pos].classList.contains("doubtful")) { select(pos); return; }
    }
    toast("No doubtful bead left: every one is confirmed or confident.");
  }

  async function fetchRows(query) {
    const response = await fetch("/documents/" + doc + "/rows" + query, { credentials: "same-origin" });
    if (!response.ok) throw new Error("Could not reload the document (" + response.status + ")");
    const template = document.createElement("template");
    template.innerHTML = await response.text();   // server-rendered, every text escaped
    document.getElementById("figures").replaceWith(template.content.getElementById("figures"));
    return template.content.getElementById("beads");
  }

  // every row as stored now (after a stale change was refused)
  async function reload(focusPos) {
    tbody().replaceWith(await fetchRows(""));
    select(focusPos === undefined ? current : focusPos);
  }

  // only the rows a change replaced: the rest keep their markup, renumbered when the change
  // made more or fewer beads (a 500-bead document is not laid out again)
  async function patch(result, focusPos) {
    const fresh = await fetchRows("?start=" + result.start + "&count=" + result.after.length);
    const body = tbody();
    const old = Array.from(body.rows).slice(result.start, result.start + result.before.length);
    const anchor = old.length ? old[old.length - 1].nextSibling : body.rows[result.start] || null;
    old.forEach(function (tr) { tr.remove(); });
    Array.from(fresh.rows).forEach(function (tr) { body.insertBefore(tr, anchor); });
    if (result.before.length !== result.after.length) {
      const all = body.rows;
      for (let k = result.start + result.after.length; k < all.length; k++) {
        all[k].id = "b" + k;
        all[k].dataset.pos = k;
        all[k].cells[0].textContent = k + 1;
      }
    }
    body.dataset.revision = fresh.dataset.revision;
    body.dataset.undoable = fresh.dataset.undoable;
    select(focusPos === undefined ? current : focusPos);
  }

  // one change: POST it with the revision the page shows; 409 (stale) reloads the rows
  async function change(action, body, focusAfter, message) {
    if (busy) return;
    busy = true;
    document.body.classList.add("busy");
    try {
      const result = await api("POST", "/api/documents/" + doc + "/" + action,
                                Object.assign({ revision: revision() }, body));
      const next = typeof focusAfter === "function" ? focusAfter(result) : focusAfter;
      await patch(result, next);
      toast(message || ("Saved: " + result.action + " (revision " + result.revision + ")"));
    } catch (error) {
      if (error.status === 409) {
        await reload();
        toast("This document changed in another tab or window: the page now shows it as " +
              "stored (revision " + revision() + "). Make the change again if it is still needed.", true);
      } else {
        toast(error.message, true);
      }
    } finally {
      busy = false;
      document.body.classList.remove("busy");
    }
  }

  function selectedIds(lang) {
    return Array.from(tbody().querySelectorAll('.seg.selected[data-lang="' + lang + '"]'))
      .map(function (s) { return Number(s.dataset.id); });
  }

  const actions = {
    "next": function () { select(current + 1); },
    "prev": function () { select(current - 1); },
    "doubtful": function () { doubtful(1); },
    "doubtful-back": function () { doubtful(-1); },
    "confirm": function () {
      const tr = row(current);
      if (tr && tr.classList.contains("confirmed")) { select(current + 1); return; }
      change("confirm", { positions: [current], confirmed: true }, current + 1, "Confirmed bead " + (current + 1));
    },
    "unconfirm": function () {
      change("confirm", { positions: [current], confirmed: false }, current);
    },
    "unpair": function () { change("unpair", { position: current }, current); },
    "merge": function () { change("merge", { position: current }, current); },
    "split": function () {
      const tr = row(current);
      if (!tr) return;
      const dialog = document.getElementById("split-dialog");
      const form = document.getElementById("split-form");
      const ja = ids(tr, "ja").length, en = ids(tr, "en").length;
      form.ja_count.max = ja;
      form.en_count.max = en;
      form.ja_count.value = Math.min(1, ja);
      form.en_count.value = Math.min(1, en);
      document.getElementById("split-number").textContent = "#" + (current + 1) +
        " (" + ja + " Japanese, " + en + " English)";
      dialog.showModal();
      form.ja_count.focus();
    },
    "ja-up": function () { move("ja", "up"); },
    "ja-down": function () { move("ja", "down"); },
    "en-up": function () { move("en", "up"); },
    "en-down": function () { move("en", "down"); },
    "select": function () {
      const tr = row(current);
      if (!tr) return;
      const segs = tr.querySelectorAll(".seg");
      const on = Array.from(segs).some(function (s) { return !s.classList.contains("selected"); });
      segs.forEach(function (s) { s.classList.toggle("selected", on); });
    },
    "clear": function () {
      tbody().querySelectorAll(".seg.selected").forEach(function (s) { s.classList.remove("selected"); });
    },
    "pair": function () {
      const ja = selectedIds("ja"), en = selectedIds("en");
      if (!ja.length || !en.length) {
        toast("Select the Japanese and the English segments to pair first (click them, or x on each bead).", true);
        return;
      }
      change("pair", { ja_ids: ja, en_ids: en }, function (result) { return result.start; });
    },
    "undo": function () {
      change("undo", {}, function (result) { return result.start; }, "Undone");
    },
  };

  function move(lang, direction) {
    const target = direction === "up" ? current - 1 : current;
    change("move", { position: current, lang: lang, direction: direction }, Math.max(0, target));
  }

  document.getElementById("split-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const form = event.target;
    document.getElementById("split-dialog").close();
    change("split", { position: current, ja_count: Number(form.ja_count.value),
                      en_count: Number(form.en_count.value) }, current);
  });
  document.getElementById("split-cancel").addEventListener("click", function () {
    document.getElementById("split-dialog").close();
  });

  // mouse: a click on a bead makes it current; a click on a segment selects it for pairing
  editor.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-action]");
    if (button) { actions[button.dataset.action](); return; }
    const tr = event.target.closest("tr.bead");
    if (!tr) return;
    select(Number(tr.dataset.pos), false);
    const seg = event.target.closest(".seg");
    if (seg && !window.getSelection().toString()) seg.classList.toggle("selected");
  });

  window.taiyaku.shortcuts([
    { key: "j", label: "next bead", run: actions.next },
    { key: "ArrowDown", label: "next bead", run: actions.next },
    { key: "k", label: "previous bead", run: actions.prev },
    { key: "ArrowUp", label: "previous bead", run: actions.prev },
    { key: "n", label: "next doubtful bead", run: actions.doubtful },
    { key: "N", label: "previous doubtful bead", run: actions["doubtful-back"] },
    { key: "c", label: "confirm the bead and go to the next", run: actions.confirm },
    { key: "C", label: "take the confirmation back", run: actions.unconfirm },
    { key: "u", label: "unpair the bead", run: actions.unpair },
    { key: "m", label: "merge with the next bead", run: actions.merge },
    { key: "s", label: "split the bead", run: actions.split },
    { key: "[", label: "move its first Japanese segment to the bead above", run: actions["ja-up"] },
    { key: "]", label: "move its last Japanese segment to the bead below", run: actions["ja-down"] },
    { key: "{", label: "move its first English segment to the bead above", run: actions["en-up"] },
    { key: "}", label: "move its last English segment to the bead below", run: actions["en-down"] },
    { key: "x", label: "select / unselect the bead's segments", run: actions.select },
    { key: "p", label: "pair the selected segments", run: actions.pair },
    { key: "Escape", label: "clear the selection", run: actions.clear },
    { key: "z", label: "undo the last change", run: actions.undo },
    { key: "Ctrl+z", label: "undo the last change", run: actions.undo },
  ]);

  const start = /^#b(\d+)$/.exec(location.hash);
  select(start ? Number(start[1]) : 0, Boolean(start));
})();
