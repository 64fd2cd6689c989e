/**
 * A uPlot chart as a Preact component: created on mount, sized to its container's width (and again when that
 * changes), given new data without being rebuilt, and destroyed on unmount. uPlot draws on a canvas and
 * keeps its own legend, whose values follow the cursor (the chart's tooltip).
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface UPlotChartProps {
  /** Everything but the size, which follows the container. A new object rebuilds the chart. */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height?: number;
}

const MIN_WIDTH = 280;

export function UPlotChart({ options, data, height = 240 }: UPlotChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current!;
    const width = () => Math.max(MIN_WIDTH, el.clientWidth);
    const chart = new uPlot({ ...options, width: width(), height }, data, el);
    plot.current = chart;
    // The canvas is a picture of the data, which the figure's caption, description and table give in words.
    chart.root.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // The data is applied by the effect below; only new options rebuild the chart.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [options, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={box} class="uplot-box" />;
}
