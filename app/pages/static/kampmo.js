// kampmo pages: draw every figure embedded in the page (<div class="figure" data-figure=ID>
// with its JSON in <script type="application/json" id=ID>), open a bid on a portfolio click,
// zoom the time axis. Tall figures (thousands of rows) draw only the rows near the view and
// redraw after a pan or zoom, so a 5,000-task plan opens as fast as a small one; the JSON
// still holds every row.
(function () {
  "use strict";
  var DAY = 86400000;
  var WINDOW_FROM_ROWS = 150;
  var timings = (window.kampmoTimings = { scriptStart: performance.now() });
  var elements = Array.prototype.slice.call(document.querySelectorAll(".figure[data-figure]"));
  if (!elements.length || !window.Plotly) { return; }
  var config = { responsive: true, displaylogo: false, scrollZoom: true };

  function rowsInView(layout, rows) {
    var range = layout.yaxis && layout.yaxis.range;
    if (!range) { return [0, rows]; }
    return [Math.min(range[0], range[1]), Math.max(range[0], range[1])];
  }

  function rowsNear(view) {
    var span = Math.max(view[1] - view[0], 10);
    return [view[0] - span / 2, view[1] + span / 2];
  }

  function numeric(values) {
    return Array.isArray(values) && values.length > 0 && typeof values[0] === "number";
  }

  function slicePolylines(trace, low, high) {
    var out = Object.assign({}, trace);
    var xs = [], ys = [], segmentX = [], segmentY = [], min = Infinity, max = -Infinity;
    for (var i = 0; i <= trace.y.length; i++) {
      var y = trace.y[i];
      if (i === trace.y.length || y === null) {
        if (segmentY.length && min <= high && max >= low) {
          Array.prototype.push.apply(xs, segmentX);
          Array.prototype.push.apply(ys, segmentY);
          xs.push(null);
          ys.push(null);
        }
        segmentX = []; segmentY = []; min = Infinity; max = -Infinity;
        continue;
      }
      segmentX.push(trace.x[i]);
      segmentY.push(y);
      min = Math.min(min, y);
      max = Math.max(max, y);
    }
    out.x = xs;
    out.y = ys;
    return out;
  }

  function slicePoints(trace, low, high) {
    var out = Object.assign({}, trace);
    var keep = [];
    for (var i = 0; i < trace.y.length; i++) {
      if (trace.y[i] >= low && trace.y[i] <= high) { keep.push(i); }
    }
    function pick(values) { return keep.map(function (k) { return values[k]; }); }
    ["x", "y", "base", "customdata", "text", "hovertext"].forEach(function (key) {
      if (Array.isArray(trace[key])) { out[key] = pick(trace[key]); }
    });
    if (trace.marker) {
      out.marker = Object.assign({}, trace.marker);
      ["symbol", "color", "size"].forEach(function (key) {
        if (Array.isArray(trace.marker[key])) { out.marker[key] = pick(trace.marker[key]); }
      });
    }
    return out;
  }

  function sliceAll(full, window, previous) {
    return full.map(function (trace, index) {
      var sliced = trace;
      if (numeric(trace.y)) {
        sliced = trace.mode === "lines"
          ? slicePolylines(trace, window[0], window[1])
          : slicePoints(trace, window[0], window[1]);
      }
      if (previous && previous[index] && previous[index].visible !== undefined) {
        sliced = Object.assign({}, sliced, { visible: previous[index].visible });
      }
      return sliced;
    });
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.figure);
    var figure = JSON.parse(source.textContent);
    var meta = (figure.layout && figure.layout.meta) || {};
    var rows = meta.rows || 0;
    var windowed = rows > WINDOW_FROM_ROWS;
    var drawn = null;
    var busy = false;
    var options = Object.assign({}, config, {
      toImageButtonOptions: { format: "png", filename: "kampmo-" + element.dataset.kind, scale: 2 },
    });
    function redraw() {
      if (!windowed || busy) { return; }
      var view = rowsInView(element.layout, rows);
      if (drawn && view[0] >= drawn[0] && view[1] <= drawn[1]) { return; }
      drawn = rowsNear(view);
      busy = true;
      Plotly.react(element, sliceAll(figure.data, drawn, element.data), element.layout, options)
        .then(function () { busy = false; });
    }
    var data = figure.data;
    if (windowed) {
      drawn = rowsNear(rowsInView(figure.layout, rows));
      data = sliceAll(figure.data, drawn, null);
    }
    element.kampmoMeta = meta;
    return Plotly.newPlot(element, data, figure.layout, options).then(function (gd) {
      gd.on("plotly_relayout", redraw);
      if (element.dataset.kind === "portfolio") {
        gd.on("plotly_click", function (event) {
          var point = event.points && event.points[0];
          var url = point && point.customdata && point.customdata[0];
          if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
            window.location.assign(url);
          }
        });
      }
      return gd;
    });
  }

  timings.parsed = performance.now();
  window.kampmoReady = Promise.all(elements.map(draw)).then(function (figures) {
    timings.plotted = performance.now();
    document.body.dataset.figureReady = "true";
    return figures;
  });

  var ZOOMS = {
    day: { days: 21, dtick: DAY, tickformat: "%d %b" },
    week: { days: 12 * 7, dtick: 7 * DAY, tickformat: "%d %b" },
    month: { days: 366, dtick: "M1", tickformat: "%b %Y" },
  };
  function iso(time) { return new Date(time).toISOString().slice(0, 10); }
  function zoom(element, level) {
    var spec = ZOOMS[level];
    var meta = element.kampmoMeta || {};
    if (!spec) {
      var all = { "xaxis.dtick": null, "xaxis.tickformat": null };
      if (meta.x_range) { all["xaxis.range"] = meta.x_range; } else { all["xaxis.autorange"] = true; }
      return Plotly.relayout(element, all);
    }
    var range = element.layout.xaxis.range;
    var current = range ? new Date(range[0]).getTime() : NaN;
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
      zoom(document.getElementById("gantt"), button.dataset.zoom);
    });
  });
})();
