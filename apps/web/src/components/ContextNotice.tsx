import { T } from '../testids';
import { useAppState } from '../ui/engine-context';

/**
 * In an insecure context (plain HTTP from another machine) browsers give no
 * camera, no `crypto.subtle` and no cross-origin isolation: the page still
 * classifies uploads and the gallery (WASM without threads), says what is
 * missing, and links the edge's HTTPS address that gives it all.
 */
export function ContextNotice() {
  const { context } = useAppState();
  if (!context || context.secure) return null;
  const missing = [
    ...(context.camera ? [] : ['the camera']),
    ...(context.isolated ? [] : ['WASM threads']),
  ];
  return (
    <div
      className="notice notice-info"
      role="alert"
      data-testid={T.contextNotice}
      data-missing={missing.join(',')}
    >
      <p>
        This page was opened over plain HTTP from another machine, which browsers do not treat as
        secure: {missing.length ? missing.join(' and ') : 'some features'}{' '}
        {missing.length === 1 ? 'is' : 'are'} off here. Uploads and the test images still work.
      </p>
      {context.httpsUrl ? (
        <p>
          For everything, open{' '}
          <a href={context.httpsUrl} data-testid={T.httpsLink}>
            {context.httpsUrl}
          </a>{' '}
          and accept the edge’s self-signed certificate once.
        </p>
      ) : (
        <p>For everything, open the edge’s HTTPS address (it prints it at start).</p>
      )}
    </div>
  );
}
