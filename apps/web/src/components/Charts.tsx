import { useMemo } from 'react';
import { T } from '../testids';
import { useAppState } from '../ui/engine-context';
import { formatMs, formatRate } from '../ui/format';
import { TimeChart } from './TimeChart';

/** The bandwidth estimate, the plan and the latency against the deadline, over time. */
export function Charts() {
  const { history } = useAppState();
  const { bandwidth: bw, requests: rq } = history;
  const bandwidthData = useMemo(() => [bw.t, bw.mbps], [bw]);
  const planData = useMemo(() => [rq.t, rq.exit, rq.partition], [rq]);
  const latencyData = useMemo(() => [rq.t, rq.measuredMs, rq.predictedMs, rq.deadlineMs], [rq]);
  const lastBw = bw.mbps.at(-1);
  const n = rq.t.length;
  const last = n - 1;
  return (
    <section className="panel charts" aria-labelledby="charts-h">
      <h2 id="charts-h">Over time</h2>
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
          series={[{ label: 'estimate (Mbit/s)', color: '#1b6ac9' }]}
          data={bandwidthData}
        />
        <TimeChart
          testId={T.chartPlan}
          title="Plan: exit and partition"
          summary={
            n ? `latest exit ${rq.exit[last]}, partition ${rq.partition[last]}` : 'no answer yet'
          }
          yLabel="index"
          series={[
            { label: 'exit', color: '#8a3ffc', stepped: true },
            { label: 'partition', color: '#d2691e', stepped: true },
          ]}
          data={planData}
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
            { label: 'measured', color: '#0a7d38' },
            { label: 'predicted', color: '#1b6ac9', dash: [4, 3] },
            { label: 'deadline', color: '#c62828', stepped: true },
          ]}
          data={latencyData}
        />
      </div>
    </section>
  );
}
