// Charts for the insights page (招聘概览), drawn with the vendored ECharts from
// the data the page embeds with json_script. Every chart repeats a table on the
// page, which stays the accessible (and no-JavaScript) version; a click on a
// province, bar or column opens the listing URL the server built for it.
// The charts' words come from the page (data-text-* on .insights), in the
// page's language; numbers are formatted for that language too.
document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
  const source = document.getElementById("insights-data");
  if (!source || !window.echarts) return;
  const insights = JSON.parse(source.textContent);
  const language = document.documentElement.lang || "zh-Hans";
  const english = language.toLowerCase().startsWith("en");
  const texts = (document.querySelector(".insights") || document.body).dataset;
  // "岗位 {postings} 个" with {postings} filled in.
  const fill = (template, values) =>
    String(template || "").replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));

  const ACCENT = "#0b57a4";
  const SELECTED = "#083f78";
  const UNLINKED = "#9aa5b5";
  const EMPTY_REGION = "#f1f3f6";
  const UNKNOWN_HEADCOUNT = "#c8b6e2";
  const FONT = 'system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';

  const escape = (text) => echarts.format.encodeHTML(String(text));
  const describe = (row) =>
    `${escape(row.detail || row.full_name || row.label)}<br>` +
    fill(escape(texts.textCounts), {
      postings: row.postings.toLocaleString(language),
      headcount: escape(row.headcount_text),
    }) +
    (row.unknown_headcount && row.headcount
      ? `<br>${fill(escape(texts.textUnknownHeadcount), { count: row.unknown_headcount.toLocaleString(language) })}` : "") +
    (row.url ? `<br>${escape(texts.textOpenListing)}` : "");
  const tooltip = {
    trigger: "item",
    confine: true,
    formatter: (params) => (params.data && params.data.row ? describe(params.data.row) : escape(params.name)),
  };

  function barOption(chart) {
    const rows = chart.rows;
    return {
      textStyle: { fontFamily: FONT },
      tooltip,
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#e4e8ee" } } },
      yAxis: {
        type: "category",
        inverse: true,
        data: rows.map((row) => row.label),
        axisLabel: { width: 150, overflow: "truncate", color: "#1b2330" },
        axisTick: { show: false },
      },
      series: [{
        type: "bar",
        barMaxWidth: 22,
        label: { show: true, position: "right", color: "#4a5668" },
        data: rows.map((row) => ({
          value: row.postings,
          row,
          itemStyle: { color: row.url ? (row.selected ? SELECTED : ACCENT) : UNLINKED },
        })),
      }],
    };
  }

  function columnOption(chart) {
    const rows = chart.rows;
    return {
      textStyle: { fontFamily: FONT },
      tooltip,
      grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: rows.map((row) => row.label), axisTick: { alignWithLabel: true } },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#e4e8ee" } } },
      series: [{
        type: "bar",
        barMaxWidth: 36,
        label: { show: rows.length <= 12, position: "top", color: "#4a5668" },
        data: rows.map((row) => ({
          value: row.postings,
          row,
          itemStyle: { color: row.url ? (row.selected ? SELECTED : ACCENT) : UNLINKED },
        })),
      }],
    };
  }

  // Postings are always known; a headcount may not be (若干). By headcount, a
  // province whose postings all leave it unstated gets a colour of its own
  // rather than looking empty.
  function pieces(max) {
    const step = Math.max(1, Math.ceil(max / 5));
    const result = [];
    for (let low = 1; low <= max; low += step) {
      result.push({ min: low, max: Math.min(low + step - 1, max) });
    }
    return result;
  }

  function mapOption(chart, mode) {
    const rows = chart.rows.filter((row) => row.value);
    const valueOf = (row) =>
      mode === "postings" ? row.postings : (row.headcount || (row.unknown_headcount ? -1 : 0));
    const max = Math.max(1, ...rows.map(valueOf));
    const colours = ["#cfe0f3", "#9cc0e6", "#5f98d3", "#2a6fb8", "#083f78"];
    const ranges = pieces(max).map((piece, i, all) => ({
      ...piece,
      color: colours[Math.round((i * (colours.length - 1)) / Math.max(all.length - 1, 1))],
    }));
    if (mode === "headcount" && rows.some((row) => valueOf(row) === -1)) {
      ranges.push({ value: -1, label: texts.textHeadcountUnstated, color: UNKNOWN_HEADCOUNT });
    }
    return {
      textStyle: { fontFamily: FONT },
      tooltip,
      visualMap: {
        type: "piecewise",
        pieces: ranges,
        left: 8,
        bottom: 8,
        itemWidth: 14,
        itemHeight: 10,
        textStyle: { color: "#4a5668" },
        text: [mode === "postings" ? texts.textPostings : texts.textHeadcount, ""],
        showLabel: true,
      },
      series: [{
        type: "map",
        map: "china",
        roam: false,
        selectedMode: false,
        top: 4,
        bottom: 4,
        itemStyle: { areaColor: EMPTY_REGION, borderColor: "#8a96a8", borderWidth: 0.6 },
        emphasis: { label: { show: true, color: "#1b2330" }, itemStyle: { areaColor: "#ffbf47" } },
        label: { show: false },
        data: rows.map((row) => ({ name: row.value, value: valueOf(row), row })),
      }],
    };
  }

  const drawn = [];
  for (const chart of insights.charts) {
    const element = document.getElementById(`chart-${chart.name}`);
    if (!element) continue;
    if (chart.kind === "bar") {
      element.style.height = `${Math.max(120, chart.rows.length * 30 + 24)}px`;
    }
    const instance = echarts.init(element, null, { renderer: "canvas", locale: english ? "EN" : "ZH" });
    const draw = (mode) => {
      element.dataset.drawn = "";
      instance.setOption(
        chart.kind === "map" ? mapOption(chart, mode)
          : chart.kind === "column" ? columnOption(chart) : barOption(chart),
        true,
      );
    };
    instance.on("finished", () => { element.dataset.drawn = "true"; });
    instance.on("click", (params) => {
      const row = params.data && params.data.row;
      if (row && row.url) window.location.assign(row.url);
    });
    draw("headcount");
    if (chart.kind === "map") {
      for (const button of document.querySelectorAll("[data-map-mode]")) {
        button.addEventListener("click", () => {
          for (const other of document.querySelectorAll("[data-map-mode]")) {
            other.setAttribute("aria-pressed", String(other === button));
          }
          draw(button.dataset.mapMode);
        });
      }
    }
    drawn.push(instance);
  }
  window.addEventListener("resize", () => drawn.forEach((instance) => instance.resize()));
});
