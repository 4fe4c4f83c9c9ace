import type { LatencyModel } from '@edgent/planner';
import { expect, type Locator, type Page } from '@playwright/test';
import { T } from '../../apps/web/src/testids';

/**
 * The device page as the tests drive it, through the data-testid contract
 * of apps/web/src/testids.ts only.
 */

/** What the plan element shows. */
export interface ShownPlan {
  exit: number;
  partition: number;
  /** Layers on the exit path: partition === layers means device-only. */
  layers: number;
  online: boolean;
}

/** The last answer the page shows. */
export interface ShownResult {
  request: number;
  label: number;
  className: string;
  plan: ShownPlan;
}

/** The link estimate the page shows. */
export interface ShownBandwidth {
  bps: number;
  rttMs: number;
}

/** How long the page may take to profile itself (first visit, or after reprofile). */
const PROFILE_TIMEOUT_MS = 60_000;
/** How long one answer may take (a slow plan on a throttled device included). */
const ANSWER_TIMEOUT_MS = 30_000;

/** One answer of the exported session log (the fields the tests read). */
export interface LoggedAnswer {
  request: number;
  exit: number;
  partition: number;
  online: boolean;
  feasible: boolean;
  predicted: { total: number };
  measured: { total: number };
}

/** The shipped 28x28 grey model. */
export const GREY_MODEL = 'b-alexnet-fmnist';

/** `url` (absolute, or a path on the page's origin) asking the page for `model`. */
export function withModel(url: string, model: string): string {
  const absolute = /^https?:/.test(url);
  const u = new URL(url, 'http://page.invalid');
  u.searchParams.set('model', model);
  return absolute ? u.href : `${u.pathname}${u.search}${u.hash}`;
}

export class EdgentPage {
  constructor(readonly page: Page) {}

