// Long jobs from the pages: start one (POST /api/v1/jobs, 202 + Location), poll it, show its
// progress, then its result: a download link, or a leveling proposal that can be accepted.
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function params(panel) {
    var values = JSON.parse(panel.dataset.jobParams || "{}");
    panel.querySelectorAll("[data-param]").forEach(function (input) {
      if (input.value) { values[input.dataset.param] = input.value; }
    });
    // inputs of the page's own form, shared with the panel: data-job-inputs="selector"
    if (panel.dataset.jobInputs) {
      document.querySelectorAll(panel.dataset.jobInputs).forEach(function (input) {
        if (input.value) { values[input.name] = input.value; }
      });
    }
    return values;
  }

  function problemText(body) {
    return (body && (body.detail || body.title)) || "the job could not start 无法启动";
  }

  function fail(panel, text) {
    var result = panel.querySelector(".job-result");
    result.hidden = false;
    result.replaceChildren(el("p", { "class": "warning job-error" }, "✗ " + text));
  }

  function showProposal(panel, proposal) {
    var result = panel.querySelector(".job-result");
    var parts = [el("h3", {}, "Proposal 方案 · " + proposal.moves.length + " moves 项调整 · " +
      proposal.conflicts_before + " conflicts before 调整前冲突 → " + proposal.remaining.length +
      " remaining 剩余")];
    proposal.deadline_breaches.forEach(function (breach) {
      parts.push(el("p", { "class": "warning" }, "⚠ " + breach.warning));
    });
    var table = el("table", { "class": "job-moves" });
    var head = el("tr");
    ["Bid 投标", "Task 任务", "Old start 原开始", "New start 新开始", "Working days 工作日", "Reason 原因"]
      .forEach(function (title) { head.appendChild(el("th", {}, title)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    proposal.moves.slice(0, 200).forEach(function (move) {
      var row = body.appendChild(el("tr"));
      row.appendChild(el("td")).appendChild(el("a", { href: "/bids/" + move.bid_id }, String(move.bid_id)));
      [move.task_name, move.old_start, move.new_start, move.shift_days, move.detail]
        .forEach(function (value) { row.appendChild(el("td", {}, String(value))); });
    });
    if (!proposal.moves.length) {
      body.appendChild(el("tr")).appendChild(el("td", { colspan: "6" }, "No moves needed. 无需调整。"));
    }
    parts.push(table);
    if (proposal.moves.length > 200) {
      parts.push(el("p", {}, "First 200 of " + proposal.moves.length + " moves shown. 仅显示前 200 项。"));
    }
    if (proposal.moves.length && panel.dataset.csrf) {
      var form = el("form", { method: "post", action: "/resources/accept", "class": "job-accept" });
      var fields = {
        csrf_token: panel.dataset.csrf,
        fingerprint: proposal.fingerprint,
        level_from: proposal.level_from,
        moves: JSON.stringify(proposal.moves.map(function (m) { return [m.task_id, m.new_start]; }))
      };
      Object.keys(fields).forEach(function (name) {
        form.appendChild(el("input", { type: "hidden", name: name, value: fields[name] }));
      });
      form.appendChild(el("button", { type: "submit" }, "Accept 接受方案"));
      parts.push(form);
    }
    result.replaceChildren.apply(result, parts);
    result.hidden = false;
  }

  function done(panel, job) {
    var result = panel.querySelector(".job-result");
    if ((job.result_media_type || "").indexOf("json") >= 0 && panel.dataset.jobKind === "leveling-proposal") {
      fetch(job.result, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (proposal) { showProposal(panel, proposal); });
      return;
    }
    var link = el("a", { href: job.result, "class": "button job-download", download: "" },
      "Download 下载 " + (job.result_filename || "the result 结果"));
    result.replaceChildren(el("span", {}, "✓ Done 完成 · "), link);
    result.hidden = false;
  }

  function poll(panel, location) {
    var bar = panel.querySelector("progress");
    fetch(location, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        bar.value = job.progress;
        panel.querySelector(".job-percent").textContent = Math.round(job.progress * 100) + " %";
        panel.querySelector(".job-message").textContent = job.message;
        panel.dataset.jobStatus = job.status;
        if (job.status === "succeeded") { done(panel, job); }
        else if (job.status === "failed") { fail(panel, problemText(job.error)); }
        else { window.setTimeout(function () { poll(panel, location); }, 400); }
        if (job.status === "succeeded" || job.status === "failed") {
          panel.querySelector(".job-start").disabled = false;
        }
      })
      .catch(function () { window.setTimeout(function () { poll(panel, location); }, 1500); });
  }

  function start(panel) {
    panel.querySelector(".job-start").disabled = true;
    panel.querySelector(".job-result").hidden = true;
    panel.querySelector(".job-progress").hidden = false;
    panel.dataset.jobStatus = "starting";
    fetch("/api/v1/jobs", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ kind: panel.dataset.jobKind, params: params(panel) })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.status !== 202) {
          panel.querySelector(".job-start").disabled = false;
          panel.dataset.jobStatus = "refused";
          fail(panel, problemText(body));
          return;
        }
        poll(panel, response.headers.get("Location"));
      });
    });
  }

  document.querySelectorAll("section.job").forEach(function (panel) {
    panel.querySelector(".job-start").addEventListener("click", function () { start(panel); });
  });
})();
