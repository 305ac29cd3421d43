// taiyaku workbench: helpers every page shares (no framework, no build step).
//  taiyaku.api(method, url, body)  fetch with the CSRF token; JSON in and out; throws an
//                                   Error whose .status and .data hold the server's answer
//  taiyaku.toast(text, isError)    a short message at the bottom right
//  taiyaku.shortcuts(table)        register keyboard shortcuts: [{key, label, run}]; "?" lists them
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  async function api(method, url, body) {
    const init = { method, headers: { "X-CSRF-Token": csrf, "Accept": "application/json" },
                   credentials: "same-origin" };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const line = data && data.error ? data.error : response.status + " " + response.statusText;
      const error = new Error(line);
      error.status = response.status;
      error.data = data;
      throw error;
    }
    return data;
  }

  let toastTimer = null;
  function toast(text, isError) {
    const box = document.getElementById("toast");
    box.textContent = text;  // text, never HTML
    box.className = isError ? "error" : "";
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, isError ? 8000 : 3000);
  }

  // keyboard shortcuts: one table per page; ignored while typing in a field
  const registered = [];
  function typing(target) {
    return target && (target.isContentEditable ||
      ["INPUT", "TEXTAREA", "SELECT"].indexOf(target.tagName) >= 0);
  }
  function keyName(event) {
    let k = event.key;
    if (k.length === 1) k = k.toLowerCase();
    if (event.shiftKey && k.length > 1) k = "Shift+" + k;
    else if (event.shiftKey && k.length === 1 && !/[?]/.test(k)) k = k.toUpperCase();
    if (event.ctrlKey || event.metaKey) k = "Ctrl+" + k;
    return k;
  }
  function showHelp() {
    let dialog = document.getElementById("keys-help");
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "keys-help";
      dialog.className = "keys";
      const h = document.createElement("h2");
      h.textContent = "Keyboard shortcuts";
      const table = document.createElement("table");
      registered.forEach(function (s) {
        const tr = table.insertRow();
        const kbd = document.createElement("kbd");
        kbd.textContent = s.key;
        tr.insertCell().appendChild(kbd);
        tr.insertCell().textContent = s.label;
      });
      const close = document.createElement("button");
      close.textContent = "Close";
      close.addEventListener("click", function () { dialog.close(); });
      dialog.append(h, table, close);
      document.body.appendChild(dialog);
    }
    dialog.showModal();
  }
  function shortcuts(table) {
    table.forEach(function (s) { registered.push(s); });
  }
  document.addEventListener("keydown", function (event) {
    // keys belong to a field being typed in, or to an open dialog (Esc closes it)
    if (typing(event.target) || event.altKey || document.querySelector("dialog[open]")) return;
    const name = keyName(event);
    if (name === "?") { event.preventDefault(); showHelp(); return; }
    for (const s of registered) {
      if (s.key === name) {
        event.preventDefault();
        s.run(event);
        return;
      }
    }
  });

  window.taiyaku = { api, toast, shortcuts, csrf };
})();
