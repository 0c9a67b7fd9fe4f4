// The command centre's wall (insight/cockpit.html): moved out of the page so the CSP needs no inline script.
(function(){
const wall=document.body.dataset;
const DATA_URL=wall.dataUrl+window.location.search;
const TILE_URL=wall.tileUrl||"";
const charts={};let links={};let map=null,layer=null,timer=null;
const pct=v=>v==null?null:Math.round(v*1000)/10;
const txt={axis:{axisLabel:{color:'#7fa3c2'},axisLine:{lineStyle:{color:'#1d4466'}},splitLine:{lineStyle:{color:'#12304a'}}}};
function chart(id){if(!charts[id]){charts[id]=echarts.init(document.getElementById(id),null,{renderer:'canvas'});}return charts[id];}
function mark(id){document.getElementById(id).dataset.filled='1';}
document.querySelectorAll('.panel').forEach(p=>p.addEventListener('click',e=>{if(e.target.closest('a')||e.target.closest('.leaflet-container'))return;const l=links[p.dataset.link];if(l)window.location=l;}));
function rates(d){const names=['response_rate','resolution_rate','satisfaction_rate'];const label={response_rate:'响应率',resolution_rate:'解决率',satisfaction_rate:'满意率'};
 const periods=[['today','今日'],['week','本周'],['month','本月']];
 chart('c-rates').setOption({animation:false,grid:{left:40,right:10,top:30,bottom:25},legend:{textStyle:{color:'#d8e8f6'},top:0},tooltip:{trigger:'axis'},
  xAxis:{type:'category',data:names.map(n=>label[n]),...txt.axis},yAxis:{type:'value',min:0,max:100,...txt.axis},
  series:periods.map(([k,l],i)=>({name:l,type:'bar',data:names.map(n=>pct(d.rates[k][n])),markLine:i?undefined:{symbol:'none',lineStyle:{type:'dashed',color:'#ffcf5a'},data:names.map((n,j)=>({name:'目标',yAxis:pct(d.targets[n]),xAxis:j}))}}))});mark('p-rates');}
function tiers(d){const keys=['1','2','3','none'];const label={'1':'一级','2':'二级','3':'三级','none':'未分级'};
 chart('c-tiers').setOption({animation:false,grid:{left:40,right:10,top:30,bottom:25},legend:{textStyle:{color:'#d8e8f6'},top:0},tooltip:{trigger:'axis'},xAxis:{type:'category',data:keys.map(k=>label[k]),...txt.axis},yAxis:{type:'value',...txt.axis},
  series:[{name:'在办',type:'bar',data:keys.map(k=>d.tiers[k].open),itemStyle:{color:'#35c3ff'}},{name:'超时',type:'bar',data:keys.map(k=>d.tiers[k].overdue),itemStyle:{color:'#ff6b5a'}}]});mark('p-tiers');}
function hot(d){const rows=d.hot.slice().reverse();chart('c-hot').setOption({animation:false,grid:{left:90,right:20,top:5,bottom:20},xAxis:{type:'value',...txt.axis},yAxis:{type:'category',data:rows.map(r=>r.name),...txt.axis},series:[{type:'bar',data:rows.map(r=>r.n),itemStyle:{color:'#ffcf5a'}}]});if(d.hot.length)mark('p-hot');}
function index(d){const rows=d.index.rows.slice().reverse();document.getElementById('index-month').textContent=d.index.month||'';chart('c-index').setOption({animation:false,grid:{left:90,right:30,top:5,bottom:20},xAxis:{type:'value',min:0,max:100,...txt.axis},yAxis:{type:'category',data:rows.map(r=>r.name),...txt.axis},series:[{type:'bar',data:rows.map(r=>r.value),itemStyle:{color:'#3ddc97'},label:{show:true,position:'right',color:'#d8e8f6'}}]});if(d.index.rows.length)mark('p-index');}
function esc(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
function alerts(d){const el=document.getElementById('alerts-body');if(!d.alerts){el.innerHTML='<p style="color:#7fa3c2">仅纪检审计和街道领导可见</p>';mark('p-alerts');return;}
 el.innerHTML='<div class="big">'+d.alerts.open+'</div><small style="color:#7fa3c2">待研判预警</small><ul class="list">'+d.alerts.latest.map(a=>'<li><a href="'+esc(a.url)+'">'+esc(a.title)+'</a></li>').join('')+'</ul>';mark('p-alerts');}
function extra(d){const el=document.getElementById('extra-body');if(!d.extra.length){el.innerHTML='<p style="color:#7fa3c2">关爱、活动等应用接入后在此显示（见 docs/insight.md）</p><div class="figures"><div>在办工单<strong>'+Object.values(d.tiers).reduce((s,t)=>s+t.open,0)+'</strong></div><div>本月新增<strong>'+d.rates.month.total+'</strong></div></div>';mark('p-extra');return;}
 el.innerHTML='<div class="figures">'+d.extra.map(f=>'<div>'+(f.url?'<a href="'+esc(f.url)+'">':'')+esc(f.label)+'<strong>'+esc(f.value)+'</strong>'+(f.url?'</a>':'')+'</div>').join('')+'</div>';mark('p-extra');}
function mapPanel(d){if(!map){map=L.map('map',{zoomControl:false,attributionControl:false,preferCanvas:true});if(TILE_URL){L.tileLayer(TILE_URL,{maxZoom:19}).addTo(map);}
  const c=d.root.lat&&d.root.lng?[d.root.lat,d.root.lng]:(d.map.points[0]?[d.map.points[0].lat,d.map.points[0].lng]:[31.23,121.47]);map.setView(c,14);}
 if(layer)layer.remove();layer=L.layerGroup().addTo(map);const max=Math.max(1,...d.map.heat.map(h=>h.n));
 d.map.heat.forEach(h=>L.circle([h.lat,h.lng],{radius:180,stroke:false,fillColor:'#ff6b5a',fillOpacity:0.12+0.5*h.n/max}).addTo(layer));
 d.map.points.forEach(p=>L.circleMarker([p.lat,p.lng],{radius:3,weight:0,fillOpacity:.9,fillColor:p.overdue?'#ff6b5a':'#35c3ff'}).bindTooltip(p.number).addTo(layer));
 if(d.map.points.length&&!map._fitted){map.fitBounds(L.latLngBounds(d.map.points.map(p=>[p.lat,p.lng])).pad(0.1),{maxZoom:15});map._fitted=true;}document.body.dataset.points=d.map.points.length;mark('p-map');}
async function refresh(){const t0=performance.now();const r=await fetch(DATA_URL,{credentials:'same-origin',headers:{'Accept':'application/json'}});if(!r.ok){document.getElementById('timing').textContent='刷新失败 '+r.status;return;}
 const d=await r.json();links=d.links;rates(d);tiers(d);hot(d);index(d);alerts(d);extra(d);mapPanel(d);
 const ms=Math.round(performance.now()-t0);document.getElementById('timing').textContent='数据 '+d.now+' · 服务端 '+d.elapsed_ms+' ms · 刷新 '+ms+' ms';document.body.dataset.refreshMs=ms;document.body.dataset.refreshes=(+document.body.dataset.refreshes||0)+1;
 clearTimeout(timer);timer=setTimeout(refresh,(d.refresh_seconds||30)*1000);}
setInterval(()=>{document.getElementById('clock').textContent=new Date().toLocaleString('zh-CN',{hour12:false});},1000);
window.addEventListener('resize',()=>{Object.values(charts).forEach(c=>c.resize());if(map)map.invalidateSize();});
window.cockpitRefresh=refresh;refresh();
})();
