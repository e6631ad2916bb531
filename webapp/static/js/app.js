// Shared helpers for live pages. Pages work without JavaScript; this only
// keeps them current by listening on a websocket and re-fetching fragments.
"use strict";

window.SPS = (function () {
  function socketUrl(path) {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + path;
  }

  // Open a websocket that reconnects with backoff; onEvent gets parsed JSON.
  // onOpen runs at every (re)connection: changes made while the socket was not
  // listening are only in the database, so pages re-read their state there.
  function listen(path, onEvent, onOpen) {
    let delay = 500;
    let closedByPage = false;
    let socket;
    function connect() {
      socket = new WebSocket(socketUrl(path));
      socket.addEventListener("open", () => {
        delay = 500;
        document.body.dataset.live = "connected";
        if (onOpen) onOpen();
      });
      socket.addEventListener("message", (msg) => onEvent(JSON.parse(msg.data)));
      socket.addEventListener("close", (ev) => {
        document.body.dataset.live = "disconnected";
        if (closedByPage || ev.code === 4401 || ev.code === 4404) return;
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10000);
      });
    }
    connect();
    return { close() { closedByPage = true; socket.close(); } };
  }

  // Swap `current` for `fresh` only when they differ: a swap under the pointer can eat a click
  // (mousedown on the old node, mouseup on the new), and each render masks the CSRF token
  // anew, so the token is left out of the comparison.
  function swapIfChanged(current, fresh) {
    const withoutTokens = (el) => {
      const copy = el.cloneNode(true);
      copy.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach((input) => input.removeAttribute("value"));
      return copy;
    };
    if (!withoutTokens(current).isEqualNode(withoutTokens(fresh))) current.replaceWith(fresh);
  }

  // The page is navigating away (a form was sent, a link followed): a refresh must neither start
  // nor follow a redirect then. After "Log out", a refresh that a socket opening just then
  // started is redirected to the login page with ?next=, and following it would replace the
  // logout's own navigation. Forgotten after a while, as a download starts no new page.
  let leavingAt = 0;
  window.addEventListener("beforeunload", () => { leavingAt = Date.now(); });
  const leaving = () => Date.now() - leavingAt < 5000;

  // Replace the element with id `targetId` by the same element from `url`'s HTML. A redirect
  // means the thing moved (an upload that became a dataset, an expired session): the page follows
  // it. With `followIfGone`, so does an answer without the element (an upload rejected back to its
  // mapping form, which answers 400).
  // Answers can arrive out of order (two changes of a form field in quick succession): only the
  // latest refresh asked for an element may touch it, or an older answer would overwrite a newer.
  const latestRefresh = {};
  async function refreshFragment(url, targetId, { followIfGone = false } = {}) {
    if (leaving()) return;
    const ticket = (latestRefresh[targetId] = (latestRefresh[targetId] || 0) + 1);
    const stillLatest = () => ticket === latestRefresh[targetId] && !leaving();
    const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    if (!stillLatest()) return;
    if (response.redirected) {
      window.location.assign(response.url);
      return;
    }
    if (!response.ok && !followIfGone) return;
    const html = await response.text();
    if (!stillLatest()) return;
    const doc = new DOMParser().parseFromString(html, "text/html");
    const fresh = doc.getElementById(targetId);
    const current = document.getElementById(targetId);
    if (!fresh && followIfGone) window.location.assign(response.url);
    else if (fresh && current) swapIfChanged(current, fresh);
  }

  // Fetch the full page at `url` and replace each element of `ids` by its fresh copy;
  // resolves to the fetched document (or null) for callers that read more from it.
  async function refreshElements(url, ids) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return null;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ids) {
      const fresh = doc.getElementById(id), current = document.getElementById(id);
      if (fresh && current) swapIfChanged(current, fresh);
    }
    return doc;
  }

  return { listen, refreshFragment, refreshElements, socketUrl };
})();

// Forms that destroy or stop something ask first: <form data-confirm="Cancel this job?">.
// Delegated from the document, so forms that arrive in a refreshed fragment ask too.
document.addEventListener("submit", (ev) => {
  const form = ev.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    ev.preventDefault();
  }
});

// Copy buttons: <button type="button" data-copy="#id">Copy</button> copies that element's text.
// The clipboard API needs a secure context (HTTPS or localhost); elsewhere the text is selected
// so Ctrl+C copies it.
document.addEventListener("click", (ev) => {
  const button = ev.target instanceof Element ? ev.target.closest("button[data-copy]") : null;
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  const said = () => {
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 2000);
  };
  const select = () => {
    const range = document.createRange();
    range.selectNodeContents(source);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    button.textContent = "Press Ctrl+C";
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(source.textContent.trim()).then(said, select);
  } else {
    select();
  }
});
