import { T } from '../testids';
import { useAppState } from '../ui/engine-context';

/**
 * What the page is doing while it starts, above the fold: each stage in
 * words, with a progress bar for this device's profiling and the edge's
 * rounds while the page waits for the edge to profile itself.
 */
export function StatusBanner() {
  const s = useAppState();
  const { stage, profile, edgeProfile } = s;
  let text: string | undefined;
  let progress: { now: number; label: string } | undefined;
  switch (stage) {
    case 'starting':
      text = 'Detecting what this browser can run…';
      break;
    case 'loading-model':
      text = 'Loading the model from the edge…';
      break;
    case 'starting-backend':
      text = 'Starting the tfjs backend…';
      break;
    case 'profiling':
      text =
        profile.status === 'profiling'
          ? `Profiling this device (first visit only): ${profile.phase === 'model' ? 'model slices' : 'layer configurations'}, ${profile.progress}%`
          : 'Loading this device’s profile…';
      progress =
        profile.status === 'profiling'
          ? { now: profile.progress, label: 'Profiling this device' }
          : undefined;
      break;
    case 'waiting-edge': {
      const w = edgeProfile?.waiting;
      text = w
        ? `Waiting for the edge to profile itself (${w.phase}, ${w.done}/${w.total})…`
        : 'Waiting for the edge’s profile…';
      if (w && w.total > 0) {
        progress = {
          now: Math.round((100 * w.done) / w.total),
          label: 'The edge profiling itself',
        };
      }
      break;
    }
    default:
      text = undefined;
  }
  if (!text) return null;
  return (
    <div className="stage" role="status" data-testid={T.stageStatus} data-stage={stage}>
      <p>{text}</p>
      {progress && (
        <div
          className="progress"
          role="progressbar"
          aria-label={progress.label}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={progress.now}
        >
          <div className="progress-bar" style={{ width: `${progress.now}%` }} />
        </div>
      )}
    </div>
  );
}
