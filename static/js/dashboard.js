/* Charts for the office dashboard (admin index). The data comes from the page's json_script
   element; every chart has a table with the same figures beside it. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var blue = "#417690";
  var amber = "#b35900";
  var green = "#5b8f3c";

  function draw(spec, config) {
    if (!spec) {
      return;
    }
    var canvas = document.getElementById(spec.canvas);
    if (!canvas) {
      return;
    }
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: false, animation: false },
      config.options || {}
    );
    new window.Chart(canvas, config);
  }

  var meetings = data.meetings;
  draw(meetings, {
    type: "bar",
    data: {
      labels: meetings.labels,
      datasets: [
        { type: "bar", label: meetings.held_label, data: meetings.held, backgroundColor: blue },
        {
          type: "line",
          label: meetings.target_label,
          data: meetings.target,
          borderColor: amber,
          borderDash: [6, 4],
          stepped: "middle",
          pointRadius: 0,
          fill: false
        }
      ]
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  var completion = data.completion;
  draw(completion, {
    type: "line",
    data: {
      labels: completion.labels,
      datasets: [
        {
          label: completion.label,
          data: completion.values,
          borderColor: green,
          backgroundColor: green,
          spanGaps: false
        }
      ]
    },
    options: {
      plugins: { legend: { display: false } },
      scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } }
    }
  });

  var categories = data.categories;
  draw(categories, {
    type: "bar",
    data: {
      labels: categories.labels,
      datasets: [
        { label: categories.set_label, data: categories.set, backgroundColor: blue },
        { label: categories.done_label, data: categories.done, backgroundColor: green }
      ]
    },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
  });

  var confidence = data.confidence;
  draw(confidence, {
    type: "bar",
    data: {
      labels: confidence ? confidence.labels : [],
      datasets: confidence
        ? [
            { label: confidence.before_label, data: confidence.before, backgroundColor: "#79aec8" },
            { label: confidence.after_label, data: confidence.after, backgroundColor: blue }
          ]
        : []
    },
    options: { scales: { y: { min: 1, max: 5, ticks: { stepSize: 1 } } } }
  });
})();
