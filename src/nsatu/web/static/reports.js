/* nsatu: the report pages' charts and map of donors.

   Charts: each article.report-chart holds its Chart.js configuration (JSON, made by the server
   from the report's rows) and a canvas; Chart.js (served from /vendor, or copied beside the static
   export) draws it. The map: article.donor-map holds the figures (% of GDP by ISO alpha-3 code,
   the hubs and handover points) and the country boundaries (TopoJSON, shipped with nsatu);
   topojson-client turns them into features and d3-geo projects and draws them as SVG paths.
   Nothing is fetched: everything the page draws is in the page. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var LO = [222, 235, 247], HI = [8, 48, 107];

  function json(root, selector) {
    var el = root.querySelector(selector);
    return el ? JSON.parse(el.textContent) : null;
  }

  function drawCharts() {
    if (typeof Chart === "undefined") { return; }
    document.querySelectorAll("article.report-chart").forEach(function (box) {
      var canvas = box.querySelector("canvas");
      if (!canvas || Chart.getChart(canvas)) { return; }
      var config = json(box, "script.chart-config");
      config.options = config.options || {};
      config.options.animation = false;
      config.options.maintainAspectRatio = false;
      if (config.type === "scatter") {
        // Each point carries its donor's name: show it in the tooltip.
        config.options.plugins = {
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var p = ctx.raw;
                return p.label + ": " + p.y.toFixed(2) + " % of GDP (GDP " + p.x.toFixed(0) + " € bn)";
              }
            }
          }
        };
      }
      canvas.chart = new Chart(canvas, config);
      box.dataset.drawn = "true";
    });
  }

  function colour(t) {
    var c = LO.map(function (lo, i) { return Math.round(lo + (HI[i] - lo) * t); });
    return "rgb(" + c.join(",") + ")";
  }

  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function drawMap(svg, countries, figures, fit) {
    if (svg.dataset.drawn) { return; }
    var projection = d3.geoNaturalEarth1().fitExtent([[6, 6], [954, 494]], fit);
    var path = d3.geoPath(projection);
    var values = Object.keys(figures.values).map(function (k) { return figures.values[k]; });
    var max = Math.max.apply(null, values.concat([0])) || 1;
    var clip = el("clipPath", { id: svg.classList.contains("map-europe-view") ? "clip-eu" : "clip-world" });
    clip.appendChild(el("rect", { x: 0, y: 0, width: 960, height: 500 }));
    svg.appendChild(clip);
    var layer = el("g", { "clip-path": "url(#" + clip.id + ")" });
    svg.appendChild(layer);
    countries.features.forEach(function (f) {
      var d = path(f);
      if (!d) { return; }
      var code = f.properties.a3;
      var v = figures.values[code];
      var node = el("path", { d: d, "class": "country" + (v === undefined ? " no-figure" : ""), "data-iso3": code });
      if (v !== undefined) { node.setAttribute("fill", colour(Math.sqrt(Math.max(v, 0) / max))); }
      var title = el("title", {});
      title.textContent = f.properties.name + (v === undefined ? "" : ": " + v.toFixed(2) + " % of GDP");
      node.appendChild(title);
      layer.appendChild(node);
    });
    figures.sites.forEach(function (s) {
      var xy = projection([s.lon, s.lat]);
      if (!xy) { return; }
      var node = s.kind === "hub"
        ? el("circle", { cx: xy[0], cy: xy[1], r: 4 })
        : el("rect", { x: xy[0] - 3, y: xy[1] - 3, width: 6, height: 6, transform: "rotate(45 " + xy[0] + " " + xy[1] + ")" });
      node.setAttribute("class", "site " + s.kind);
      node.setAttribute("data-site", s.code);
      var title = el("title", {});
      title.textContent = s.name + " (" + (s.kind === "hub" ? "hub" : "handover point") + ")";
      node.appendChild(title);
      layer.appendChild(node);
    });
    svg.dataset.drawn = "true";
  }

  function drawMaps() {
    if (typeof d3 === "undefined" || typeof topojson === "undefined") { return; }
    document.querySelectorAll("article.donor-map").forEach(function (box) {
      var figures = json(box, "script.map-figures");
      var world = json(box, "script.map-world");
      var countries = topojson.feature(world, world.objects.countries);
      var europe = { type: "MultiPoint", coordinates: [[-11, 35], [42, 35], [42, 66], [-11, 66], [15, 67]] };
      drawMap(box.querySelector("svg.map-world-view"), countries, figures, countries);
      drawMap(box.querySelector("svg.map-europe-view"), countries, figures, europe);
      var values = Object.keys(figures.values).map(function (k) { return figures.values[k]; });
      box.querySelector(".legend-min").textContent = "0 %";
      box.querySelector(".legend-max").textContent = Math.max.apply(null, values).toFixed(2) + " % of GDP";
    });
  }

  function draw() { drawCharts(); drawMaps(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
