import { T } from '../testids';
import { useAppState, useEngine } from '../ui/engine-context';

/** At the top of the page while the edge is unreachable or refuses the model. */
export function EdgeNotice() {
  const { connection } = useAppState();
  const engine = useEngine();
  const notice = connection.status !== 'connected' ? connection.error : undefined;
  if (!notice) return null;
  const refused = notice.code === 'EDGENT_ERR_MODEL_MISMATCH';
  return (
    <div className="notice" role="alert" data-testid={T.edgeNotice}>
      <p>
        {refused
          ? `The edge refused this page's model (${notice.message}).`
          : `The edge is unreachable (${notice.message}).`}{' '}
        Answers come from this device alone, with the device-only plan that fits the deadline best,
        until it is back.
      </p>
      <p>
        Reconnecting
        {connection.retryInMs ? ` in ${(connection.retryInMs / 1000).toFixed(1)} s` : '…'} (
        {connection.failures} failed {connection.failures === 1 ? 'try' : 'tries'}; the wait doubles
        up to 5 s).{' '}
        <button type="button" onClick={() => engine.retryEdge()}>
          Retry now
        </button>
      </p>
    </div>
  );
}
