/* Charts for the survey results page (admin). The data comes from the page's
   json_script element; every chart has a table next to it with the same figures. */
(function () {
  "use strict";
  var source = document.getElementById("survey-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = ["#417690", "#e0a800", "#79aec8", "#5b8f3c"];

  function bar(canvasId, labels, datasets, options) {
    var canvas = document.getElementById(canvasId);
    if (!canvas) {
      return;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: datasets.map(function (set, index) {
          return {
            label: set.label,
            data: set.values,
            backgroundColor: colours[index % colours.length]
          };
        })
      },
      options: Object.assign(
        {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: datasets.length > 1 } }
        },
        options || {}
      )
    });
  }

  (data.distributions || []).forEach(function (chart) {
    bar(
      chart.canvas,
      chart.labels,
      [{ label: chart.label, values: chart.values }],
      { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    );
  });
  if (data.pre_post) {
    bar(data.pre_post.canvas, data.pre_post.labels, data.pre_post.datasets, {
      scales: { y: { min: 1, max: 5, ticks: { stepSize: 1 } } }
    });
  }
})();
