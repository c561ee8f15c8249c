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
  // The wheel scrolls the page (a tall Gantt is read by scrolling); zoom with the buttons,
  // the mode bar or a drag.
  var config = { responsive: true, displaylogo: false, scrollZoom: false };
  var LANG = (document.documentElement.lang || navigator.language || "zh").toLowerCase()
    .indexOf("zh") === 0 ? "zh" : "en";
  if (LANG === "zh") {
    Plotly.register({
      moduleType: "locale",
      name: "zh-CN",
      dictionary: {},
      format: {
        days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月",
          "十一月", "十二月"],
        shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月",
          "11月", "12月"],
        date: "%Y-%m-%d",
      },
    });
    config.locale = "zh-CN";
  }

  // Date-axis ticks: the finest step whose labels (at their widest, in px) still fit side by
  // side in the plot's width, so labels never overlap at any zoom or window size.
  var MONTH = 30.44 * DAY;
  var DAY_FORMAT = { zh: "%-m月%-d日", en: "%-d %b" };
  var MONTH_FORMAT = { zh: "%Y年%-m月", en: "%b %Y" };
  var YEAR_FORMAT = { zh: "%Y年", en: "%Y" };
  var TICK_STEPS = [
    { dtick: DAY, ms: DAY, format: DAY_FORMAT, px: 72 },
    { dtick: 2 * DAY, ms: 2 * DAY, format: DAY_FORMAT, px: 72 },
    { dtick: 7 * DAY, ms: 7 * DAY, format: DAY_FORMAT, px: 72, tick0: "2000-01-03" },
    { dtick: 14 * DAY, ms: 14 * DAY, format: DAY_FORMAT, px: 72, tick0: "2000-01-03" },
    { dtick: "M1", ms: MONTH, format: MONTH_FORMAT, px: 96 },
    { dtick: "M2", ms: 2 * MONTH, format: MONTH_FORMAT, px: 96 },
    { dtick: "M3", ms: 3 * MONTH, format: MONTH_FORMAT, px: 96 },
    { dtick: "M6", ms: 6 * MONTH, format: MONTH_FORMAT, px: 96 },
    { dtick: "M12", ms: 12 * MONTH, format: YEAR_FORMAT, px: 64 },
    { dtick: "M60", ms: 60 * MONTH, format: YEAR_FORMAT, px: 64 },
  ];
  // Day labels carry the year when the view spans two calendar years (else "1月4日" is
  // ambiguous); their wider labels then need more room.
  var DAY_YEAR_FORMAT = { zh: "%Y年%-m月%-d日", en: "%-d %b %Y" };
  var DAY_YEAR_PX = { zh: 118, en: 96 };
  function tickStep(gd) {
    var full = gd._fullLayout;
    var axis = full && full.xaxis;
    if (!axis || axis.type !== "date" || !axis.range) { return null; }
    var ends = [axis.r2l(axis.range[0]), axis.r2l(axis.range[1])];
    var span = Math.abs(ends[1] - ends[0]);
    var years = new Date(ends[0]).getUTCFullYear() !== new Date(ends[1]).getUTCFullYear();
    var width = Math.max(full._size.w, 50);
    for (var i = 0; i < TICK_STEPS.length; i++) {
      var step = TICK_STEPS[i];
      if (years && step.format === DAY_FORMAT) {
        step = Object.assign({}, step, { format: DAY_YEAR_FORMAT, px: DAY_YEAR_PX[LANG] });
      }
      if ((span / step.ms) * step.px <= width) { return step; }
    }
    return TICK_STEPS[TICK_STEPS.length - 1];
  }
  function applyTicks(gd) {
    var step = tickStep(gd);
    if (!step) { return Promise.resolve(gd); }
    var format = step.format[LANG];
    var axis = gd.layout.xaxis || {};
    if (axis.dtick === step.dtick && axis.tickformat === format) { return Promise.resolve(gd); }
    return Plotly.relayout(gd, {
      "xaxis.tickmode": "linear",
      "xaxis.dtick": step.dtick,
      "xaxis.tick0": step.tick0 || "2000-01-01",
      "xaxis.tickformat": format,
    });
  }
  function changesView(update) {
    return Object.keys(update || {}).some(function (key) {
      return key.indexOf("xaxis.range") === 0 || key === "xaxis.autorange" ||
        key === "autosize" || key === "width";
    });
  }

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
    element.kampmoFigure = figure;
    element.kampmoHeight = figure.layout && figure.layout.height;  // Plotly edits the layout
    if (figure.layout && figure.layout.height) {
      // Plotly's responsive resize sizes the plot to its container: pin the container to the
      // figure's height, so a resize (or a full-page screenshot) never squeezes the rows.
      element.style.height = figure.layout.height + "px";
    }
    return Plotly.newPlot(element, data, figure.layout, options).then(function (gd) {
      gd.on("plotly_relayout", function (update) {
        redraw();
        if (changesView(update)) { applyTicks(gd); }
      });
      if (element.dataset.kind === "portfolio") {
        gd.on("plotly_click", function (event) {
          var point = event.points && event.points[0];
          var url = point && point.customdata && point.customdata[0];
          if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
            window.location.assign(url);
          }
        });
      }
      return applyTicks(gd).then(function () { return gd; });
    });
  }

  timings.parsed = performance.now();
  window.kampmoReady = Promise.all(elements.map(draw)).then(function (figures) {
    timings.plotted = performance.now();
    document.body.dataset.figureReady = "true";
    return figures;
  });

  // Day and Week open around today (else the status date, else the start), with the first
  // task active in that window in view; Month shows a year around it; All the whole plan.
  var ZOOMS = {
    day: { before: 3 * DAY, after: 18 * DAY },
    week: { before: 14 * DAY, after: 70 * DAY },
    month: { before: 90 * DAY, after: 276 * DAY },
  };
  function iso(time) { return new Date(time).toISOString().slice(0, 10); }
  function anchor(gd, meta) {
    var axis = gd._fullLayout.xaxis;
    var range = meta.x_range ? meta.x_range.map(function (v) { return axis.r2l(v); }) : null;
    var candidates = [meta.today, meta.status_date];
    for (var i = 0; i < candidates.length; i++) {
      if (!candidates[i]) { continue; }
      var time = axis.r2l(candidates[i]);
      if (!range || (time >= range[0] && time <= range[1])) { return time; }
    }
    if (range) { return range[0]; }
    return axis.r2l(gd.dataset.start || iso(Date.now()));
  }
  function firstActiveRow(gd, meta, low, high) {
    var axis = gd._fullLayout.xaxis;
    var leaves = meta.leaf_traces || [];
    var first = Infinity;
    (gd.kampmoFigure ? gd.kampmoFigure.data : gd.data).forEach(function (trace) {
      if (leaves.indexOf(trace.name) < 0 || !Array.isArray(trace.y)) { return; }
      for (var i = 0; i < trace.y.length; i++) {
        var begin, end;
        if (trace.type === "bar") {
          begin = axis.r2l(trace.base[i]);
          end = begin + trace.x[i];
        } else {
          begin = end = axis.r2l(trace.x[i]);
        }
        if (begin <= high && end >= low && trace.y[i] < first) { first = trace.y[i]; }
      }
    });
    return first === Infinity ? null : first;
  }
  function setHeight(gd, height) {
    gd.style.height = height + "px";
    return height;
  }
  function zoom(element, level) {
    var spec = ZOOMS[level];
    var meta = element.kampmoMeta || {};
    var fullHeight = element.kampmoHeight;
    var shown = meta.rows_shown || meta.rows || 0;
    var update = {};
    if (!spec) {
      if (meta.x_range) { update["xaxis.range"] = meta.x_range; } else { update["xaxis.autorange"] = true; }
      if (fullHeight && meta.row_height_px) {
        update.height = setHeight(element, fullHeight);
        update["yaxis.range"] = [shown - 0.5, -0.5];
      }
      return Plotly.relayout(element, update);
    }
    var center = anchor(element, meta);
    var low = center - spec.before, high = center + spec.after;
    update["xaxis.range"] = [iso(low), iso(high)];
    var row = meta.leaf_traces ? firstActiveRow(element, meta, low, high) : null;
    if (row !== null && meta.row_height_px) {
      // A window-high chart opening on the rows at work then (rows keep their height;
      // pan down for the rest, All shows every row again).
      var margin = element._fullLayout.margin;
      var height = Math.max(360, Math.min(fullHeight || Infinity, window.innerHeight - 24));
      var fit = Math.max(5, Math.floor((height - margin.t - margin.b) / meta.row_height_px));
      height = fit * meta.row_height_px + margin.t + margin.b;
      var top = Math.max(0, Math.min(row - 1, meta.rows - fit));
      update.height = setHeight(element, height);
      update["yaxis.range"] = [top + fit - 0.5, top - 0.5];
    }
    return Plotly.relayout(element, update).then(function () {
      var box = element.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) {
        window.scrollTo(0, Math.max(0, window.scrollY + box.top - 12));
      }
      return element;
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
