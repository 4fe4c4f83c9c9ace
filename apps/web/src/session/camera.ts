import type { ModelPixels } from '@edgent/device';
import { grabFrame } from '../image/decode';

/** What the page shows about the camera. */
export interface CameraState {
  on: boolean;
  starting: boolean;
  error?: string;
}

/**
 * The camera as an input: getUserMedia into a <video>, and a loop that
 * grabs the current frame and waits for its answer before grabbing the next,
 * so at most one camera request is ever in flight.
 */
export class CameraLoop {
  onChange: (state: CameraState) => void = () => {};
  private stream: MediaStream | undefined;
  private running = false;
  private generation = 0;

  constructor(
    private readonly classify: (frame: ModelPixels) => Promise<void>,
    /** The input shape of the model the frames are for. */
    private readonly input: () => readonly number[],
  ) {}

  /** Opens the camera into `video` and starts classifying its frames. */
  async start(video: HTMLVideoElement): Promise<void> {
    if (this.running) return;
    this.onChange({ on: false, starting: true });
    if (!navigator.mediaDevices?.getUserMedia) {
      this.onChange({
        on: false,
        starting: false,
        error: 'this browser gives no camera here (it needs https or localhost)',
      });
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 320 }, height: { ideal: 240 }, facingMode: 'environment' },
        audio: false,
      });
      video.srcObject = this.stream;
      video.muted = true;
      await video.play();
    } catch (e) {
      this.release(video);
      this.onChange({ on: false, starting: false, error: cameraError(e) });
      return;
    }
    this.running = true;
    const generation = ++this.generation;
    this.onChange({ on: true, starting: false });
    void this.loop(video, generation);
  }

  /** Stops the loop and releases the camera. */
  stop(video?: HTMLVideoElement): void {
    const was = this.running || this.stream !== undefined;
    this.running = false;
    this.generation++;
    this.release(video);
    if (was) this.onChange({ on: false, starting: false });
  }

  private release(video?: HTMLVideoElement): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = undefined;
    if (video) video.srcObject = null;
  }

  private async loop(video: HTMLVideoElement, generation: number): Promise<void> {
    while (this.running && generation === this.generation) {
      const frame = grabFrame(video, this.input());
      if (frame) await this.classify(frame);
      // Give the page (and the queue's other users) a turn between frames.
      await new Promise((r) => setTimeout(r, frame ? 0 : 100));
    }
  }
}

function cameraError(e: unknown): string {
  const name = (e as { name?: string }).name;
  if (name === 'NotAllowedError') return 'camera permission was refused';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'no camera found';
  if (name === 'NotReadableError') return 'the camera is in use by another program';
  return `the camera could not start: ${e instanceof Error ? e.message : String(e)}`;
}
