import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line of a chart. */
export interface ChartSeries {
  label: string;
  color: string;
  /** Draw as steps (plans) instead of lines. */
  stepped?: boolean;
  dash?: number[];
}

interface Props {
  testId: string;
  title: string;
  /** Says in words what the chart shows now (the canvas is not read by screen readers). */
  summary: string;
  yLabel: string;
  series: ChartSeries[];
  /** [x (seconds), ...one column per series]. */
  data: number[][];
  logY?: boolean;
}

const HEIGHT = 180;

/** A time chart drawn with uPlot; its size follows its container's width. */
export function TimeChart({ testId, title, summary, yLabel, series, data, logY }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the chart is made once; data flows in below.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      scales: { x: { time: false }, y: logY ? { distr: 3 } : { auto: true } },
      axes: [
        { label: 'time (s)', size: 36, labelSize: 16 },
        { label: yLabel, size: 56, labelSize: 16 },
      ],
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: 't' },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          ...(s.dash ? { dash: s.dash } : {}),
          ...(s.stepped ? { paths: uPlot.paths.stepped?.({ align: 1 }) } : {}),
          points: { show: true, size: 4 },
        })),
      ],
    };
    const chart = new uPlot(opts, latest.current as uPlot.AlignedData, el);
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return (
    <figure className="chart" data-testid={testId} data-points={data[0]?.length ?? 0}>
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${summary}`} />
    </figure>
  );
}
