/**
 * A small SVG chart writer (no chart library): line and stacked-area charts over a numeric x axis, with an optional
 * second y axis, and grouped bar charts. Every chart has a title, axes with ticks and labels, and a legend; each
 * series is a `<g class="series" data-series="name">`. Values are plot coordinates only: exact amounts live in the
 * CSV tables.
 */

export type Series = {
  name: string;
  /** [x, y] pairs in increasing x. */
  points: readonly (readonly [number, number])[];
  /** Plotted against the right-hand axis (charts with `rightAxis`). */
  right?: boolean;
};

export type LineChartOptions = {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Stack the (left-axis) series as filled areas. */
  stacked?: boolean;
  /** A second y axis for the series marked `right`. */
  rightAxis?: { label: string; format?: (value: number) => string };
  format?: (value: number) => string;
};

export type BarChartOptions = {
  title: string;
  xLabel: string;
  yLabel: string;
  /** The bars' series names, in legend order. */
  series: readonly string[];
  /** One group of bars per category (e.g. per policy): `values[i]` belongs to `series[i]`. */
  groups: readonly { label: string; values: readonly number[] }[];
  format?: (value: number) => string;
  /** The y axis' top (e.g. 100 for percentages); otherwise a round number above the largest value. */
  max?: number;
};

const WIDTH = 880;
const HEIGHT = 440;
const MARGIN = { top: 48, right: 190, bottom: 56, left: 84 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Colour-blind-safe palette (Okabe-Ito), then greys. */
const COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999"];

export const colour = (index: number) => COLOURS[index % COLOURS.length]!;

/** Text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

const fixed = (n: number) => (Math.round(n * 100) / 100).toString();

/** A compact number: 1234 -> "1.23k", 0.00012 -> "0.00012". */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${+(value / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${+(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${+(value / 1e3).toPrecision(3)}k`;
  return `${+value.toPrecision(3)}`;
}

/** Round tick values covering [0, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let value = 0; value < max + step * 0.999; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

function frame(title: string, body: string[]): string {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    `</svg>`,
    ``,
  ].join("\n");
}

/**
 * The legend: in the right margin, or (`inside`, when the right margin holds a second axis) in the plot's top-left
 * corner on a white box, where cumulative series have not risen yet.
 */
function legend(names: readonly string[], inside = false): string {
  const x = inside ? MARGIN.left + 12 : WIDTH - MARGIN.right + 16;
  const top = inside ? MARGIN.top + 12 : MARGIN.top;
  const longest = Math.max(0, ...names.map((name) => name.length));
  const box = inside
    ? `<rect x="${x - 6}" y="${top - 6}" width="${longest * 7 + 34}" height="${names.length * 20 + 8}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`
    : "";
  const items = names.map((name, i) => {
    const y = top + 8 + i * 20;
    return (
      `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${colour(i)}"/>` +
      `<text x="${x + 18}" y="${y + 1}">${escapeXml(name)}</text>`
    );
  });
  return `<g class="legend">${box}${items.join("")}</g>`;
}

/** The y axis: gridlines, ticks and the rotated label; `side` picks the left or right edge of the plot. */
function yAxis(ticks: number[], top: number, label: string, format: (v: number) => string, side: "left" | "right") {
  const x = side === "left" ? MARGIN.left : MARGIN.left + PLOT_W;
  const y = (v: number) => MARGIN.top + PLOT_H - (v / top) * PLOT_H;
  const parts = ticks.map((v) => {
    const grid =
      side === "left"
        ? `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${fixed(y(v))}" y2="${fixed(y(v))}" stroke="#e5e5e5"/>`
        : "";
    const tx = side === "left" ? x - 8 : x + 8;
    return `${grid}<text x="${tx}" y="${fixed(y(v) + 4)}" text-anchor="${side === "left" ? "end" : "start"}">${escapeXml(format(v))}</text>`;
  });
  const lx = side === "left" ? 18 : MARGIN.left + PLOT_W + 66;
  return (
    `<g class="axis y-axis ${side}">${parts.join("")}` +
    `<line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}" stroke="#333"/>` +
    `<text transform="translate(${lx} ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${escapeXml(label)}</text></g>`
  );
}

/**
 * A line chart, or a stacked-area chart with `stacked`, over a numeric x axis.
 *
 * @example
 * import { lineChart } from "./svg.js";
 * const svg = lineChart({ title: "Earnings", xLabel: "step", yLabel: "USD", series: [{ name: "FINETUNING", points: [[1, 5], [2, 9]] }] });
 */
export function lineChart({
  title,
  xLabel,
  yLabel,
  series,
  stacked = false,
  rightAxis,
  format = compactNumber,
}: LineChartOptions): string {
  const left = series.filter((s) => !s.right);
  const right = series.filter((s) => s.right);
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs, xMin + 1) : 1;
  const x = (v: number) => MARGIN.left + ((v - xMin) / (xMax - xMin)) * PLOT_W;

  // Stacked: each series' band sits on the sum of the ones before it, at every x any series has.
  const allX = [...new Set(xs)].sort((a, b) => a - b);
  const valueAt = (s: Series, at: number) => {
    let value = 0;
    for (const [px, py] of s.points) if (px <= at) value = py;
    return value;
  };
  const bands = stacked
    ? left.map((_, i) => allX.map((at) => left.slice(0, i + 1).reduce((sum, s) => sum + valueAt(s, at), 0)))
    : [];
  const leftMax = stacked
    ? Math.max(0, ...(bands.at(-1) ?? [0]))
    : Math.max(0, ...left.flatMap((s) => s.points.map(([, v]) => v)));
  const leftTicks = niceTicks(leftMax);
  const leftTop = leftTicks.at(-1)!;
  const rightTicks = niceTicks(Math.max(0, ...right.flatMap((s) => s.points.map(([, v]) => v))));
  const rightTop = rightTicks.at(-1)!;
  const y = (v: number, top: number) => MARGIN.top + PLOT_H - (v / top) * PLOT_H;

  const xTicks = niceTicks(xMax - xMin, 8)
    .map((t) => t + xMin)
    .filter((t) => t <= xMax);
  const xAxis =
    `<g class="axis x-axis"><line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H}" stroke="#333"/>` +
    xTicks
      .map(
        (t) =>
          `<line x1="${fixed(x(t))}" x2="${fixed(x(t))}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H + 5}" stroke="#333"/><text x="${fixed(x(t))}" y="${MARGIN.top + PLOT_H + 18}" text-anchor="middle">${escapeXml(compactNumber(t))}</text>`,
      )
      .join("") +
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(xLabel)}</text></g>`;

  const drawn = series.map((s, i) => {
    const top = s.right ? rightTop : leftTop;
    const attrs = `class="series" data-series="${escapeXml(s.name)}"`;
    if (stacked && !s.right) {
      const index = left.indexOf(s);
      const upper = allX.map((at, k) => `${fixed(x(at))},${fixed(y(bands[index]![k]!, top))}`);
      const lower = allX
        .map((at, k) => `${fixed(x(at))},${fixed(y(index === 0 ? 0 : bands[index - 1]![k]!, top))}`)
        .reverse();
      return `<g ${attrs}><polygon points="${[...upper, ...lower].join(" ")}" fill="${colour(i)}" fill-opacity="0.75" stroke="${colour(i)}"/></g>`;
    }
    const points = s.points.map(([px, py]) => `${fixed(x(px))},${fixed(y(py, top))}`).join(" ");
    const dash = s.right ? ` stroke-dasharray="6 3"` : "";
    return `<g ${attrs}><polyline points="${points}" fill="none" stroke="${colour(i)}" stroke-width="2"${dash}/></g>`;
  });

  return frame(title, [
    yAxis(leftTicks, leftTop, yLabel, format, "left"),
    ...(rightAxis && right.length
      ? [yAxis(rightTicks, rightTop, rightAxis.label, rightAxis.format ?? compactNumber, "right")]
      : []),
    xAxis,
    ...drawn,
    legend(
      series.map((s) => (rightAxis && s.right ? `${s.name} (right axis)` : s.name)),
      rightAxis !== undefined && right.length > 0,
    ),
  ]);
}

/**
 * A grouped bar chart: one group per category, one bar per series, each labelled with its value.
 *
 * @example
 * import { barChart } from "./svg.js";
 * const svg = barChart({ title: "Share", xLabel: "policy", yLabel: "% of revenue", series: ["base", "derivatives"], groups: [{ label: "baseline", values: [12, 88] }], max: 100 });
 */
export function barChart({
  title,
  xLabel,
  yLabel,
  series,
  groups,
  format = compactNumber,
  max,
}: BarChartOptions): string {
  const ticks = niceTicks(max ?? Math.max(0, ...groups.flatMap((g) => g.values)));
  const top = ticks.at(-1)!;
  const groupWidth = PLOT_W / Math.max(groups.length, 1);
  const barWidth = (groupWidth * 0.7) / Math.max(series.length, 1);
  const y = (v: number) => MARGIN.top + PLOT_H - (v / top) * PLOT_H;
  const bars = series.map((name, i) => {
    const rects = groups.map((group, g) => {
      const value = group.values[i] ?? 0;
      const bx = MARGIN.left + g * groupWidth + groupWidth * 0.15 + i * barWidth;
      return (
        `<rect x="${fixed(bx)}" y="${fixed(y(value))}" width="${fixed(barWidth - 2)}" height="${fixed(MARGIN.top + PLOT_H - y(value))}" fill="${colour(i)}"/>` +
        `<text x="${fixed(bx + barWidth / 2)}" y="${fixed(y(value) - 4)}" text-anchor="middle" font-size="11">${escapeXml(format(value))}</text>`
      );
    });
    return `<g class="series" data-series="${escapeXml(name)}">${rects.join("")}</g>`;
  });
  const xAxis =
    `<g class="axis x-axis"><line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H}" stroke="#333"/>` +
    groups
      .map(
        (group, g) =>
          `<text x="${fixed(MARGIN.left + (g + 0.5) * groupWidth)}" y="${MARGIN.top + PLOT_H + 18}" text-anchor="middle">${escapeXml(group.label)}</text>`,
      )
      .join("") +
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(xLabel)}</text></g>`;
  return frame(title, [yAxis(ticks, top, yLabel, format, "left"), xAxis, ...bars, legend(series)]);
}
