// Draws the dashboard's charts from the JSON the page embeds (#chart-data).
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const months = echarts.init(document.getElementById("chart-months"));
  months.setOption({
    title: { text: "月度工单量与三率", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { bottom: 0, data: ["工单量", "响应率", "解决率", "满意率"] },
    xAxis: { type: "category", data: data.months },
    yAxis: [{ type: "value", name: "件" }, { type: "value", name: "%", max: 100 }],
    series: [
      { name: "工单量", type: "bar", data: data.volume, itemStyle: { color: "#8b1e1e" } },
      { name: "响应率", type: "line", yAxisIndex: 1, data: data.response },
      { name: "解决率", type: "line", yAxisIndex: 1, data: data.resolution },
      { name: "满意率", type: "line", yAxisIndex: 1, data: data.satisfaction },
    ],
  });
  const areas = echarts.init(document.getElementById("chart-areas"));
  areas.setOption({
    title: { text: "各区域工单与超时", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { bottom: 0, data: ["工单量", "超时"] },
    xAxis: { type: "category", data: data.areas, axisLabel: { rotate: 30 } },
    yAxis: { type: "value" },
    series: [
      { name: "工单量", type: "bar", data: data.area_total, itemStyle: { color: "#1565c0" } },
      { name: "超时", type: "bar", data: data.area_overdue, itemStyle: { color: "#c62828" } },
    ],
  });
  window.addEventListener("resize", () => { months.resize(); areas.resize(); });
})();
