import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng, encodeY4m, type GrayImage, scaleUp } from './images';
import { fixturesDir, repoRoot } from './paths';

/**
 * The test images the tests feed the page, made once per model by the
 * global setup: Fashion-MNIST test images that every exit of the shipped
 * model classifies correctly with a clear margin (so any plan the page
 * picks must give the true class), one per class, as PNG files, and a Y4M
 * video of some of them for the fake camera.
 */

/** One test image on disk. */
interface TestImage {
  /** Index in the Fashion-MNIST test split. */
  index: number;
  label: number;
  className: string;
  /** Absolute path of the PNG (28x28 scaled up 8 times). */
  png: string;
}

/** What the tests read: written by {@link makeFixtures} as `fixtures.json`. */
export interface Fixtures {
  version: number;
  modelHash: string;
  classNames: string[];
  images: TestImage[];
  /** Absolute path of the camera video (Y4M). */
  video: string;
  /** The classes shown in the video, in order. */
  videoLabels: number[];
}

const VERSION = 1;
const SCALE = 8;
/** Every exit must give the true class at least this probability. */
const MIN_CONFIDENCE = 0.9;
const SEARCHED = 400;
const VIDEO_IMAGES = 4;
const VIDEO_FPS = 10;
const VIDEO_FRAMES_EACH = 15;

const modelDir = join(repoRoot, 'models/b-alexnet-fmnist');
const fixturesFile = join(fixturesDir, 'fixtures.json');

/** Reads the fixtures the global setup made. */
export function readFixtures(): Fixtures {
  return JSON.parse(readFileSync(fixturesFile, 'utf8')) as Fixtures;
}

/** Makes the fixtures unless those on disk are for the shipped model already. */
export async function makeFixtures(): Promise<Fixtures> {
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as {
    hash: string;
  };
  if (existsSync(fixturesFile)) {
    const old = readFixtures();
    const complete = [old.video, ...old.images.map((i) => i.png)].every((f) => existsSync(f));
    if (old.version === VERSION && old.modelHash === manifest.hash && complete) return old;
  }
  // Loaded only when needed: tfjs takes a moment to import.
  const m = await import('@edgent/model/node');
  await m.useBackend('wasm');
  const data = m.loadFashionMnist({ split: 'test', limit: SEARCHED });
  const { manifest: full, weights } = await m.readModelDir(modelDir);
  const model = m.modelFromWeights(full.architecture, weights);
  const side = data.height;
  const probs = m.tf.tidy(() => {
    const x = m.inputTensor(model.spec, data.images);
    return m.runAllExits(model, x).map((logits) => m.tf.softmax(logits).arraySync() as number[][]);
  });
  m.disposeModel(model);

  const chosen = new Map<number, number>();
  for (let i = 0; i < data.count; i++) {
    const label = data.labels[i] ?? 0;
    if (chosen.has(label)) continue;
    const sure = probs.every((exit) => (exit[i]?.[label] ?? 0) >= MIN_CONFIDENCE);
    if (sure) chosen.set(label, i);
  }
  if (chosen.size < VIDEO_IMAGES) {
    throw new Error(
      `only ${chosen.size} classes have a test image among the first ${SEARCHED} that every exit gets right`,
    );
  }

  mkdirSync(fixturesDir, { recursive: true });
  const gray = (index: number): GrayImage => {
    const pixels = new Uint8Array(side * data.width);
    const offset = index * pixels.length;
    pixels.set(data.images.subarray(offset, offset + pixels.length));
    return { width: data.width, height: side, pixels };
  };
  const images: TestImage[] = [...chosen.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([label, index]) => {
      const png = join(fixturesDir, `test-${index}-${label}.png`);
      writeFileSync(png, encodePng(scaleUp(gray(index), SCALE)));
      return { index, label, className: data.classNames[label] ?? String(label), png };
    });
  const inVideo = images.slice(0, VIDEO_IMAGES);
  const video = join(fixturesDir, 'camera.y4m');
  writeFileSync(
    video,
    encodeY4m(
      inVideo.map((i) => scaleUp(gray(i.index), SCALE)),
      VIDEO_FRAMES_EACH,
      VIDEO_FPS,
    ),
  );
  const fixtures: Fixtures = {
    version: VERSION,
    modelHash: manifest.hash,
    classNames: [...data.classNames],
    images,
    video,
    videoLabels: inVideo.map((i) => i.label),
  };
  writeFileSync(fixturesFile, `${JSON.stringify(fixtures, null, 2)}\n`);
  return fixtures;
}
