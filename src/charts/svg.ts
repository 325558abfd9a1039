// Dependency-free SVG charts for CLI outputs (heatmap, lines, CDF). Plain strings; no DOM.
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Red (0) to yellow to green (1) colour ramp. */
function ramp(v: number): string {
  const t = Math.max(0, Math.min(1, v));
  const r = t < 0.5 ? 215 : Math.round(215 - (t - 0.5) * 2 * 189);
  const g = t < 0.5 ? Math.round(48 + t * 2 * 170) : 218 - Math.round((t - 0.5) * 2 * 66);
  const b = t < 0.5 ? 39 : Math.round(39 + (t - 0.5) * 2 * 60);
  return `rgb(${r},${g},${b})`;
}

export function heatmapSvg(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  xValues: number[];
  yValues: number[];
  value: (x: number, y: number) => number;
  format: (v: number) => string;
  /** A second line in each cell (e.g. the winning strategy). */
  note?: (x: number, y: number) => string;
  /** Values mapped onto the colour ramp: [min, max]. */
  domain?: [number, number];
}): string {
  const cell = 84;
  const left = 90;
  const top = 50;
  const width = Math.max(left + o.xValues.length * cell + 30, o.title.length * 7.5 + 40);
  // the grid, the axis labels, then the colour scale (55 px)
  const height = top + o.yValues.length * cell + 70 + 55;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(o.title)}">`,
    `<title>${escapeXml(o.title)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(o.title)}</text>`,
  ];
  o.yValues.forEach((y, j) => {
    parts.push(`<text x="${left - 8}" y="${top + j * cell + cell / 2 + 4}" text-anchor="end">${y}</text>`);
    o.xValues.forEach((x, i) => {
      const v = o.value(x, y);
      const [lo, hi] = o.domain ?? [0, 1];
      const note = o.note?.(x, y);
      parts.push(
        `<rect x="${left + i * cell}" y="${top + j * cell}" width="${cell - 2}" height="${cell - 2}" fill="${ramp((v - lo) / (hi - lo))}"><title>${x} / ${y}: ${escapeXml(o.format(v))}${note ? ` (${escapeXml(note)})` : ''}</title></rect>`,
      );
      parts.push(
        `<text x="${left + i * cell + cell / 2}" y="${top + j * cell + cell / 2 + (note ? -2 : 4)}" text-anchor="middle" font-weight="bold">${escapeXml(o.format(v))}</text>`,
      );
      if (note)
        parts.push(
          `<text x="${left + i * cell + cell / 2}" y="${top + j * cell + cell / 2 + 14}" text-anchor="middle" font-size="10">${escapeXml(note)}</text>`,
        );
    });
  });
  o.xValues.forEach((x, i) =>
    parts.push(
      `<text x="${left + i * cell + cell / 2}" y="${top + o.yValues.length * cell + 16}" text-anchor="middle">${x}</text>`,
    ),
  );
  parts.push(
    `<text x="${left + (o.xValues.length * cell) / 2}" y="${top + o.yValues.length * cell + 40}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(20 ${top + (o.yValues.length * cell) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  );
  parts.push(
    ...colourScale(o.domain ?? [0, 1], o.format, left, top + o.yValues.length * cell + 62, o.xValues.length * cell),
  );
  parts.push('</svg>');
  return parts.join('\n');
}

/** The heatmap's colour key: a gradient over the domain with five labelled ticks (the values' own format). */
function colourScale(
  domain: [number, number],
  format: (v: number) => string,
  x: number,
  y: number,
  w: number,
): string[] {
  const [lo, hi] = domain;
  const steps = 20;
  const out = [
    `<g class="colour-scale" aria-label="colour scale from ${escapeXml(format(lo))} to ${escapeXml(format(hi))}">`,
  ];
  out.push(
    `<text x="${x}" y="${y}" font-size="11">colour scale${lo > 0 ? ` (${escapeXml(format(lo))} or less is the darkest red)` : ''}</text>`,
  );
  for (let k = 0; k < steps; k++)
    out.push(
      `<rect x="${x + (k * w) / steps}" y="${y + 6}" width="${w / steps + 0.5}" height="12" fill="${ramp(k / (steps - 1))}"/>`,
    );
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    out.push(
      `<text x="${x + (k * w) / 4}" y="${y + 32}" text-anchor="${k === 0 ? 'start' : k === 4 ? 'end' : 'middle'}" font-size="11">${escapeXml(format(v))}</text>`,
    );
  }
  out.push('</g>');
  return out;
}
