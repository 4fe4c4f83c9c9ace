import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HistoryEvent } from '../session/history';

/** One line of a chart. */
interface ChartSeries {
  label: string;
  color: string;
  /** Draw as steps (plans) instead of lines. */
  stepped?: boolean;
  dash?: number[];
  /** The y scale it is drawn on: 'y' (left axis, the default) or 'y2' (right axis). */
  scale?: 'y' | 'y2';
  /** How a value reads in the hover legend. */
  format?: (v: number) => string;
}

interface Props {
  testId: string;
  title: string;
  /** Says in words what the chart shows now (the canvas is not read by screen readers). */
  summary: string;
  yLabel: string;
  /** Label of the right axis, when a series is on 'y2'. */
  y2Label?: string;
  series: ChartSeries[];
  /** [x (seconds), ...one column per series]. */
  data: number[][];
  logY?: boolean;
  /** The time window every chart shares, seconds. */
  xRange: [number, number];
  /** Marked as vertical lines. */
  events: readonly HistoryEvent[];
}

const HEIGHT = 180;
export const EVENT_COLORS: Record<HistoryEvent['kind'], string> = {
  link: '#5b2c83',
  device: '#0b6e4f',
  change: '#b00020',
  plan: '#555f6d',
};

/** A time chart drawn with uPlot; its size follows its container's width. */
export function TimeChart(props: Props) {
  const { testId, title, summary, yLabel, y2Label, series, data, logY, xRange, events } = props;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef({ data, xRange, events });
  latest.current = { data, xRange, events };

  // biome-ignore lint/correctness/useExhaustiveDependencies: the chart is made once; data flows in below.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const hasY2 = series.some((s) => s.scale === 'y2');
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      scales: {
        x: { time: false, range: () => latest.current.xRange },
        y: logY ? { distr: 3 } : { auto: true },
        ...(hasY2 ? { y2: { auto: true } } : {}),
      },
      axes: [
        { label: 'time (s)', size: 36, labelSize: 16 },
        { label: yLabel, size: 56, labelSize: 16, scale: 'y' },
        ...(hasY2
          ? [
              {
                label: y2Label ?? '',
                size: 56,
                labelSize: 16,
                scale: 'y2',
                side: 1 as const,
                grid: { show: false },
              },
            ]
          : []),
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: 't (s)', value: (_u, v) => (v == null ? '–' : v.toFixed(1)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          scale: s.scale ?? 'y',
          ...(s.format
            ? {
                value: (_u: uPlot, v: number | null) =>
                  v == null ? '–' : (s.format as (x: number) => string)(v),
              }
            : {}),
          ...(s.dash ? { dash: s.dash } : {}),
          ...(s.stepped ? { paths: uPlot.paths.stepped?.({ align: 1 }) } : {}),
          points: { show: true, size: 4 },
        })),
      ],
      hooks: {
        draw: [
          (u) => {
            const { ctx } = u;
            const { top, height } = u.bbox;
            ctx.save();
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
            for (const e of latest.current.events) {
              const x = Math.round(u.valToPos(e.t, 'x', true));
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.strokeStyle = EVENT_COLORS[e.kind];
              ctx.beginPath();
              ctx.moveTo(x, top);
              ctx.lineTo(x, top + height);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
      },
    };
    const chart = new uPlot(opts, latest.current.data as uPlot.AlignedData, el);
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

  // A new time window or new event marks redraw the chart too (the draw hook reads them).
  // biome-ignore lint/correctness/useExhaustiveDependencies: xRange and events are read through `latest`.
  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data, xRange, events]);

  return (
    <figure className="chart" data-testid={testId} data-points={data[0]?.length ?? 0}>
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${summary}`} />
    </figure>
  );
}
