/* nsatu: the training statistics chart on /training (people trained per month, stacked by host
   nation), drawn with Chart.js (served from /vendor) from the JSON in #training-chart. The table
   under it holds the same figures. */
(function () {
  "use strict";
  var COLOURS = ["#1f6fb2", "#2e7d32", "#e0a100", "#6a3d9a", "#c62828", "#00838f", "#8d6e63", "#455a64"];
  function draw() {
    var source = document.getElementById("training-chart");
    var canvas = document.getElementById("trained-chart");
    if (!source || !canvas || typeof Chart === "undefined" || Chart.getChart(canvas)) { return; }
    var data = JSON.parse(source.textContent);
    canvas.chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (d, i) {
          return { label: d.label, data: d.data, backgroundColor: COLOURS[i % COLOURS.length], stack: "trained" };
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: "people trained" } }
        }
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
