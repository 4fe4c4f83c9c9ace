/**
 * Bayesian online change-point detection (Adams & MacKay 2007, "Bayesian
 * Online Changepoint Detection", arXiv:0710.3742) for a stream of reals,
 * typically log bandwidth.
 *
 * Model: segments are i.i.d. Normal with unknown mean and variance under a
 * Normal-Gamma prior (mu0, kappa0, alpha0, beta0), so each run length's
 * predictive is a Student-t; the hazard is constant, 1/lambda. The run-length
 * distribution is truncated at `maxRunLength`: the last cell holds every run
 * at least that long, so an update is O(maxRunLength) over preallocated
 * Float64Arrays and allocates nothing but its result.
 *
 * Run length r after x_t counts the observations in the current segment up to
 * and including x_t; r = 0 means "a segment starts with the next sample" and
 * always carries the hazard's mass, so it says nothing about x_t.
 *
 * Detection rule: `probChange` is P(minRun <= r <= maxRecentRun), the posterior
 * mass on a segment that began recently yet already holds `minRun` samples
 * (so one outlier does not make a segment). A change is reported when it
 * exceeds `threshold` and the most likely start of that recent segment lies
 * after the previously reported one (so one change is reported once).
 */
import { PlannerError } from '../errors';

/** Options of `createBocpd`; every field has a default. */
export interface BocpdOptions {
  /** Expected segment length in samples: hazard 1/lambda (default 100). */
  lambda?: number;
  /** Run lengths kept; longer runs share the last cell (default 300). */
  maxRunLength?: number;
  /** Prior mean; default the first observation. */
  mu0?: number;
  /** Prior pseudo-count on the mean (default 0.1). */
  kappa0?: number;
  /** Prior shape of the precision (default 1). */
  alpha0?: number;
  /** Prior rate of the precision; alpha0 / beta0 is the prior precision (default 0.02, i.e. sd ~0.14). */
  beta0?: number;
  /** A new segment must hold at least this many samples to be reported (default 2). */
  minRun?: number;
  /** Only segments at most this long count as recent (default 8). */
  maxRecentRun?: number;
  /** Report a change when `probChange` exceeds this (default 0.5). */
  threshold?: number;
  /**
   * Weight of a broad outlier component mixed into each run's predictive
   * (default 0.01; 0 gives plain Adams & MacKay). It bounds how much mass one
   * wild sample can take from a long run; a sample the outlier component
   * explains better than the Student-t does not update that run's posterior
   * (except the fresh run, r = 0, which always starts from it).
   */
  outlierProb?: number;
  /** Width of the outlier component, a uniform density 1/outlierSpread in x units (default 10). */
  outlierSpread?: number;
}

/** One update's outcome. */
export interface BocpdResult {
  /** A new change was detected with this sample. */
  changed: boolean;
  /** The most probable run length (MAP) after this sample. */
  runLength: number;
  /** P(minRun <= run length <= maxRecentRun): the detection statistic. */
  probChange: number;
}

/** An online change-point detector; create with `createBocpd`. */
export interface Bocpd {
  /** Feeds one observation. */
  update(x: number): BocpdResult;
  /** Mean of the samples of the most probable non-empty run; undefined before any sample. */
  currentSegmentMean(): number | undefined;
  /** Samples seen. */
  readonly samples: number;
  /** Index (0-based sample count) where the last reported segment starts; 0 before any change. */
  readonly lastChangeAt: number;
  /** The run-length distribution over 0..length-1 (a view; valid until the next update). */
  runLengthDistribution(): Float64Array;
  /** Forgets all samples. */
  reset(): void;
}

/**
 * Creates a detector.
 *
 * @example
 * const d = createBocpd({ lambda: 50 });
 * for (const x of logBandwidths) if (d.update(x).changed) replan(Math.exp(d.currentSegmentMean()!));
 */
