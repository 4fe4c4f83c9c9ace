import type { BaselineName, Breakdown } from '@edgent/planner';
import { T } from '../testids';
import { useAppState } from '../ui/engine-context';
import { describeCut, formatMs, formatPercent, formatRate } from '../ui/format';
import { Candidates } from './Candidates';
import { ExitsView } from './ExitsView';
import { PlanDiagram } from './PlanDiagram';

const PARTS = ['device', 'upload', 'edge', 'download', 'total'] as const;
const BASELINES: { name: BaselineName; label: string }[] = [
  { name: 'deviceOnly', label: 'device-only' },
  { name: 'edgeOnly', label: 'edge-only' },
  { name: 'partitionOnly', label: 'partition-only (Neurosurgeon)' },
  { name: 'exitOnly', label: 'exit-only (BranchyNet, on the device)' },
];

/** The last answer: class, plan, predicted vs measured breakdown and the baselines. */
export function ResultPanel() {
  const { result: r, requests, busy, classifyError, model } = useAppState();
  return (
    <section
      className="panel result"
      id="result"
      tabIndex={-1}
      aria-labelledby="result-h"
      aria-busy={busy}
    >
      <h2 id="result-h">
        Answer{' '}
        <span className="count" data-testid={T.requestCount} data-count={requests}>
          ({requests} so far)
        </span>
      </h2>
      {classifyError && (
        <p className="error" role="alert">
          {classifyError}
        </p>
      )}
      {!r && <p className="hint">Pick a test image, upload one or start the camera.</p>}
      {r && (
        <>
          <p className="answer">
            <strong
              className="class-name"
              data-testid={T.resultClass}
              data-label={r.label}
              data-request={r.request}
            >
              {r.className}
            </strong>{' '}
            <span data-testid={T.resultConfidence} data-confidence={r.confidence.toFixed(6)}>
              {formatPercent(r.confidence)}
            </span>
            {r.trueLabel !== undefined && (
              <span className={r.trueLabel === r.label ? 'ok' : 'bad'}>
                {r.trueLabel === r.label ? ' ✓ correct' : ' ✗ wrong'}
              </span>
            )}
          </p>
          <ol className="top-classes" data-testid={T.topClasses} aria-label="Most likely classes">
            {r.top.map((c, rank) => (
              <li
                key={c.label}
                data-testid={`top-${rank}`}
                data-label={c.label}
                data-probability={c.probability.toFixed(6)}
              >
                <span className="top-name">{c.className}</span>
                <span className="top-bar" aria-hidden="true">
                  <span style={{ width: `${(100 * c.probability).toFixed(1)}%` }} />
                </span>
                <span className="top-p">{formatPercent(c.probability)}</span>
              </li>
            ))}
          </ol>
          <p>
            Deadline {formatMs(r.deadlineMs)}:{' '}
            <strong data-testid={T.deadlineMet} className={r.met ? 'ok' : 'bad'}>
              {r.met ? 'met' : 'missed'}
            </strong>
          </p>
          <p
            data-testid={T.plan}
            data-exit={r.plan.exit}
            data-partition={r.plan.partition}
            data-layers={r.layers.length}
            data-online={String(r.online)}
          >
            Exit {r.plan.exit} ({r.exitName},{' '}
            {formatPercent(model?.exits[r.plan.exit]?.accuracy ?? r.plan.accuracy)} accurate),
            partition {r.plan.partition} of {r.layers.length}:{' '}
            {describeCut(r.plan.partition, r.layers.length)}
            {r.online ? '' : ' (edge unreachable: device-only plan)'}
            {r.online && r.bandwidthBps !== undefined
              ? `; planned at ${formatRate(r.bandwidthBps)}`
              : ''}
            {r.dynamic
              ? `; dynamic map entry for ${r.dynamic.segmentBps === undefined ? '?' : formatRate(r.dynamic.segmentBps)} (${r.dynamic.changes} link changes seen)`
              : ''}
            {r.pinned
              ? '; pinned by you, not the planner’s choice'
              : r.plan.feasible
                ? ''
                : '; no plan fits the deadline, so the fastest one ran'}
          </p>
          <PlanDiagram layers={r.layers} partition={r.plan.partition} exitName={r.exitName} />
          <BreakdownTable predicted={r.plan.predicted} measured={r.measured} />
          <BaselineTable baselines={r.baselines} deadlineMs={r.deadlineMs} />
          <ExitsView
            candidates={r.candidates}
            chosen={r.plan}
            deadlineMs={r.deadlineMs}
            exitNames={model?.exits.map((e) => e.name) ?? []}
          />
          <Candidates
            candidates={r.candidates}
            chosen={r.plan}
            deadlineMs={r.deadlineMs}
            layers={r.layers.length}
            online={r.online}
          />
        </>
      )}
    </section>
  );
}

function BreakdownTable({ predicted, measured }: { predicted: Breakdown; measured: Breakdown }) {
  return (
    <div className="table-scroll">
      <table className="numbers">
        <caption>Latency: predicted by the planner vs measured</caption>
        <thead>
          <tr>
            <th scope="col">part</th>
            <th scope="col">predicted</th>
            <th scope="col">measured</th>
          </tr>
        </thead>
        <tbody>
          {PARTS.map((part) => (
            <tr key={part} className={part === 'total' ? 'total' : ''}>
              <th scope="row">{part}</th>
              <td data-testid={T.predicted(part)} data-ms={predicted[part]}>
                {formatMs(predicted[part])}
              </td>
              <td data-testid={T.measured(part)} data-ms={measured[part]}>
                {formatMs(measured[part])}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function BaselineTable({
  baselines,
  deadlineMs,
}: {
  baselines: Record<BaselineName, import('@edgent/planner').Plan>;
  deadlineMs: number;
}) {
  return (
    <div className="table-scroll">
      <table className="numbers">
        <caption>What the baselines would have predicted for this request</caption>
        <thead>
          <tr>
            <th scope="col">strategy</th>
            <th scope="col">exit</th>
            <th scope="col">partition</th>
            <th scope="col">predicted</th>
          </tr>
        </thead>
        <tbody>
          {BASELINES.map(({ name, label }) => {
            const p = baselines[name];
            return (
              <tr
                key={name}
                data-testid={T.baseline(name)}
                data-exit={p.exit}
                data-partition={p.partition}
                data-ms={p.predicted.total}
              >
                <th scope="row">{label}</th>
                <td>{p.exit}</td>
                <td>{p.partition}</td>
                <td className={p.predicted.total <= deadlineMs ? 'ok' : 'bad'}>
                  {formatMs(p.predicted.total)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
