/* nsatu: the charts of a plan run's summary, drawn with Chart.js (served from /vendor) from the
   JSON the page embeds in #plan-charts. Each chart has a table under it with the same figures. */
(function () {
  "use strict";

  var ON_TIME = "#2e7d32", LATE = "#e0a100", UNMET = "#c62828";
  var LOAD = "#1f6fb2", SATURATED = "#c62828", CAPACITY = "#555555";

  function coverage(canvas, data) {
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: "On time", data: data.on_time, backgroundColor: ON_TIME },
          { label: "Late", data: data.late, backgroundColor: LATE },
          { label: "Unmet", data: data.unmet, backgroundColor: UNMET }
        ]
      },
      options: {
        indexAxis: "y",
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { stacked: true, title: { display: true, text: "units" } }, y: { stacked: true } }
      }
    });
  }

  function load(canvas, data) {
    return new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          {
            type: "bar",
            label: "Tonnes",
            data: data.tonnes,
            backgroundColor: data.saturated.map(function (s) { return s ? SATURATED : LOAD; }),
            order: 2
          },
          {
            type: "line",
            label: "Capacity",
            data: data.capacity,
            borderColor: CAPACITY,
            borderDash: [4, 3],
            borderWidth: 1.5,
            pointRadius: 0,
            stepped: "middle",
            spanGaps: false,
            order: 1
          }
        ]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { ticks: { maxTicksLimit: 12 } },
          y: { beginAtZero: true, title: { display: true, text: "tonnes" } }
        }
      }
    });
  }

  function draw() {
    var source = document.getElementById("plan-charts");
    if (!source || typeof Chart === "undefined") return;
    var charts = JSON.parse(source.textContent);
    var byKey = { hub: {}, leg: {} };
    charts.hubs.forEach(function (h) { byKey.hub[h.key] = h; });
    charts.legs.forEach(function (l) { byKey.leg[l.key] = l; });
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (Chart.getChart(canvas)) return;
      var kind = canvas.dataset.chart;
      if (kind === "coverage") {
        coverage(canvas, charts.coverage);
      } else if (byKey[kind] && byKey[kind][canvas.dataset.key]) {
        load(canvas, byKey[kind][canvas.dataset.key]);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