export function createBocpd(opts: BocpdOptions = {}): Bocpd {
  const lambda = positive('lambda', opts.lambda ?? 100);
  if (lambda <= 1) bad('lambda', lambda, 'a number > 1');
  const maxR = integer('maxRunLength', opts.maxRunLength ?? 300, 4);
  const kappa0 = positive('kappa0', opts.kappa0 ?? 0.1);
  const alpha0 = positive('alpha0', opts.alpha0 ?? 1);
  const beta0 = positive('beta0', opts.beta0 ?? 0.02);
  const minRun = integer('minRun', opts.minRun ?? 2, 1);
  const maxRecentRun = integer('maxRecentRun', opts.maxRecentRun ?? 8, minRun);
  if (maxRecentRun >= maxR)
    bad('maxRecentRun', maxRecentRun, `a whole number < maxRunLength ${maxR}`);
  const threshold = opts.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) bad('threshold', threshold, 'a number in (0, 1)');
  const outlierProb = opts.outlierProb ?? 0.01;
  if (!(outlierProb >= 0 && outlierProb < 1)) bad('outlierProb', outlierProb, 'a number in [0, 1)');
  const outlierSpread = positive('outlierSpread', opts.outlierSpread ?? 10);
  const logInlier = Math.log(1 - outlierProb);
  const logOutlier =
    outlierProb > 0 ? Math.log(outlierProb / outlierSpread) : Number.NEGATIVE_INFINITY;
  if (opts.mu0 !== undefined && !Number.isFinite(opts.mu0)) bad('mu0', opts.mu0, 'a finite number');
  const hazard = 1 / lambda;

  // Cell r holds P(run length = r) and the posterior of a run of that length.
  const prob = new Float64Array(maxR);
  const mu = new Float64Array(maxR);
  const kappa = new Float64Array(maxR);
  const alpha = new Float64Array(maxR);
  const beta = new Float64Array(maxR);
  const logPred = new Float64Array(maxR);
  // 1 where the outlier component explains x better: that run's posterior skips x.
  const skip = new Uint8Array(maxR);
  let mu0 = opts.mu0 ?? 0;
  let len = 0;
  let t = 0;
  let lastChangeAt = 0;

  function setPrior(r: number): void {
    mu[r] = mu0;
    kappa[r] = kappa0;
    alpha[r] = alpha0;
    beta[r] = beta0;
  }

  function reset(): void {
    mu0 = opts.mu0 ?? 0;
    len = 1;
    t = 0;
    lastChangeAt = 0;
    prob[0] = 1;
    setPrior(0);
  }
  reset();

  function mapRun(from: number): number {
    let best = from;
    for (let r = from + 1; r < len; r++) if ((prob[r] as number) > (prob[best] as number)) best = r;
    return best;
  }

  return {
    update(x) {
      if (!Number.isFinite(x)) {
        throw new PlannerError(
          'EDGENT_ERR_BAD_OPTION',
          `bocpd update needs a finite number, got ${x}`,
        );
      }
      if (t === 0 && opts.mu0 === undefined) {
        mu0 = x;
        setPrior(0);
      }
      // Student-t predictive of x under each run's posterior, in logs.
      let maxLog = Number.NEGATIVE_INFINITY;
      for (let r = 0; r < len; r++) {
        const a = alpha[r] as number;
        const k = kappa[r] as number;
        const nu = 2 * a;
        const scale2 = ((beta[r] as number) * (k + 1)) / (a * k);
        const z = x - (mu[r] as number);
        const lt =
          logInlier +
          lgamma(a + 0.5) -
          lgamma(a) -
          0.5 * Math.log(nu * Math.PI * scale2) -
          (a + 0.5) * Math.log1p((z * z) / (nu * scale2));
        const hi = Math.max(lt, logOutlier);
        const lp = hi + Math.log1p(Math.exp(-Math.abs(lt - logOutlier)));
        // A fresh run (r = 0, the prior) always learns from x: were it to skip a sample far from
        // the prior mean, no new segment could ever form at a level 1000x away.
        skip[r] = r > 0 && lt < logOutlier ? 1 : 0;
        logPred[r] = lp;
        if ((prob[r] as number) > 0 && lp > maxLog) maxLog = lp;
      }
      // Growth and change masses (scaled by exp(-maxLog), which normalising cancels).
      let changeMass = 0;
      const grow = len < maxR;
      if (!grow) {
        // Truncated: the last cell holds every run at least maxR - 1 long, so
        // it takes its own growth and that of the cell before it, and keeps the
        // posterior of whichever brought more mass. Done before the sweep below
        // overwrites the cell before it.
        const last = len - 1;
        const own = (prob[last] as number) * Math.exp((logPred[last] as number) - maxLog);
        const incoming =
          (prob[last - 1] as number) * Math.exp((logPred[last - 1] as number) - maxLog);
        changeMass = own * hazard;
        prob[last] = (own + incoming) * (1 - hazard);
        updateInto(last, own >= incoming ? last : last - 1, x);
      }
      const top = grow ? len - 1 : len - 2;
      for (let r = top; r >= 0; r--) {
        const m = (prob[r] as number) * Math.exp((logPred[r] as number) - maxLog);
        changeMass += m * hazard;
        if (grow || r < top) {
          prob[r + 1] = m * (1 - hazard);
          updateInto(r + 1, r, x);
        }
      }
      prob[0] = changeMass;
      setPrior(0);
      if (grow) len++;
      let total = 0;
      for (let r = 0; r < len; r++) total += prob[r] as number;
      for (let r = 0; r < len; r++) prob[r] = (prob[r] as number) / total;
      t++;

      let probChange = 0;
      let bestRecent = minRun;
      const recentTop = Math.min(maxRecentRun, len - 1);
      for (let r = minRun; r <= recentTop; r++) {
        probChange += prob[r] as number;
        if ((prob[r] as number) > (prob[bestRecent] as number)) bestRecent = r;
      }
      let changed = false;
      if (probChange > threshold) {
        const start = t - bestRecent;
        if (start > lastChangeAt) {
          lastChangeAt = start;
          changed = true;
        }
      }
      return { changed, runLength: mapRun(0), probChange };
    },

    currentSegmentMean() {
      if (t === 0) return undefined;
      // The run's own data mean: the posterior mean less the prior's pull, which after a jump of
      // ln 1000 would leave the mean 10-20% short for several samples.
      const r = mapRun(1);
      const k = kappa[r] as number;
      const n = k - kappa0;
      return n > 0.5 ? ((mu[r] as number) * k - kappa0 * mu0) / n : (mu[r] as number);
    },

    get samples() {
      return t;
    },

    get lastChangeAt() {
      return lastChangeAt;
    },

    runLengthDistribution() {
      return prob.subarray(0, len);
    },

    reset,
  };

  /**
   * Posterior of cell `from` updated with x (or carried over if x was an
   * outlier for it), written to cell `to` (to >= from, so a downward sweep is safe).
   */
  function updateInto(to: number, from: number, x: number): void {
    if (skip[from] === 1) {
      mu[to] = mu[from] as number;
      beta[to] = beta[from] as number;
      kappa[to] = kappa[from] as number;
      alpha[to] = alpha[from] as number;
      return;
    }
    const k = kappa[from] as number;
    const m = mu[from] as number;
    const d = x - m;
    mu[to] = (k * m + x) / (k + 1);
    beta[to] = (beta[from] as number) + (k * d * d) / (2 * (k + 1));
    kappa[to] = k + 1;
    alpha[to] = (alpha[from] as number) + 0.5;
  }
}

/** log Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; ~1e-15 relative). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const tt = z + 7.5;
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(tt) - tt + Math.log(a);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

function bad(name: string, value: unknown, allowed: string): never {
  throw new PlannerError(
    'EDGENT_ERR_BAD_OPTION',
    `bocpd option ${name} must be ${allowed}, got ${String(value)}`,
  );
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) bad(name, value, 'a finite number > 0');
  return value;
}

function integer(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) bad(name, value, `a whole number >= ${min}`);
  return value;
}
