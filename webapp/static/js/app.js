// Shared helpers for live pages. Pages work without JavaScript; this only
// keeps them current by listening on a websocket and re-fetching fragments.
"use strict";

window.SPS = (function () {
  function socketUrl(path) {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + path;
  }

  // Open a websocket that reconnects with backoff; onEvent gets parsed JSON.
  function listen(path, onEvent) {
    let delay = 500;
    let closedByPage = false;
    let socket;
    function connect() {
      socket = new WebSocket(socketUrl(path));
      socket.addEventListener("open", () => { delay = 500; document.body.dataset.live = "connected"; });
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

  // Replace the element with id `targetId` by the same element from `url`'s HTML.
  async function refreshFragment(url, targetId) {
    const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    if (!response.ok) return;
    const html = await response.text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    const fresh = doc.getElementById(targetId) || doc.body.firstElementChild;
    const current = document.getElementById(targetId);
    if (fresh && current) current.replaceWith(fresh);
  }

  return { listen, refreshFragment, socketUrl };
})();
