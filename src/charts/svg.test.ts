import { describe, expect, it } from 'vitest';
import { heatmapSvg } from './svg.js';

describe('heatmapSvg', () => {
  it('draws a colour scale over the domain, labelled in the values’ own format, below the grid', () => {
    const svg = heatmapSvg({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      xValues: [1, 2, 3],
      yValues: [10, 20],
      value: (x, y) => x / 3 + y / 100,
      format: (v) => `${Math.round(v * 100)}%`,
      domain: [0.5, 1],
    });
    const scale = /<g class="colour-scale"[^>]*>([\s\S]*?)<\/g>/.exec(svg);
    expect(scale).not.toBeNull();
    const ticks = [...scale![1].matchAll(/font-size="11">([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(ticks).toEqual(['colour scale (50% or less is the darkest red)', '50%', '63%', '75%', '88%', '100%']);
    // the gradient runs red (low) to green (high)
    const fills = [...scale![1].matchAll(/fill="rgb\((\d+),(\d+),(\d+)\)"/g)].map((m) => m.slice(1).map(Number));
    expect(fills.length).toBe(20);
    expect(fills[0][0]).toBeGreaterThan(fills[0][1]);
    expect(fills[19][1]).toBeGreaterThan(fills[19][0]);
    // it sits inside the image, below the cells
    const height = Number(/height="(\d+(?:\.\d+)?)"/.exec(svg)![1]);
    const y = Number(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="12"/.exec(scale![1])![1]);
    expect(y).toBeGreaterThan(50 + 2 * 84);
    expect(y + 40).toBeLessThanOrEqual(height);
  });
});
