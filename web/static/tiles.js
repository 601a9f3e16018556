// The configured tile source for every map of the console (settings.web.tiles), read from this
// script tag's data attributes: no inline script (CSP). console.js (an item's small site map)
// and map.js use window.deputyTiles.
"use strict";

(function () {
  const me = document.currentScript;
  const source = (me && me.dataset.tiles) || "none";
  const key = (me && me.dataset.key) || "";

  // WGS-84 -> GCJ-02, the same formula as bot/geo.py: Amap's tiles are drawn in GCJ-02, so a
  // WGS-84 point on them lands several hundred metres off. The big map's points arrive
  // converted by the server; only an item's single site point is converted here.
  const A = 6378245.0, EE = 0.00669342162296594323;
  function outOfChina(lat, lon) {
    return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }
  function gcj(at) {
    const lat = at[0], lon = at[1];
    if (outOfChina(lat, lon)) return at;
    const x = lon - 105.0, y = lat - 35.0, pi = Math.PI;
    const d = (20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0 / 3.0;
    let dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + d;
    dlat += (20.0 * Math.sin(y * pi) + 40.0 * Math.sin(y / 3.0 * pi)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * pi) + 320.0 * Math.sin(y * pi / 30.0)) * 2.0 / 3.0;
    let dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + d;
    dlon += (20.0 * Math.sin(x * pi) + 40.0 * Math.sin(x / 3.0 * pi)) * 2.0 / 3.0;
    dlon += (150.0 * Math.sin(x / 12.0 * pi) + 300.0 * Math.sin(x / 30.0 * pi)) * 2.0 / 3.0;
    const rad = lat / 180.0 * pi;
    const magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sq) * pi);
    dlon = (dlon * 180.0) / (A / sq * Math.cos(rad) * pi);
    return [lat + dlat, lon + dlon];
  }

  function tianditu(layer) {
    return "https://t{s}.tianditu.gov.cn/" + layer + "_w/wmts?SERVICE=WMTS&REQUEST=GetTile" +
      "&VERSION=1.0.0&LAYER=" + layer + "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles" +
      "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" + encodeURIComponent(key);
  }

  window.deputyTiles = {
    source: source,
    // Labels stay on the map when there are no tiles: the points are all there is to read.
    permanentLabels: source === "none",
    add: function (map) {
      if (source === "osm") {
        L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
          maxZoom: 19, attribution: "&copy; OpenStreetMap contributors",
        }).addTo(map);
      } else if (source === "tianditu") {
        // vec_w (roads) and cva_w (its labels); CGCS2000 is WGS-84 to within centimetres.
        const opts = { subdomains: "01234567", maxZoom: 18, attribution: "&copy; 天地图" };
        L.tileLayer(tianditu("vec"), opts).addTo(map);
        L.tileLayer(tianditu("cva"), opts).addTo(map);
      } else if (source === "amap") {
        L.tileLayer("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}", {
          subdomains: "1234", maxZoom: 18, attribution: "&copy; 高德地图",
        }).addTo(map);
      }
    },
    point: function (at) { return source === "amap" ? gcj(at) : at; },
  };
})();
