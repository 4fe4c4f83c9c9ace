import type { Plan } from '@edgent/planner';
import { T } from '../testids';
import { formatMs, formatPercent } from '../ui/format';

interface Props {
  candidates: Plan[];
  chosen: Plan;
  deadlineMs: number;
  exitNames: string[];
}

const W = 320;
const H = 170;
const PAD = { left: 46, right: 12, top: 10, bottom: 34 };

/**
 * Accuracy against latency, one point per exit at its fastest predicted
 * plan for the last answer's link, with the deadline as a line: the planner
 * takes the highest point left of the line.
 */
export function ExitsView({ candidates, chosen, deadlineMs, exitNames }: Props) {
  const best = new Map<number, Plan>();
  for (const c of candidates) {
    const b = best.get(c.exit);
    if (!b || c.predicted.total < b.predicted.total) best.set(c.exit, c);
  }
  const points = [...best.values()].sort((a, b) => a.exit - b.exit);
  if (points.length === 0) return null;
  const maxMs = Math.max(deadlineMs, ...points.map((p) => p.predicted.total)) * 1.1;
  const accs = points.map((p) => p.accuracy);
  const lo = Math.min(...accs) - 0.01;
  const hi = Math.max(...accs) + 0.01;
  const x = (ms: number) => PAD.left + ((W - PAD.left - PAD.right) * ms) / maxMs;
  const y = (a: number) => H - PAD.bottom - ((H - PAD.top - PAD.bottom) * (a - lo)) / (hi - lo);
  return (
    <figure className="exits-view" data-testid={T.exitsView}>
      <figcaption>Exits: accuracy vs fastest predicted time</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Exits by accuracy and fastest predicted time; deadline ${formatMs(deadlineMs)}: ${points
          .map(
            (p) => `exit ${p.exit} ${formatPercent(p.accuracy)} at ${formatMs(p.predicted.total)}`,
          )
          .join('; ')}`}
      >
        <line
          className="axis"
          x1={PAD.left}
          y1={H - PAD.bottom}
          x2={W - PAD.right}
          y2={H - PAD.bottom}
        />
        <line className="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} />
        <line
          className="deadline"
          x1={x(deadlineMs)}
          x2={x(deadlineMs)}
          y1={PAD.top}
          y2={H - PAD.bottom}
        />
        <text className="tick" x={x(deadlineMs) + 3} y={PAD.top + 10}>
          deadline
        </text>
        <text className="tick" x={PAD.left} y={H - 8}>
          0
        </text>
        <text className="tick" x={W - PAD.right} y={H - 8} textAnchor="end">
          {formatMs(maxMs)}
        </text>
        <text className="tick" x={PAD.left - 4} y={y(hi - 0.01) + 4} textAnchor="end">
          {formatPercent(hi - 0.01)}
        </text>
        <text className="tick" x={PAD.left - 4} y={y(lo + 0.01) + 4} textAnchor="end">
          {formatPercent(lo + 0.01)}
        </text>
        {points.map((p) => {
          const isChosen = p.exit === chosen.exit;
          return (
            <g
              key={p.exit}
              data-testid={`exit-point-${p.exit}`}
              data-ms={p.predicted.total}
              data-accuracy={p.accuracy}
              data-chosen={String(isChosen)}
            >
              <title>{`${exitNames[p.exit] ?? `exit ${p.exit}`}: ${formatPercent(p.accuracy)}, fastest ${formatMs(p.predicted.total)} (partition ${p.partition})`}</title>
              <circle
                cx={x(p.predicted.total)}
                cy={y(p.accuracy)}
                r={isChosen ? 7 : 5}
                className={`${p.feasible ? 'fits' : 'misses'}${isChosen ? ' chosen' : ''}`}
              />
              <text className="label" x={x(p.predicted.total) + 9} y={y(p.accuracy) + 4}>
                {p.exit}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
