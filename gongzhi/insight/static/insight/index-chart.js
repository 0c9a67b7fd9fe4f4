// The interaction index trend (insight/index.html), fed by the json_script block.
(function(){const data=JSON.parse(document.getElementById('index-chart').textContent);const el=document.getElementById('index-trend');if(!window.echarts||!data.months.length){return;}
const chart=echarts.init(el);chart.setOption({tooltip:{trigger:'axis'},legend:{type:'scroll'},xAxis:{type:'category',data:data.months},yAxis:{type:'value',min:0,max:100},series:data.series.map(s=>({name:s.name,type:'line',data:s.data}))});window.addEventListener('resize',()=>chart.resize());})();
