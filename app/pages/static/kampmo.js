// kampmo pages: draw the figure embedded in the page, navigate on portfolio clicks, zoom.
(function () {
  "use strict";
  var DAY = 86400000;
  var element = document.getElementById("gantt");
  var source = document.getElementById("figure-data");
  if (!element || !source || !window.Plotly) { return; }
  var figure = JSON.parse(source.textContent);
  var config = {
    responsive: true,
    displaylogo: false,
    scrollZoom: true,
    toImageButtonOptions: { format: "png", filename: "kampmo-" + element.dataset.kind, scale: 2 },
  };
  window.kampmoReady = Plotly.newPlot(element, figure.data, figure.layout, config).then(function (gd) {
    document.body.dataset.figureReady = "true";
    return gd;
  });

  if (element.dataset.kind === "portfolio") {
    element.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      var url = point && point.customdata && point.customdata[0];
      if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
        window.location.assign(url);
      }
    });
  }

  var ZOOMS = {
    day: { days: 21, dtick: DAY, tickformat: "%d %b" },
    week: { days: 12 * 7, dtick: 7 * DAY, tickformat: "%d %b" },
    month: { days: 366, dtick: "M1", tickformat: "%b %Y" },
  };
  function iso(time) { return new Date(time).toISOString().slice(0, 10); }
  function zoom(level) {
    var axis = element.layout.xaxis;
    if (level === "all" || !ZOOMS[level]) {
      return Plotly.relayout(element, { "xaxis.autorange": true, "xaxis.dtick": null, "xaxis.tickformat": null });
    }
    var spec = ZOOMS[level];
    var current = axis.range ? new Date(axis.range[0]).getTime() : NaN;
    var start = isNaN(current) ? new Date(element.dataset.start || Date.now()).getTime() : current;
    return Plotly.relayout(element, {
      "xaxis.range": [iso(start), iso(start + spec.days * DAY)],
      "xaxis.dtick": spec.dtick,
      "xaxis.tickformat": spec.tickformat,
    });
  }
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll("[data-zoom]").forEach(function (b) { b.classList.remove("active"); });
      button.classList.add("active");
      zoom(button.dataset.zoom);
    });
  });
})();
