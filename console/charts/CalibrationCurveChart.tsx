/**
 * The calibrated-badges curve: the monotone (isotonic) fit of helpful rate on stated confidence, with the
 * chosen High and Low thresholds as vertical lines and the target as a horizontal one. uPlot draws the
 * axes, the curve and its legend; the threshold lines are drawn in its `draw` hook on the same canvas.
 */
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { UPlotChart } from './UPlotChart';

const AXIS = { stroke: '#374151', grid: { stroke: '#e5e7eb', width: 1 }, ticks: { stroke: '#d1d5db', width: 1 } };
const pctText = (v: number | null) => (v == null ? '–' : `${Math.round(v * 100)}%`);

export interface CurveChartProps {
  curve: { confidence: number; helpfulRate: number; n: number }[];
  high: number;
  low: number;
  target: number;
}

function drawMarks({ high, low, target }: Omit<CurveChartProps, 'curve'>) {
  return (u: uPlot) => {
    const ctx = u.ctx;
    const px = devicePixelRatio || 1;
    const top = u.bbox.top;
    const bottom = u.bbox.top + u.bbox.height;
    ctx.save();
    ctx.lineWidth = 1.5 * px;
    ctx.font = `${11 * px}px system-ui, sans-serif`;
    const vline = (value: number, colour: string, label: string) => {
      const x = u.valToPos(value, 'x', true);
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      ctx.setLineDash([6 * px, 4 * px]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.fillText(label, x + 4 * px, top + 12 * px);
    };
    vline(low, '#b91c1c', `Low < ${pctText(low)}`);
    vline(high, '#15803d', `High ≥ ${pctText(high)}`);
    const y = u.valToPos(target, 'y', true);
    ctx.strokeStyle = '#6b7280';
    ctx.setLineDash([2 * px, 3 * px]);
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, y);
    ctx.lineTo(u.bbox.left + u.bbox.width, y);
    ctx.stroke();
    ctx.restore();
  };
}

export function CalibrationCurveChart({ curve, high, low, target }: CurveChartProps) {
  const data = useMemo<uPlot.AlignedData>(() => [curve.map((p) => p.confidence), curve.map((p) => p.helpfulRate)], [curve]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      series: [
        { label: 'Stated confidence', value: (_u, v) => pctText(v) },
        { label: 'Fitted helpful rate', stroke: '#1d4ed8', width: 2, points: { show: true, size: 5 }, value: (_u, v) => pctText(v) },
      ],
      axes: [
        { ...AXIS, label: 'Stated confidence', values: (_u, ticks) => ticks.map((t) => pctText(t)) },
        { ...AXIS, label: 'Helpful rate', values: (_u, ticks) => ticks.map((t) => pctText(t)) },
      ],
      hooks: { draw: [drawMarks({ high, low, target })] },
    }),
    [high, low, target],
  );
  return <UPlotChart options={options} data={data} />;
}
