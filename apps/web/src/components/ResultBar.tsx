import { T } from '../testids';
import { useAppState } from '../ui/engine-context';
import { describeCut, formatMs, formatPercent } from '../ui/format';
import { useThrottled } from '../ui/hooks';
import { GrayCanvas } from './GrayCanvas';

/** The id of the camera's <video>: the camera loop reads its frames from it. */
export const CAMERA_VIDEO_ID = 'camera-video';

/**
 * Always on screen, at the bottom: the last answer's class and confidence,
 * its plan in a line, and the input beside it (the live camera preview
 * while the camera runs), so a tap, an upload or a camera frame shows its
 * answer without scrolling on any screen. Screen readers hear the answer at
 * most about once a second.
 */
export function ResultBar() {
  const { result: r, input, camera, busy, stage } = useAppState();
  const spoken = useThrottled(
    r ? `${r.className}, ${formatPercent(r.confidence)}${r.met ? '' : ', deadline missed'}` : '',
    1000,
  );
  return (
    <aside
      className="result-bar"
      aria-label="Last answer"
      data-testid={T.resultBar}
      data-request={r?.request ?? 0}
    >
      <div className="result-bar-input">
        <video
          id={CAMERA_VIDEO_ID}
          data-testid={T.cameraVideo}
          playsInline
          muted
          aria-label="Camera preview"
          hidden={!camera.on}
        />
        {!camera.on && (
          <GrayCanvas
            pixels={input?.pixels}
            role="img"
            aria-label={input ? `Input: ${input.name}` : 'No input yet'}
          />
        )}
      </div>
      <div className="result-bar-text">
        {r ? (
          <>
            <p className="result-bar-answer">
              <strong data-testid={T.resultBarClass} data-label={r.label}>
                {r.className}
              </strong>{' '}
              <span data-testid={T.resultBarConfidence} data-confidence={r.confidence.toFixed(6)}>
                {formatPercent(r.confidence)}
              </span>
              {r.trueLabel !== undefined && (
                <span className={r.trueLabel === r.label ? 'ok' : 'bad'}>
                  {r.trueLabel === r.label ? ' ✓' : ' ✗'}
                </span>
              )}
            </p>
            <p className="result-bar-plan">
              exit {r.plan.exit} · {describeCut(r.plan.partition, r.layers.length)} ·{' '}
              {formatMs(r.measured.total)} of {formatMs(r.deadlineMs)}{' '}
              <span className={r.met ? 'ok' : 'bad'}>{r.met ? 'met' : 'missed'}</span>
              {busy ? ' · working…' : ''}
            </p>
          </>
        ) : (
          <p className="result-bar-plan">
            {stage === 'ready'
              ? busy
                ? 'Working…'
                : 'Tap a test image, upload one or start the camera.'
              : 'Starting…'}
          </p>
        )}
        <p className="visually-hidden" aria-live="polite">
          {spoken}
        </p>
      </div>
      <a className="result-bar-more" href="#result">
        Details
      </a>
    </aside>
  );
}