  id(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  /**
   * Opens the page on `model` (default the 28x28 model these tests were
   * written for; the page alone would pick the edge's colour model) and waits
   * until its device profile is ready.
   */
  async open(url = '/', model = GREY_MODEL): Promise<void> {
    await this.page.goto(withModel(url, model));
    await this.waitProfiled();
  }

  async waitProfiled(timeout = PROFILE_TIMEOUT_MS): Promise<void> {
    await expect(this.id(T.profileStatus)).toHaveText('ready', { timeout });
  }

  async waitConnected(timeout = 30_000): Promise<void> {
    await expect(this.id(T.edgeStatus)).toHaveText('connected', { timeout });
  }

  /** The request number of the last answer shown; 0 before any. */
  async request(): Promise<number> {
    const result = this.id(T.resultClass);
    if ((await result.count()) === 0) return 0;
    const value = await result.getAttribute('data-request');
    return value === null ? 0 : Number(value);
  }

  /** Number of answers so far (request-count data-count). */
  async answerCount(): Promise<number> {
    return numberAttr(this.id(T.requestCount), 'data-count');
  }

  /** Waits for an answer newer than `after`, then reads it. */
  async nextResult(after: number, timeout = ANSWER_TIMEOUT_MS): Promise<ShownResult> {
    await expect
      .poll(() => this.request(), { timeout, message: `an answer after request ${after}` })
      .toBeGreaterThan(after);
    return this.result();
  }

  /**
   * The answer shown now, read in one go (during a camera stream a new
   * answer may replace the shown one between two separate reads).
   */
  async result(): Promise<ShownResult> {
    const read = await this.page.evaluate(
      ({ resultId, planId }) => {
        const attrs = (id: string) => {
          const el = document.querySelector(`[data-testid="${id}"]`);
          if (!el) return undefined;
          const out: Record<string, string> = { text: (el.textContent ?? '').trim() };
          for (const attr of Array.from(el.attributes)) out[attr.name] = attr.value;
          return out;
        };
        return { result: attrs(resultId), plan: attrs(planId) };
      },
      { resultId: T.resultClass, planId: T.plan },
    );
    const { result, plan } = read;
    if (!result || !plan) throw new Error(`no answer shown: ${JSON.stringify(read)}`);
    const num = (el: Record<string, string>, name: string) => {
      const n = Number(el[name]);
      if (el[name] === undefined || el[name] === '' || !Number.isFinite(n)) {
        throw new Error(
          `${name}=${JSON.stringify(el[name])} on ${JSON.stringify(el)}, expected a number`,
        );
      }
      return n;
    };
    return {
      request: num(result, 'data-request'),
      label: num(result, 'data-label'),
      className: result.text ?? '',
      plan: {
        exit: num(plan, 'data-exit'),
        partition: num(plan, 'data-partition'),
        layers: num(plan, 'data-layers'),
        online: plan['data-online'] === 'true',
      },
    };
  }

  /** Clicks gallery image `i` and waits for its answer. */
  async classifyGalleryItem(i: number): Promise<ShownResult> {
    const before = await this.request();
    await this.id(T.galleryItem(i)).click();
    return this.nextResult(before);
  }

  /** Pins (exit, partition) from the candidates ("Try"), so the next answers run it. */
  async pinPlan(exit: number, partition: number): Promise<void> {
    const toggle = this.page.getByTestId('candidates-toggle');
    const open = await toggle.evaluate((el) => (el.parentElement as HTMLDetailsElement).open);
    if (!open) await toggle.click();
    await this.id(T.pinPlan(exit, partition)).click();
    await expect(this.id(T.planSource)).toHaveAttribute('data-pinned', 'true');
  }

  /** Uploads an image file and waits for its answer. */
  async classifyFile(path: string): Promise<ShownResult> {
    const before = await this.request();
    await this.id(T.upload).setInputFiles(path);
    return this.nextResult(before);
  }

  /** The link estimate, or undefined while the page has none. */
  async bandwidth(): Promise<ShownBandwidth | undefined> {
    const el = this.id(T.bandwidth);
    if ((await el.count()) === 0) return undefined;
    const bps = await el.getAttribute('data-bps');
    if (bps === null || bps === '' || !Number.isFinite(Number(bps))) return undefined;
    const rtt = await el.getAttribute('data-rtt-ms');
    return { bps: Number(bps), rttMs: rtt === null || rtt === '' ? 0 : Number(rtt) };
  }

  /** Sets a fixed simulated link and waits until the edge confirms it. */
  async setFixedLink(rateKbps: number, delayMs = 0): Promise<void> {
    await this.id(T.linkMode).selectOption('fixed');
    await this.id(T.linkRate).fill(String(rateKbps));
    await this.id(T.linkDelay).fill(String(delayMs));
    await this.id(T.linkApply).click();
    await expect(this.id(T.linkApplied)).toContainText(`${rateKbps} kbit/s`);
  }

  /** Sets the deadline and returns the value the page took (it may clamp it). */
  async setDeadline(ms: number): Promise<number> {
    const input = this.id(T.deadline);
    await input.fill(String(ms));
    await input.press('Enter');
    return Number(await input.inputValue());
  }

  async deadline(): Promise<number> {
    return Number(await this.id(T.deadline).inputValue());
  }

  async encoding(): Promise<string> {
    return this.id(T.encoding).inputValue();
  }

  /** Predicted device-only milliseconds of the last exit, from the device profile. */
  async deviceOnlyMs(): Promise<number> {
    return numberAttr(this.id(T.deviceOnlyMs), 'data-ms');
  }

  /**
   * The latency model of the device profile the page plans with: the JSON in
   * profile-status's data-latency.
   */
  async deviceLatency(): Promise<LatencyModel> {
    const json = await this.id(T.profileStatus).getAttribute('data-latency');
    if (json === null || json === '') {
      throw new Error(
        'profile-status has no data-latency: the page must expose the device LatencyModel it plans with',
      );
    }
    return JSON.parse(json) as LatencyModel;
  }

  /**
   * The online calibration the page plans its next answer with (the calibration line's data
   * attributes); none before its first answer.
   */
  async calibration(): Promise<{ deviceScale: number; edgeExtraMs: number }> {
    const line = this.id(T.calibration);
    if ((await line.count()) === 0) return { deviceScale: 1, edgeExtraMs: 0 };
    return {
      deviceScale: Number(await line.getAttribute('data-device-scale')),
      edgeExtraMs: Number(await line.getAttribute('data-edge-extra-ms')),
    };
  }

  /**
   * The session log as the page exports it (Export JSON): every answer with its plan, predicted
   * and measured breakdown, in order.
   */
  async answersLog(): Promise<LoggedAnswer[]> {
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.id(T.exportJson).click(),
    ]);
    const path = await download.path();
    const { readFile } = await import('node:fs/promises');
    return (JSON.parse(await readFile(path, 'utf8')) as { answers: LoggedAnswer[] }).answers;
  }

  /** Number of gallery images. */
  async galleryCount(): Promise<number> {
    return this.page.locator('[data-testid^="gallery-item-"]').count();
  }

  /** Classifies gallery images in turn until `done(result)` holds, and returns that result. */
  async classifyUntil(
    done: (result: ShownResult) => boolean,
    options: { timeout: number; message: string },
  ): Promise<ShownResult> {
    const gallery = Math.max(1, await this.galleryCount());
    const end = Date.now() + options.timeout;
    let last: ShownResult | undefined;
    for (let i = 0; Date.now() < end; i++) {
      last = await this.classifyGalleryItem(i % gallery);
      if (done(last)) return last;
    }
    throw new Error(
      `${options.message}: not reached in ${options.timeout} ms; last answer ${JSON.stringify(last)}`,
    );
  }
}

async function numberAttr(locator: Locator, name: string): Promise<number> {
  const value = await locator.getAttribute(name);
  const n = Number(value);
  if (value === null || value === '' || !Number.isFinite(n)) {
    throw new Error(`${locator} has ${name}=${JSON.stringify(value)}, expected a number`);
  }
  return n;
}
