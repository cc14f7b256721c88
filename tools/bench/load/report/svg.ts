// A hand-written SVG plot of one run: latency p50 (solid) and p99 (dashed) per 10 s window on a
// log scale, and consumer lag per group on a linear scale, both against seconds of the window.

export interface XY {
  readonly x: number;
  readonly y: number;
}

export interface Scale {
  (value: number): number;
  readonly ticks: number[];
}

/** Maps [d0, d1] onto [r0, r1]; ticks at a round step giving about `count` ticks. */
export function linearScale(d0: number, d1: number, r0: number, r1: number, count = 6): Scale {
  const span = d1 - d0 || 1;
  const scale = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as Scale & { ticks: number[] };
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(d0 / step) * step; t <= d1 + 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  scale.ticks = ticks;
  return scale;
}

/** Log10 scale over [d0, d1] (both > 0); values below d0 are drawn at d0. Ticks at powers of ten. */
export function logScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const scale = ((v: number) => r0 + ((Math.log10(Math.max(v, d0)) - l0) / (l1 - l0 || 1)) * (r1 - r0)) as Scale & { ticks: number[] };
  const ticks: number[] = [];
  for (let e = Math.ceil(l0); e <= Math.floor(l1); e++) ticks.push(10 ** e);
  scale.ticks = ticks;
  return scale;
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/** `points` attributes of the polylines drawing the data: a missing value (NaN) breaks the line. */
export function polylinePoints(data: readonly XY[], x: (v: number) => number, y: (v: number) => number): string[] {
  const lines: string[] = [];
  let current: string[] = [];
  for (const p of data) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      if (current.length) lines.push(current.join(' '));
      current = [];
      continue;
    }
    current.push(`${fmt(x(p.x))},${fmt(y(p.y))}`);
  }
  if (current.length) lines.push(current.join(' '));
  return lines;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface PlotSeries {
  readonly label: string;
  readonly color: string;
  readonly dashed?: boolean;
  /** A dot at every point: for sparse series (a window without data breaks a line, and a lone point draws nothing). */
  readonly markers?: boolean;
  readonly data: readonly XY[];
}

export interface Panel {
  readonly title: string;
  readonly yLabel: string;
  readonly log: boolean;
  readonly series: readonly PlotSeries[];
}

export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];

const WIDTH = 960;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 80, right: 220, top: 40, bottom: 45 };

function tickLabel(v: number): string {
  if (v >= 1e6) return `${fmt(v / 1e6)}M`;
  if (v >= 1e3) return `${fmt(v / 1e3)}k`;
  return fmt(v);
}

function renderPanel(panel: Panel, top: number, xMax: number): string {
  const x0 = MARGIN.left;
  const x1 = WIDTH - MARGIN.right;
  const y0 = top + PANEL_HEIGHT - MARGIN.bottom;
  const y1 = top + MARGIN.top;
  const values = panel.series.flatMap((s) => s.data.map((p) => p.y)).filter((v) => Number.isFinite(v));
  const max = values.length ? Math.max(...values) : 1;
  const y = panel.log
    ? logScale(1, 10 ** Math.max(1, Math.ceil(Math.log10(Math.max(max, 1)))), y0, y1)
    : linearScale(0, Math.max(1, max) * 1.05, y0, y1);
  const x = linearScale(0, xMax, x0, x1, 10);
  const out: string[] = [];
  out.push(`<text x="${x0}" y="${top + 22}" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`);
  out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#999"/>`);
  for (const t of y.ticks) {
    const py = fmt(y(t));
    out.push(`<line x1="${x0}" x2="${x1}" y1="${py}" y2="${py}" stroke="#eee"/>`);
    out.push(`<text x="${x0 - 6}" y="${py}" font-size="11" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`);
  }
  for (const t of x.ticks) {
    const px = fmt(x(t));
    out.push(`<line x1="${px}" x2="${px}" y1="${y0}" y2="${y0 + 4}" stroke="#999"/>`);
    out.push(`<text x="${px}" y="${y0 + 17}" font-size="11" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  out.push(`<text x="${(x0 + x1) / 2}" y="${y0 + 36}" font-size="12" text-anchor="middle">seconds since the window started</text>`);
  out.push(
    `<text x="${x0 - 58}" y="${(y0 + y1) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 ${x0 - 58} ${(y0 + y1) / 2})">${escapeXml(panel.yLabel)}</text>`,
  );
  panel.series.forEach((s, i) => {
    for (const points of polylinePoints(s.data, x, y)) {
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5,3"' : ''} points="${points}"><title>${escapeXml(s.label)}</title></polyline>`,
      );
    }
    if (s.markers) {
      for (const p of s.data) {
        if (Number.isFinite(p.x) && Number.isFinite(p.y))
          out.push(
            `<circle cx="${fmt(x(p.x))}" cy="${fmt(y(p.y))}" r="${s.dashed ? 2 : 3}" fill="${s.dashed ? 'white' : s.color}" stroke="${s.color}"/>`,
          );
      }
    }
    const ly = y1 + 8 + i * 17;
    out.push(
      `<line x1="${x1 + 12}" x2="${x1 + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`,
    );
    out.push(`<text x="${x1 + 46}" y="${ly}" font-size="11" dominant-baseline="middle">${escapeXml(s.label)}</text>`);
  });
  return out.join('\n');
}

export function renderSvg(title: string, panels: readonly Panel[], xMax: number): string {
  const height = PANEL_HEIGHT * panels.length + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" font-size="14" text-anchor="middle">${escapeXml(title)}</text>`,
    ...panels.map((p, i) => renderPanel(p, 30 + i * PANEL_HEIGHT, xMax)),
    '</svg>',
    '',
  ].join('\n');
}

/** The plot of a run: latency windows (p50 solid, p99 dashed, one colour per destination) and lag per group. */
export function loadPlot(
  title: string,
  latencyWindows: Record<string, ReadonlyArray<{ t: number; p50: number; p99: number }>>,
  lag: Record<string, ReadonlyArray<{ t: number; v: number }>>,
  seconds: number,
): string {
  const latency: PlotSeries[] = Object.entries(latencyWindows).flatMap(([name, windows], i) => {
    // Closed bars arrive in bursts (each minute for 1m bars): most windows are empty, so dots show them.
    const markers = windows.filter((w) => Number.isFinite(w.p50)).length < windows.length / 2;
    return [
      { label: `${name} p50`, color: COLORS[i % COLORS.length]!, markers, data: windows.map((w) => ({ x: w.t, y: w.p50 })) },
      { label: `${name} p99`, color: COLORS[i % COLORS.length]!, dashed: true, markers, data: windows.map((w) => ({ x: w.t, y: w.p99 })) },
    ];
  });
  const lagSeries: PlotSeries[] = Object.entries(lag).map(([group, points], i) => ({
    label: group,
    color: COLORS[i % COLORS.length]!,
    data: points.map((p) => ({ x: p.t, y: p.v })),
  }));
  return renderSvg(
    title,
    [
      {
        title: 'Latency from receipt (recv_time), per 10 s window: p50 solid, p99 dashed',
        yLabel: 'ms (log scale, below 1 drawn at 1)',
        log: true,
        series: latency,
      },
      { title: 'Consumer lag per group (messages behind the topics\u2019 ends)', yLabel: 'messages', log: false, series: lagSeries },
    ],
    seconds,
  );
}
