// The console's few behaviours; pages work without it (plain links and forms), it adds comfort.
"use strict";

(function () {
  // Telegram Mini App: Telegram opens /app with its signed data in the URL's fragment.
  function webappLogin() {
    const box = document.getElementById("webapp-login");
    if (!box) return;
    const data = new URLSearchParams(location.hash.slice(1)).get("tgWebAppData");
    const failed = document.getElementById("webapp-failed");
    if (!data) { failed.hidden = false; return; }
    fetch(box.dataset.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ initData: data }),
      credentials: "same-origin",
    }).then(function (response) {
      if (response.ok) { location.replace("/items"); } else { failed.hidden = false; }
    }).catch(function () { failed.hidden = false; });
  }

  // One site on a small map (an item's page). With no tile source: the point on a plain ground.
  function siteMap() {
    const el = document.getElementById("site-map");
    if (!el || !window.L) return;
    const at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    const map = L.map(el, { maxZoom: 18 }).setView(window.deputyTiles ? deputyTiles.point(at) : at, 15);
    if (window.deputyTiles) deputyTiles.add(map);
    L.circleMarker(window.deputyTiles ? deputyTiles.point(at) : at, { radius: 8 })
      .addTo(map).bindTooltip(el.dataset.label, { permanent: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    webappLogin();
    siteMap();
  });
})();
