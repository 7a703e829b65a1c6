// Draws a chart model (core/charts.ts) as an inline SVG whose user units are CSS pixels.
import type { ChartModel } from './core/charts';

const NS = 'http://www.w3.org/2000/svg';
const LABEL_ROW_PX = 13;

function el(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    node.setAttribute(key, typeof value === 'number' ? String(Math.round(value * 100) / 100) : value);
  }
  node.append(...children);
  return node;
}

export function renderChart(model: ChartModel, testid: string, label: string): SVGSVGElement {
  const { plot } = model;
  const bottom = plot.y + plot.height;
  const svg = el('svg', {
    class: 'chart',
    viewBox: `0 0 ${model.width_px} ${model.height_px}`,
    role: 'img',
    'aria-label': label,
    'data-testid': testid,
    'data-points': model.points,
  }) as SVGSVGElement;
  for (const tick of model.y_ticks) {
    svg.append(
      el('line', { class: 'grid', x1: plot.x, x2: plot.x + plot.width, y1: tick.pos_px, y2: tick.pos_px }),
      el('text', { x: plot.x - 6, y: tick.pos_px + 4, 'text-anchor': 'end' }, tick.label),
    );
  }
  for (const bar of model.bars) {
    svg.append(
      el('rect', { x: bar.x, y: bar.y, width: bar.width, height: bar.height, fill: bar.colour }, el('title', {}, bar.title)),
    );
  }
  svg.append(
    el('line', { class: 'axis', x1: plot.x, x2: plot.x + plot.width, y1: bottom, y2: bottom }),
    el('line', { class: 'axis', x1: plot.x, x2: plot.x, y1: plot.y, y2: bottom }),
  );
  for (const tick of model.x_ticks) {
    svg.append(
      el('line', { class: 'axis', x1: tick.pos_px, x2: tick.pos_px, y1: bottom, y2: bottom + 4 }),
      el('text', { x: tick.pos_px, y: bottom + 17, 'text-anchor': 'middle' }, tick.label),
    );
  }
  for (const marker of model.markers) {
    const dx = marker.anchor === 'start' ? 4 : -4;
    svg.append(
      el('line', {
        x1: marker.x_px, x2: marker.x_px, y1: 2 + marker.row * LABEL_ROW_PX, y2: bottom,
        stroke: marker.colour, 'stroke-width': 2, 'stroke-dasharray': '5 3',
      }),
      // Inline style: the stylesheet's text colour would win over a fill attribute.
      el('text', { x: marker.x_px + dx, y: 11 + marker.row * LABEL_ROW_PX, 'text-anchor': marker.anchor, style: `fill: ${marker.colour}` }, marker.label),
    );
  }
  return svg;
}
