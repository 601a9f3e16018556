// The console's map (/map): sites coloured by traffic light and check-ins, clustered, filtered.
// The server sends points already in the tiles' datum (GCJ-02 for Amap), so none is converted.
"use strict";

(function () {
  const RANK = { red: 3, yellow: 2, green: 1, grey: 0 };
  const LIGHTS = ["grey", "green", "yellow", "red"];

  function icon(light) {
    return L.divIcon({ className: "pin " + light, iconSize: [14, 14] });
  }

  // A cluster takes the colour of its worst point: one overdue item among fifty sites shows.
  function clusterIcon(cluster) {
    let worst = 0;
    cluster.getAllChildMarkers().forEach(function (m) { worst = Math.max(worst, RANK[m.options.light]); });
    const n = cluster.getChildCount();
    const size = n < 10 ? 30 : n < 100 ? 36 : 44;
    return L.divIcon({
      html: "<span>" + n + "</span>",
      className: "cluster " + LIGHTS[worst],
      iconSize: [size, size],
    });
  }

  // The sentences come from the page (the catalog, in the reader's language), not the JSON.
  function popup(point, words) {
    const box = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = point.label;
    const note = document.createElement("div");
    note.textContent = point.kind === "checkin" ? words.checkin
      : words.counts.replace("{open}", point.open).replace("{overdue}", point.overdue);
    box.append(title, note);
    if (point.item && point.open > 0) {
      const link = document.createElement("a");
      link.href = "/items/" + point.item;
      link.textContent = words.openLabel;
      box.append(link);
    }
    return box;
  }

  function start() {
    const el = document.getElementById("desk-map");
    if (!el || !window.L || !L.markerClusterGroup) return;
    const tiles = window.deputyTiles;
    const map = L.map(el, { maxZoom: 18 }).setView([30.27, 120.15], 11);
    if (tiles) tiles.add(map);
    const permanent = el.dataset.permanent === "1";
    const layer = L.markerClusterGroup({ iconCreateFunction: clusterIcon, maxClusterRadius: 50 });
    map.addLayer(layer);
    const boxes = {
      sites: document.getElementById("show-sites"),
      checkins: document.getElementById("show-checkins"),
      open: document.getElementById("only-open"),
    };
    let points = [];

    function shown(p) {
      if (p.kind === "checkin") return !!(boxes.checkins && boxes.checkins.checked) && !boxes.open.checked;
      return boxes.sites.checked && (!boxes.open.checked || p.open > 0);
    }

    function draw(fit) {
      layer.clearLayers();
      const markers = points.filter(shown).map(function (p) {
        const m = L.marker([p.lat, p.lon], { icon: icon(p.light), light: p.light, title: p.label });
        m.bindPopup(popup(p, el.dataset));
        m.bindTooltip(p.label, { permanent: permanent, direction: "right", offset: [8, 0] });
        return m;
      });
      layer.addLayers(markers);
      if (fit && markers.length) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 15 });
    }

    fetch(el.dataset.points, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        // Rows in the order of data.fields (web/desk.py FIELDS), made into objects once here.
        points = data.rows.map(function (row) {
          const point = {};
          data.fields.forEach(function (name, i) { point[name] = row[i]; });
          return point;
        });
        draw(true);
      });
    document.getElementById("map-filter").addEventListener("change", function () { draw(false); });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
