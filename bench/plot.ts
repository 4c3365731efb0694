import type { ThroughputMeasurement } from './measure-throughput';

const WIDTH = 720;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 200, top: 40, bottom: 50 };

/**
 * Throughput against the in-flight limit, the bound (limit ÷ latency) drawn in, as a hand-written SVG (no plotting
 * dependency). The x axis is logarithmic (base 2) since the limits double; the y axis is linear from zero.
 */
export function renderThroughputSvg(throughput: ThroughputMeasurement, title: string): string {
  const points = throughput.sweep;
  const limits = points.map((p) => p.inFlight);
  const xMin = Math.log2(Math.min(...limits));
  const xMax = Math.max(Math.log2(Math.max(...limits)), xMin + 1);
  const yMax = niceCeiling(Math.max(...points.map((p) => Math.max(p.boundUnlocksPerSecond, p.unlocksPerSecond))) * 1.05);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (limit: number) => MARGIN.left + ((Math.log2(limit) - xMin) / (xMax - xMin)) * plotW;
  const y = (value: number) => MARGIN.top + plotH - (value / yMax) * plotH;
  const path = (pairs: [number, number][]) => pairs.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');

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
  const naiveY = y(throughput.naive.unlocksPerSecond).toFixed(1);
  parts.push(
    `<path d="${bound}" fill="none" stroke="#999" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${naiveY}" y2="${naiveY}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="2 3"/>`,
    `<path d="${measured}" fill="none" stroke="#1f6feb" stroke-width="2.5"/>`,
    ...points.map(
      (p) =>
        `<circle cx="${x(p.inFlight).toFixed(1)}" cy="${y(p.unlocksPerSecond).toFixed(1)}" r="4" fill="#1f6feb"><title>${p.inFlight} in flight: ${p.unlocksPerSecond.toFixed(1)} unlocks/s (bound ${p.boundUnlocksPerSecond.toFixed(0)}, efficiency ${p.efficiency.toFixed(3)})</title></circle>`,
    ),
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">unlock requests in flight (log scale)</text>`,
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
    row(0, '#1f6feb', '', 2.5, 'reaper (measured)'),
    row(1, '#999', '6 4', 2, `bound: limit ÷ ${latencyMs} ms`),
    row(2, '#c0392b', '2 3', 1.5, 'naive reaper'),
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
