"""The report page's look: its style sheet and its one small script, which ``page`` embeds so
that the page loads nothing."""

PAGE_CSS = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;
margin:0;background:#f6f7f9}
main{max-width:980px;margin:0 auto;padding:24px 28px 60px;background:#fff;min-height:100vh}
h1{font-size:1.9rem;line-height:1.2;margin:.2em 0}h2{border-bottom:2px solid #e3e7ee;
padding-bottom:.2em;margin-top:2.2em;line-height:1.25}
h1,h2,p,li,dd,blockquote,figcaption{overflow-wrap:anywhere}
.byline{margin:.2em 0;font-size:1.05rem}.meta{color:#5b6575}
.run{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:1px 12px;margin:.8em 0;
font-size:.85rem;color:#3d4757;background:#f6f8fa;border:1px solid #e3e7ee;border-radius:4px;
padding:6px 10px}.run div{display:contents}.run dt{font-weight:600}.run dd{margin:0}
blockquote{margin:1em 0;padding:.6em 1em;background:#f1f5fb;border-left:4px solid #4a7bd0;
color:#28354a}figure{margin:1.2em 0;text-align:center}
figure img{max-width:100%;height:auto;border:1px solid #e3e7ee;border-radius:4px}
figcaption{color:#5b6575;font-size:.9rem}
.terms dt{font-weight:600;margin-top:.8em}.terms dd{margin:.2em 0 0 1.2em}
figure.shrunk img{cursor:zoom-in}figure.shrunk figcaption::after{content:" Tap the figure to "
"enlarge it."}figure.zoomed{overflow-x:auto}figure.zoomed img{max-width:none;cursor:zoom-out}
figure.zoomed figcaption{position:sticky;left:0}td.short span{white-space:nowrap}
figure.zoomed figcaption::after{content:" Tap it again to fit it to the screen."}
.scroll,pre{overflow-x:auto;max-width:100%;background:
linear-gradient(90deg,var(--cover) 30%,#0000) left/32px 100% no-repeat local,
linear-gradient(270deg,var(--cover) 30%,#0000) right/32px 100% no-repeat local,
radial-gradient(farthest-side at 0 50%,#0003,#0000) left/12px 100% no-repeat scroll,
radial-gradient(farthest-side at 100% 50%,#0003,#0000) right/12px 100% no-repeat scroll,
var(--cover)}
.scroll{--cover:#fff;margin:1em 0}
table{border-collapse:collapse;font-size:.93rem}
th,td{border:1px solid #dde2ea;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f1f3f7}pre{--cover:#f6f8fa;padding:12px;font-size:.8rem;line-height:1.25}
nav ol{columns:2}a{color:#2457b5}p.up{text-align:right;font-size:.85rem;margin-top:.2em}
a.term{color:inherit;text-decoration:underline dotted #5b6575}
@media (max-width:600px){main{padding:14px 12px 40px}h1{font-size:1.45rem}nav ol{columns:1;
padding-left:1.4em}th,td{padding:3px 6px}}
@media print{body{background:#fff;color:#000;font-size:11pt}main{max-width:none;padding:0;
min-height:0}nav,p.up{display:none}h2{break-after:avoid}figure,tr,pre,blockquote,.run{break-inside:avoid}
figure img{max-height:8.5in;border:0}figure figcaption::after,figure.shrunk figcaption::after,
figure.zoomed figcaption::after{content:none}figure.zoomed{overflow:visible}
figure.zoomed img{max-width:100%}td.short span{white-space:normal}.scroll{overflow:visible;background:none}
a{color:#000;text-decoration:none}pre{white-space:pre-wrap;background:#f6f8fa}
.meta,figcaption,blockquote,.run,th{color:#000;background:none}}
"""

# a figure shrunk to the page's width (a phone's) is shown at its own size, scrolling sideways in
# its box, when tapped; "shrunk" is measured on load and on each resize
ZOOM_SCRIPT = (
    '(()=>{function mark(){document.querySelectorAll("figure>img").forEach(i=>'
    'i.parentElement.classList.toggle("shrunk",i.offsetWidth<+i.getAttribute("width")'
    '||i.parentElement.classList.contains("zoomed")))}addEventListener("load",mark);'
    'addEventListener("resize",mark);addEventListener("click",e=>{if(e.target.matches('
    '"figure.shrunk>img"))e.target.parentElement.classList.toggle("zoomed")})})()'
)
