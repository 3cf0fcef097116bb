/* The dashboard's charts: data from the page (json_script), drawn by the vendored Chart.js. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var palette = ["#2e7d32", "#1565c0", "#6a1b9a", "#ef6c00", "#00838f",
                 "#c62828", "#ad1457", "#4e342e", "#37474f", "#9e9d24"];
  var base = {responsive: true, maintainAspectRatio: false, animation: false,
              plugins: {legend: {position: "bottom", labels: {boxWidth: 12}}}};

  function color(i) { return palette[i % palette.length]; }
  function merge(a, b) { return Object.assign({}, a, b); }

  function consentDatasets(series) {
    return series.consent.map(function (s, i) {
      // Opt-outs below the axis: one glance shows both directions.
      var sign = s.metric === "opt_out" ? -1 : 1;
      return {label: s.label, data: s.data.map(function (v) { return sign * v; }),
              backgroundColor: color(i), stack: s.metric};
    });
  }

  var consents = new Chart(document.getElementById("chart-consents"), {
    type: "bar",
    data: {labels: data.series["30"].labels, datasets: consentDatasets(data.series["30"])},
    options: merge(base, {scales: {x: {stacked: true},
                                   y: {stacked: true, ticks: {precision: 0}}}})
  });

  var delivery = new Chart(document.getElementById("chart-delivery"), {
    type: "line",
    data: {labels: data.series["30"].labels,
           datasets: data.series["30"].delivery.map(function (s, i) {
             return {label: s.label, data: s.data, borderColor: ["#2e7d32", "#c62828", "#ef6c00"][i],
                     backgroundColor: ["#2e7d32", "#c62828", "#ef6c00"][i], tension: 0.2};
           })},
    options: merge(base, {scales: {y: {beginAtZero: true, ticks: {precision: 0}}}})
  });

  document.querySelectorAll(".periods .period").forEach(function (button) {
    button.addEventListener("click", function () {
      var series = data.series[button.dataset.days];
      consents.data.labels = series.labels;
      consents.data.datasets = consentDatasets(series);
      consents.update();
      delivery.data.labels = series.labels;
      delivery.data.datasets.forEach(function (d, i) { d.data = series.delivery[i].data; });
      delivery.update();
      document.querySelectorAll(".periods .period").forEach(function (b) {
        b.classList.toggle("selected", b === button);
      });
    });
  });

  var uploads = data.uploads;
  new Chart(document.getElementById("chart-uploads"), {
    type: "bar",
    data: {labels: uploads.labels,
           datasets: uploads.datasets.map(function (s, i) {
             return {label: s.label, data: s.data,
                     backgroundColor: ["#2e7d32", "#1565c0", "#c62828", "#9e9e9e"][i]};
           })},
    options: merge(base, {indexAxis: "y", scales: {x: {stacked: true, beginAtZero: true,
                                                        ticks: {precision: 0}},
                                                    y: {stacked: true}}})
  });

  new Chart(document.getElementById("chart-rejections"), {
    type: "bar",
    data: {labels: data.rejections.labels,
           datasets: [{label: data.rejections.label, data: data.rejections.data,
                       backgroundColor: "#c62828"}]},
    options: merge(base, {indexAxis: "y", plugins: {legend: {display: false}},
                          scales: {x: {beginAtZero: true, ticks: {precision: 0}}}})
  });
}());
