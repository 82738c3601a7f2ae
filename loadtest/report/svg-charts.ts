// Inline SVG charts with no library and no external assets: the HTML report must be one file
// that opens anywhere (air-gapped CI artifacts included).
export interface LineSeries {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

const W = 720;
const H = 260;
const PAD = { l: 64, r: 16, t: 28, b: 36 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function axes(title: string, xLabel: string, yMax: number, yFmt: (v: number) => string, xTicks: { pos: number; label: string }[]): string[] {
  const out: string[] = [`<text x="${PAD.l}" y="18" class="title">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const y = PAD.t + ((H - PAD.t - PAD.b) * (4 - i)) / 4;
    out.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" class="grid"/>`);
    out.push(`<text x="${PAD.l - 6}" y="${y + 4}" text-anchor="end" class="tick">${esc(yFmt((yMax * i) / 4))}</text>`);
  }
  for (const t of xTicks) out.push(`<text x="${t.pos}" y="${H - PAD.b + 16}" text-anchor="middle" class="tick">${esc(t.label)}</text>`);
  out.push(`<text x="${(W + PAD.l) / 2}" y="${H - 4}" text-anchor="middle" class="tick">${esc(xLabel)}</text>`);
  return out;
}

export function lineChart(id: string, title: string, series: LineSeries[], yFmt: (v: number) => string, xLabel = 'seconds'): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const xMax = Math.max(1, ...xs);
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.y))));
  const sx = (x: number) => PAD.l + (x / xMax) * (W - PAD.l - PAD.r);
  const sy = (y: number) => PAD.t + (1 - y / yMax) * (H - PAD.t - PAD.b);
  const ticks = Array.from({ length: 6 }, (_, i) => ({ pos: sx((xMax * i) / 5), label: xMax >= 10 ? String(Math.round((xMax * i) / 5)) : ((xMax * i) / 5).toFixed(1) }));
  const parts = axes(title, xLabel, yMax, yFmt, ticks);
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2" class="series" data-name="${esc(s.name)}"/>`);
    parts.push(`<rect x="${W - PAD.r - 110}" y="${PAD.t + i * 16}" width="10" height="10" fill="${s.color}"/><text x="${W - PAD.r - 96}" y="${PAD.t + 9 + i * 16}" class="tick">${esc(s.name)}</text>`);
  });
  return `<svg id="${id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}

export function barChart(id: string, title: string, bars: { label: string; value: number }[], yFmt: (v: number) => string, xLabel: string): string {
  const yMax = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const n = Math.max(1, bars.length);
  const bw = (W - PAD.l - PAD.r) / n;
  const sy = (y: number) => PAD.t + (1 - y / yMax) * (H - PAD.t - PAD.b);
  const ticks = bars.map((b, i) => ({ pos: PAD.l + bw * (i + 0.5), label: b.label }));
  const parts = axes(title, xLabel, yMax, yFmt, ticks);
  bars.forEach((b, i) => {
    const y = sy(b.value);
    parts.push(`<rect class="bar" x="${(PAD.l + bw * i + 2).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, bw - 4).toFixed(1)}" height="${(H - PAD.b - y).toFixed(1)}" fill="#4e79a7"><title>${esc(`≤ ${b.label}: ${b.value}`)}</title></rect>`);
  });
  return `<svg id="${id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}
