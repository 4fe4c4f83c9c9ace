import type { Plan } from '@edgent/planner';
import { T } from '../testids';
import { useAppState, useEngine } from '../ui/engine-context';
import { formatBytes, formatMs, formatPercent } from '../ui/format';

interface Props {
  candidates: Plan[];
  chosen: Plan;
  deadlineMs: number;
  /** Layers on the chosen exit's path (for the summary line). */
  layers: number;
  online: boolean;
}

/**
 * Why this plan: every (exit, partition) the planner weighed for the last
 * answer, with the bytes it would send, its predicted time against the
 * deadline and its exit's accuracy; the chosen one marked. The planner
 * takes the most accurate exit that has a plan within the deadline, at its
 * fastest partition.
 */
export function Candidates({ candidates, chosen, deadlineMs, online }: Props) {
  const engine = useEngine();
  const { settings } = useAppState();
  const feasible = candidates.filter((c) => c.feasible).length;
  return (
    <details className="candidates">
      <summary data-testid="candidates-toggle">
        Why this plan: {candidates.length} candidates weighed, {feasible} within{' '}
        {formatMs(deadlineMs)}
      </summary>
      <p className="hint">
        {online
          ? 'The planner keeps the most accurate exit with a plan that meets the deadline, at its fastest partition; with none, the fastest plan runs.'
          : 'The edge was unreachable: the device-only plan that fits best ran.'}
      </p>
      <div className="table-scroll">
        <table className="numbers" data-testid={T.candidates}>
          <caption>Every exit and partition, predicted for the link measured then</caption>
          <thead>
            <tr>
              <th scope="col">exit</th>
              <th scope="col">partition</th>
              <th scope="col">sent</th>
              <th scope="col">predicted</th>
              <th scope="col">accuracy</th>
              <th scope="col">
                <span className="visually-hidden">pin</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {candidates.map((c) => {
              const isChosen = c.exit === chosen.exit && c.partition === chosen.partition;
              return (
                <tr
                  key={`${c.exit}-${c.partition}`}
                  data-testid={T.candidate(c.exit, c.partition)}
                  data-chosen={String(isChosen)}
                  data-feasible={String(c.feasible)}
                  data-ms={c.predicted.total}
                  data-bytes={c.bytesUp}
                  className={isChosen ? 'chosen' : ''}
                  aria-current={isChosen ? 'true' : undefined}
                >
                  <th scope="row">
                    {isChosen ? '▶ ' : ''}
                    {c.exit}
                  </th>
                  <td>{c.partition}</td>
                  <td>{c.bytesUp === 0 ? '–' : formatBytes(c.bytesUp)}</td>
                  <td className={c.feasible ? 'ok' : 'bad'}>{formatMs(c.predicted.total)}</td>
                  <td>{formatPercent(c.accuracy)}</td>
                  <td>
                    <button
                      type="button"
                      className="pin"
                      data-testid={T.pinPlan(c.exit, c.partition)}
                      aria-pressed={
                        settings.pinned?.exit === c.exit &&
                        settings.pinned?.partition === c.partition
                      }
                      aria-label={`Try exit ${c.exit} at partition ${c.partition} for the next answers`}
                      onClick={() => engine.pinPlan({ exit: c.exit, partition: c.partition })}
                    >
                      Try
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </details>
  );
}
