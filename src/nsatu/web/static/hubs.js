/* nsatu: a hub's utilisation chart (planned and actual tonnes arriving per day against the
   capacity), drawn with Chart.js (served from /vendor) from the JSON in #hub-chart, again after
   the span form swapped the figures in. The table under it holds the same figures. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("hub-chart");
    var canvas = document.getElementById("utilisation-chart");
    if (!source || !canvas || typeof Chart === "undefined" || Chart.getChart(canvas)) { return; }
    var data = JSON.parse(source.textContent);
    canvas.chart = new Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: "Planned", data: data.planned, backgroundColor: "#9bb7d9", order: 3 },
          {
            type: "bar",
            label: "Actual",
            data: data.actual,
            backgroundColor: data.over.map(function (o) { return o ? "#c62828" : "#1f6fb2"; }),
            order: 2
          },
          {
            type: "line",
            label: "Capacity",
            data: data.capacity,
            borderColor: "#555555",
            borderDash: [4, 3],
            borderWidth: 1.5,
            pointRadius: 0,
            stepped: "middle",
            order: 1
          }
        ]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: "tonnes" } } }
      }
    });
  }
  // The span form swaps the figures in place (HTMX): draw the new canvas.
  document.addEventListener("htmx:afterSettle", draw);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
