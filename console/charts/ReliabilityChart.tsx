/**
 * The reliability diagram: for each confidence bin with rated answers, the mean stated confidence (x)
 * against the observed helpful rate (y), with its 95% interval as a whisker and its count as a label; the
 * diagonal is perfect calibration. uPlot draws the axes, the diagonal, the points and the live legend; the
 * whiskers and counts are drawn in its `draw` hook on the same canvas, at the points' own coordinates.
 */
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import type { CalibrationBin } from '../../shared/review';
import { reliabilitySeries, type ReliabilityPoint } from './chart-data';
import { UPlotChart } from './UPlotChart';

const AXIS = { stroke: '#374151', grid: { stroke: '#e5e7eb', width: 1 }, ticks: { stroke: '#d1d5db', width: 1 } };
const POINT = '#1d4ed8';
const pctText = (v: number | null) => (v == null ? '–' : `${Math.round(v * 100)}%`);

function drawWhiskers(points: ReliabilityPoint[]) {
  return (u: uPlot) => {
    const ctx = u.ctx;
    const px = devicePixelRatio || 1;
    ctx.save();
    ctx.strokeStyle = POINT;
    ctx.fillStyle = '#111827';
    ctx.lineWidth = 1.5 * px;
    ctx.font = `${11 * px}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    for (const p of points) {
      const x = u.valToPos(p.x, 'x', true);
      if (p.lo != null && p.hi != null) {
        const y1 = u.valToPos(p.lo, 'y', true);
        const y2 = u.valToPos(p.hi, 'y', true);
        const cap = 4 * px;
        ctx.beginPath();
        ctx.moveTo(x, y1);
        ctx.lineTo(x, y2);
        ctx.moveTo(x - cap, y1);
        ctx.lineTo(x + cap, y1);
        ctx.moveTo(x - cap, y2);
        ctx.lineTo(x + cap, y2);
        ctx.stroke();
      }
      ctx.fillText(`n=${p.count}`, x + 6 * px, u.valToPos(p.y, 'y', true) - 4 * px);
    }
    ctx.restore();
  };
}

export function ReliabilityChart({ bins }: { bins: CalibrationBin[] }) {
  const { data, points } = useMemo(() => reliabilitySeries(bins), [bins]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(() => {
    const at = (idx: number | null | undefined) => (idx == null ? undefined : points.find((p) => p.x === data[0][idx]));
    return {
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      series: [
        { label: 'Stated confidence', value: (_u, v) => pctText(v) },
        { label: 'Perfect calibration', stroke: '#6b7280', width: 1, dash: [5, 4], points: { show: false }, value: (_u, v) => pctText(v) },
        {
          label: 'Observed helpful rate',
          stroke: POINT,
          width: 1.5,
          spanGaps: true,
          points: { show: true, size: 8, fill: POINT },
          value: (_u, v, _si, idx) => {
            const p = at(idx);
            return v == null || !p ? '–' : `${pctText(v)} (n=${p.count}, 95% ${pctText(p.lo)}–${pctText(p.hi)})`;
          },
        },
      ],
      axes: [
        { ...AXIS, label: 'Stated confidence (mean of the bin)', values: (_u, ticks) => ticks.map((t) => pctText(t)) },
        { ...AXIS, label: 'Observed helpful rate', size: 60, values: (_u, ticks) => ticks.map((t) => pctText(t)) },
      ],
      legend: { live: true },
      hooks: { draw: [drawWhiskers(points)] },
    };
  }, [data, points]);

  return <UPlotChart options={options} data={data} height={320} />;
}
