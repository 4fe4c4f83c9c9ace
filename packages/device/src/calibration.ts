/**
 * Online calibration of the latency models: every answered request's
 * measured device and edge times against what the profile predicted for the
 * same slices. The profile keeps the fastest of many back-to-back rounds; a
 * request that arrives every 100 ms meets a colder machine, another load, or
 * another CPU than the profile's. Per side the last {@link CALIBRATION_WINDOW}
 * answers are kept, and the planner corrects that side by their
 * {@link PLANNING_QUANTILE} quantile (over twenty answers, between the two
 * slowest: a single outlier moves it by a twentieth of its excess), so that "feasible"
 * holds for about 19 requests in 20:
 * - the device by the ratio measured / predicted: a slower or colder CPU
 *   stretches every layer alike;
 * - the edge by the difference measured - predicted, in ms: what the edge
 *   reports (queueing, decoding, compute) exceeds its profiled compute by a
 *   cost per request more than per layer.
 * Plans are chosen at that quantile, and their predicted breakdown is given
 * at the median: what the request is expected to take.
 */

/** The two sides whose compute the planner predicts. */
export type CalibratedSide = 'device' | 'edge';

/** Ratios kept per side. */
export const CALIBRATION_WINDOW = 20;
/** The quantile of the ratios the planner plans with. */
export const PLANNING_QUANTILE = 0.95;
/** Ratios are used once a side has this many. */
export const MIN_CALIBRATION_SAMPLES = 3;
/** A median ratio outside [1 / this, this] over a full window: the profile does not describe this machine now. */
export const MISMATCH_FACTOR = 1.5;
/** Predictions below this are too small to divide by, ms. */
const MIN_PREDICTED_MS = 0.05;

/** How a side is corrected: by a ratio (device) or by milliseconds added (edge). */
export const CORRECTION: Record<CalibratedSide, 'ratio' | 'offset'> = {
  device: 'ratio',
  edge: 'offset',
};

/** What the calibration says of one side. */
export interface SideCalibration {
  /** Answers kept. */
  samples: number;
  /** 'ratio': measured / predicted; 'offset': measured - predicted, ms. */
  correction: 'ratio' | 'offset';
  /** The median correction (1 or 0 before any). */
  median: number;
  /** What the planner corrects this side's predictions by. */
  planning: number;
  /** The device's ratio is off by more than {@link MISMATCH_FACTOR} either way over a full window. */
  mismatch: boolean;
}

/** Per-side corrections from the answered requests. */
export class Calibration {
  #kept: Record<CalibratedSide, number[]> = { device: [], edge: [] };

  /** Records one request's side: what the profile predicted and what it took, ms. */
  observe(side: CalibratedSide, predictedMs: number, measuredMs: number): void {
    if (!(predictedMs >= MIN_PREDICTED_MS) || !(measuredMs >= 0) || !Number.isFinite(measuredMs)) {
      return;
    }
    const kept = this.#kept[side];
    kept.push(CORRECTION[side] === 'ratio' ? measuredMs / predictedMs : measuredMs - predictedMs);
    if (kept.length > CALIBRATION_WINDOW) kept.shift();
  }

  /** What the planner multiplies the device's predictions by: 1 until it has enough answers. */
  deviceScale(): number {
    return this.#planning('device');
  }

  /** What the planner adds to the edge's part of a plan, ms: 0 until it has enough answers. */
  edgeExtraMs(): number {
    return this.#planning('edge');
  }

  /**
   * The typical correction (the median): what a request is expected to take,
   * where {@link deviceScale} and {@link edgeExtraMs} are what it takes nine
   * times in ten. Plans are chosen with those and reported with these.
   */
  typical(): { deviceScale: number; edgeExtraMs: number } {
    return {
      deviceScale: this.#correction('device', 0.5),
      edgeExtraMs: this.#correction('edge', 0.5),
    };
  }

  #planning(side: CalibratedSide): number {
    return this.#correction(side, PLANNING_QUANTILE);
  }

  #correction(side: CalibratedSide, at: number): number {
    const kept = this.#kept[side];
    if (kept.length < MIN_CALIBRATION_SAMPLES) return CORRECTION[side] === 'ratio' ? 1 : 0;
    const q = quantile(kept, at);
    // A device never plans faster than half its profile, nor an edge with less than no time.
    return CORRECTION[side] === 'ratio' ? Math.max(0.5, q) : q;
  }

  /** The state of `side`. */
  side(side: CalibratedSide): SideCalibration {
    const kept = this.#kept[side];
    const ratio = CORRECTION[side] === 'ratio';
    const median = kept.length ? quantile(kept, 0.5) : ratio ? 1 : 0;
    return {
      samples: kept.length,
      correction: CORRECTION[side],
      median,
      planning: this.#planning(side),
      mismatch:
        ratio &&
        kept.length >= CALIBRATION_WINDOW &&
        (median > MISMATCH_FACTOR || median < 1 / MISMATCH_FACTOR),
    };
  }

  /** Forgets one side (e.g. after it was profiled again) or both. */
  reset(side?: CalibratedSide): void {
    if (side) this.#kept[side] = [];
    else this.#kept = { device: [], edge: [] };
  }
}

/** The q-quantile of `xs` (linear between order statistics). */
function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + (at - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}
