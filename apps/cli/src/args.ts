import { MAX_SLOWDOWN } from '@edgent/model';
import { InvalidArgumentError } from 'commander';

/** Parses a whole number within [min, max]; the message names the accepted forms. */
export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected a whole number from ${min} to ${max}, got "${value}".`,
      );
    }
    return n;
  };
}

/** Parses a finite number in (0, max]. */
export function positiveArg(max = Number.POSITIVE_INFINITY) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) {
      throw new InvalidArgumentError(
        `expected a number above 0${max < Infinity ? ` and at most ${max}` : ''}, got "${value}".`,
      );
    }
    return n;
  };
}

/** Parses a comma-separated list of non-negative numbers, e.g. "1,0.5,0.5". */
export function numberListArg(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new InvalidArgumentError(
      `expected comma-separated numbers >= 0 such as "1,1,1,1,1", got "${value}".`,
    );
  }
  return nums;
}

/** Accepts one of `allowed`. */
export function choiceArg<T extends string>(allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got "${value}".`);
    }
    return value as T;
  };
}

/** Parses a device slow-down factor: a number from 1 to 256 ("16", "2.5"). */
export function slowdownArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 1 || n > MAX_SLOWDOWN) {
    throw new InvalidArgumentError(
      `expected a slow-down factor from 1 (as fast as this device) to ${MAX_SLOWDOWN}, got "${value}".`,
    );
  }
  return n;
}
