import { useMemo } from 'react';
import { T } from '../testids';
import { useAppState } from '../ui/engine-context';
import { formatMs, formatRate } from '../ui/format';
import { Panel } from './Panel';
import { EVENT_COLORS, TimeChart } from './TimeChart';

const EVENT_NAMES = {
  link: 'link applied',
  device: 'device speed set',
  change: 'change detected',
  plan: 'plan switched',
};

/**
 * The bandwidth estimate, the plan and the latency against the deadline over
 * one shared time window, with the link changes applied, the changes the
 * dynamic mode detected and the plan switches marked on every chart.
 */
export function Charts() {
  const { history, result } = useAppState();
  const { bandwidth: bw, requests: rq, events } = history;
  const layers = result?.layers.length;
  const bandwidthData = useMemo(() => [bw.t, bw.mbps], [bw]);
  const exitData = useMemo(() => [rq.t, rq.exit], [rq]);
  const partitionData = useMemo(() => [rq.t, rq.partition], [rq]);
  const latencyData = useMemo(() => [rq.t, rq.measuredMs, rq.predictedMs, rq.deadlineMs], [rq]);
  const xRange = useMemo<[number, number]>(() => {
    const ts = [...bw.t, ...rq.t, ...events.map((e) => e.t)];
    if (ts.length === 0) return [0, 10];
    const lo = Math.min(...ts);
    const hi = Math.max(...ts);
    return [lo, Math.max(hi, lo + 10)];
  }, [bw, rq, events]);
  const lastBw = bw.mbps.at(-1);
  const n = rq.t.length;
  const last = n - 1;
  return (
    <Panel id="charts" title="Over time" collapseOnPhone summary={`${n} answers`}>
      <div className="chart-grid">
        <TimeChart
          testId={T.chartBandwidth}
          title="Bandwidth estimate"
          summary={
            lastBw === undefined
              ? 'no estimate yet'
              : `latest ${formatRate(lastBw * 1e6)}, ${bw.t.length} estimates`
          }
          yLabel="Mbit/s (log)"
          logY
          series={[{ label: 'estimate', color: '#1b6ac9', format: (v) => formatRate(v * 1e6) }]}
          data={bandwidthData}
          xRange={xRange}
          events={events}
        />
        <TimeChart
          testId={T.chartPlan}
          title="Plan: exit"
          summary={n ? `latest exit ${rq.exit[last]}` : 'no answer yet'}
          yLabel="exit"
          series={[{ label: 'exit', color: '#6a1fd0', stepped: true, format: (v) => String(v) }]}
          data={exitData}
          xRange={xRange}
          events={events}
        />
        <TimeChart
          testId="chart-partition"
          title="Plan: layers on the device"
          summary={
            n
              ? `latest ${rq.partition[last]} layers on the device${layers === undefined ? '' : ` of ${layers}`}`
              : 'no answer yet'
          }
          yLabel="layers"
          series={[
            {
              label: 'on the device',
              color: '#1b6ac9',
              stepped: true,
              format: (v) => `${v} layers`,
            },
          ]}
          data={partitionData}
          xRange={xRange}
          events={events}
        />
        <TimeChart
          testId={T.chartLatency}
          title="Latency vs deadline"
          summary={
            n
              ? `latest measured ${formatMs(rq.measuredMs[last] ?? Number.NaN)}, predicted ${formatMs(rq.predictedMs[last] ?? Number.NaN)}, deadline ${formatMs(rq.deadlineMs[last] ?? Number.NaN)}`
              : 'no answer yet'
          }
          yLabel="ms"
          series={[
            { label: 'measured', color: '#0a7d38', format: formatMs },
            { label: 'predicted', color: '#1b6ac9', dash: [4, 3], format: formatMs },
            { label: 'deadline', color: '#c62828', stepped: true, format: formatMs },
          ]}
          data={latencyData}
          xRange={xRange}
          events={events}
        />
      </div>
      <ul className="event-legend" data-testid={T.chartEvents} data-count={events.length}>
        {(['link', 'device', 'change', 'plan'] as const).map((kind) => (
          <li key={kind}>
            <span className="event-swatch" style={{ borderColor: EVENT_COLORS[kind] }} />{' '}
            {EVENT_NAMES[kind]} ({events.filter((e) => e.kind === kind).length})
          </li>
        ))}
      </ul>
      {events.length > 0 && (
        <details className="event-list">
          <summary>Events ({events.length})</summary>
          <ol>
            {events
              .slice(-20)
              .reverse()
              .map((e) => (
                <li key={`${e.t}-${e.kind}-${e.label}`}>
                  {e.t.toFixed(1)} s: {e.label}
                </li>
              ))}
          </ol>
        </details>
      )}
    </Panel>
  );
}
