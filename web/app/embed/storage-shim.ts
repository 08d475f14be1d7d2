// Inside another site's page the flow's frame is a third-party document: browsers that block
// third-party storage (Chrome without third-party cookies, for one) throw on any touch of
// sessionStorage / localStorage — and the framework's client code (scroll restoration, route
// discovery) touches them, so the page would fail on its first form post. This inline script,
// rendered by the embedded pages before any other script runs, puts an in-memory stand-in in
// place of a store that refuses access. The flow keeps nothing there that must outlive the frame.
export const STORAGE_SHIM = `(function(){['sessionStorage','localStorage'].forEach(function(name){try{window[name].length;return}catch(e){}var data=new Map();var store={get length(){return data.size},key:function(i){return Array.from(data.keys())[i]||null},getItem:function(k){k=String(k);return data.has(k)?data.get(k):null},setItem:function(k,v){data.set(String(k),String(v))},removeItem:function(k){data.delete(String(k))},clear:function(){data.clear()}};try{Object.defineProperty(window,name,{configurable:true,value:store})}catch(e){}})})();`;
