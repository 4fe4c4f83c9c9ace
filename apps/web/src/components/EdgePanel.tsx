import { EXPIRE_MS, PROBE_EVERY_MS } from '@edgent/device';
import { T } from '../testids';
import { useAppState, useEngine } from '../ui/engine-context';
import { formatRate } from '../ui/format';
import { useTick } from '../ui/hooks';

/** The session with the edge, and the link estimate (its failures show in EdgeNotice). */
export function EdgePanel() {
  const s = useAppState();
  const engine = useEngine();
  const { connection, link } = s;
  const offline = connection.status !== 'connected';
  const stale = offline && link.bps !== undefined;
  useTick(1000, link.bps !== undefined);
  const ageS = link.measuredAt === undefined ? undefined : engine.seconds() - link.measuredAt;
  const expired = !offline && ageS !== undefined && ageS * 1000 > EXPIRE_MS;
  return (
    <section className="panel" aria-labelledby="edge-h">
      <h2 id="edge-h">Edge</h2>
      <p>
        Status:{' '}
        <strong data-testid={T.edgeStatus} className={`status-${connection.status}`}>
          {connection.status}
        </strong>
      </p>
      <p>
        Link estimate:{' '}
        <span
          data-testid={T.bandwidth}
          data-bps={link.bps === undefined ? '' : link.bps.toFixed(0)}
          data-rtt-ms={link.rttMs === undefined ? '' : link.rttMs.toFixed(3)}
        >
          {link.bps === undefined
            ? ''
            : `${formatRate(link.bps)}${link.rttMs === undefined ? '' : `, RTT ${link.rttMs.toFixed(1)} ms`}`}
        </span>
        {link.bps === undefined && !offline && <span className="hint"> measuring…</span>}
        {link.bps !== undefined && !offline && ageS !== undefined && (
          <span className={expired ? 'warn' : 'hint'} data-testid={T.bandwidthAge}>
            {' '}
            ({expired ? 'expired: ' : ''}measured {ageS.toFixed(0)} s ago
            {expired ? '; planning for a slow link until measured again' : ''})
          </span>
        )}
        {stale && (
          <span
            className="warn"
            data-testid={T.bandwidthStale}
            data-age-s={ageS === undefined ? '' : ageS.toFixed(0)}
          >
            {' '}
            (stale: measured {ageS === undefined ? '' : `${ageS.toFixed(0)} s ago, `}before the edge
            went away)
          </span>
        )}
      </p>
      <p className="hint">
        Measured by every co-inference transfer long enough to time, and by probes whenever the
        estimate is over {PROBE_EVERY_MS / 1000} s old; after {EXPIRE_MS / 1000} s without a
        measurement the planner assumes a slow link. It is never told the simulated rate.
      </p>
      {s.edgeProfile && (
        <p className="hint">
          Edge profile: {s.edgeProfile.source === 'edge' ? 'from the edge' : 'shipped'} (
          {s.edgeProfile.backend}){s.edgeProfile.note ? `; ${s.edgeProfile.note}` : ''}
        </p>
      )}
    </section>
  );
}
