import type { ThroughputMeasurement, ThroughputPoint } from './measure-throughput';

const WIDTH = 720;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 200, top: 40, bottom: 50 };

/**
 * Throughput against the in-flight limit as a hand-written SVG (no plotting dependency): verification on over the
 * sweep with its bound (limit ÷ (2 × latency)), verification off where it was measured with its bound
 * (limit ÷ latency), and the naive reaper. The x axis is logarithmic (base 2) since the limits double; the y axis is
 * linear from zero.
 */
export function renderThroughputSvg(throughput: ThroughputMeasurement, title: string): string {
  const points = throughput.sweep;
  const offPoints = throughput.sweepOff;
  const limits = [...new Set([...points, ...offPoints].map((p) => p.inFlight))].sort((a, b) => a - b);
  const xMin = Math.log2(Math.min(...limits));
  const xMax = Math.max(Math.log2(Math.max(...limits)), xMin + 1);
  const yMax = niceCeiling(Math.max(...[...points, ...offPoints].map((p) => Math.max(p.boundUnlocksPerSecond, p.unlocksPerSecond))) * 1.05);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (limit: number) => MARGIN.left + ((Math.log2(limit) - xMin) / (xMax - xMin)) * plotW;
  const y = (value: number) => MARGIN.top + plotH - (value / yMax) * plotH;
  const path = (pairs: [number, number][]) =>
    pairs.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');

  const parts: string[] = [];
  const yTicks = 5;
  for (let i = 0; i <= yTicks; i += 1) {
    const value = (yMax / yTicks) * i;
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 8}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">${Math.round(value)}</text>`,
    );
  }
  for (const limit of limits) {
    parts.push(
      `<line x1="${x(limit).toFixed(1)}" x2="${x(limit).toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#f0f0f0"/>`,
      `<text x="${x(limit).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${limit}</text>`,
    );
  }
  const bound = path(points.map((p) => [x(p.inFlight), y(p.boundUnlocksPerSecond)]));
  const measured = path(points.map((p) => [x(p.inFlight), y(p.unlocksPerSecond)]));
  const boundOff = path(offPoints.map((p) => [x(p.inFlight), y(p.boundUnlocksPerSecond)]));
  const measuredOff = path(offPoints.map((p) => [x(p.inFlight), y(p.unlocksPerSecond)]));
  const naiveY = y(throughput.naive.unlocksPerSecond).toFixed(1);
  const dot = (p: ThroughputPoint, color: string) =>
    `<circle cx="${x(p.inFlight).toFixed(1)}" cy="${y(p.unlocksPerSecond).toFixed(1)}" r="4" fill="${color}"><title>${p.inFlight} in flight, verification ${p.verifyAtSource ? 'on' : 'off'}: ${p.unlocksPerSecond.toFixed(1)} unlocks/s (bound ${p.boundUnlocksPerSecond.toFixed(0)}, efficiency ${p.efficiency.toFixed(3)})</title></circle>`;
  parts.push(
    `<path d="${bound}" fill="none" stroke="#999" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<path d="${boundOff}" fill="none" stroke="#e0a060" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${naiveY}" y2="${naiveY}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="2 3"/>`,
    `<path d="${measuredOff}" fill="none" stroke="#d97706" stroke-width="2.5"/>`,
    `<path d="${measured}" fill="none" stroke="#1f6feb" stroke-width="2.5"/>`,
    ...offPoints.map((p) => dot(p, '#d97706')),
    ...points.map((p) => dot(p, '#1f6feb')),
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">in-flight limit (log scale)</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">unlocks per second</text>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
    legend(MARGIN.left + plotW + 12, MARGIN.top + 10, throughput.latencyMs),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function legend(left: number, top: number, latencyMs: number): string {
  const row = (i: number, stroke: string, dash: string, width: number, label: string) =>
    `<line x1="${left}" x2="${left + 24}" y1="${top + i * 20}" y2="${top + i * 20}" stroke="${stroke}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>` +
    `<text x="${left + 30}" y="${top + i * 20 + 4}">${escapeXml(label)}</text>`;
  return [
    row(0, '#1f6feb', '', 2.5, 'verification on'),
    row(1, '#999', '6 4', 2, `bound: limit ÷ (2 × ${latencyMs} ms)`),
    row(2, '#d97706', '', 2.5, 'verification off'),
    row(3, '#e0a060', '6 4', 2, `bound: limit ÷ ${latencyMs} ms`),
    row(4, '#c0392b', '2 3', 1.5, 'naive reaper'),
  ].join('\n');
}

/** 1, 2, 2.5, 5 or 10 times a power of ten, at least `value`: round axis ends. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
