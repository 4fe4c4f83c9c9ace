import { logToCsv, logToJson, summarise } from '../session/summary';
import { T } from '../testids';
import { useAppState } from '../ui/engine-context';
import { formatPercent } from '../ui/format';
import { download } from './download';
import { Panel } from './Panel';

/**
 * The session so far: answers, accuracy where the true class was known,
 * how often the deadline was met (as measured, per answer), how often a
 * plan promised as feasible missed it, and the plans that ran; the whole
 * log as CSV or JSON.
 */
export function SessionPanel() {
  const { log } = useAppState();
  const s = summarise(log);
  const share = (n: number, of: number) => (of ? `${formatPercent(n / of)} (${n}/${of})` : '–');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return (
    <Panel id="session" title="This session" collapseOnPhone summary={`${s.answers} answers`}>
      <dl
        className="summary"
        data-testid={T.sessionSummary}
        data-answers={s.answers}
        data-labelled={s.labelled}
        data-correct={s.correct}
        data-met={s.met}
        data-feasible={s.feasible}
        data-promised-missed={s.promisedButMissed}
      >
        <dt>Answers</dt>
        <dd>{s.answers}</dd>
        <dt>Accuracy on test images</dt>
        <dd>{share(s.correct, s.labelled)}</dd>
        <dt>Deadline met (measured)</dt>
        <dd>{share(s.met, s.answers)}</dd>
        <dt>Planned as feasible, then missed</dt>
        <dd>{share(s.promisedButMissed, s.feasible)}</dd>
        <dt>Plans used</dt>
        <dd>
          {s.plans.length === 0
            ? '–'
            : s.plans
                .slice(0, 6)
                .map((p) => `exit ${p.exit}/partition ${p.partition} ×${p.count}`)
                .join(', ')}
          {s.plans.length > 6 ? `, and ${s.plans.length - 6} more` : ''}
        </dd>
      </dl>
      <div className="button-row">
        <button
          type="button"
          data-testid={T.exportCsv}
          disabled={log.length === 0}
          onClick={() => download(`edgent-session-${stamp}.csv`, 'text/csv', logToCsv(log))}
        >
          Export CSV
        </button>
        <button
          type="button"
          data-testid={T.exportJson}
          disabled={log.length === 0}
          onClick={() =>
            download(`edgent-session-${stamp}.json`, 'application/json', logToJson(log))
          }
        >
          Export JSON
        </button>
      </div>
    </Panel>
  );
}
