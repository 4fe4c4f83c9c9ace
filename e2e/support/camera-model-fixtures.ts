import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePngRgb, encodeY4mRgb, type RgbImage, scaleUpRgb } from './images';
import { fixturesDir, repoRoot } from './paths';

/**
 * The test inputs of the shipped model of colour frames, made once per model
 * by the global setup when the model is shipped: composed test frames (the
 * set `edgent eval` measures) that every exit classifies correctly with a
 * clear margin, one per class, as PNG files, and a colour Y4M video of some
 * of them for the fake camera.
 */

/** The model of colour frames the page picks by default. */
export const CAMERA_MODEL = 'b-convnet-camera';

/** One composed test frame on disk. */
interface FrameImage {
  /** Index in the composed test set (= the Fashion-MNIST test index). */
  index: number;
  label: number;
  className: string;
  /** Absolute path of the PNG (64x64 scaled up 4 times). */
  png: string;
}

/** What the camera-model tests read. */
export interface CameraModelFixtures {
  version: number;
  modelHash: string;
  classNames: string[];
  frames: FrameImage[];
  /** Absolute path of the camera video (Y4M). */
  video: string;
  videoLabels: number[];
}

const VERSION = 1;
const SCALE = 4;
/** Every exit must give the true class at least this probability. */
const MIN_CONFIDENCE = 0.6;
const SEARCHED = 500;
const VIDEO_FRAMES = 4;
const VIDEO_FPS = 10;
const VIDEO_FRAMES_EACH = 15;

const modelDir = join(repoRoot, 'models', CAMERA_MODEL);
const dir = join(fixturesDir, CAMERA_MODEL);
const fixturesFile = join(dir, 'fixtures.json');
/** The fake camera's video: a fixed path, so a spec file can name it at load time. */
export const cameraModelVideo = join(dir, 'camera.y4m');

/** Whether the model of colour frames is shipped (its tests skip otherwise). */
export const cameraModelShipped = (): boolean => existsSync(join(modelDir, 'manifest.json'));

/** Reads the fixtures the global setup made. */
export function readCameraModelFixtures(): CameraModelFixtures {
  return JSON.parse(readFileSync(fixturesFile, 'utf8')) as CameraModelFixtures;
}

/** Makes the fixtures unless the model is not shipped or those on disk are for it already. */
export async function makeCameraModelFixtures(): Promise<CameraModelFixtures | undefined> {
  if (!cameraModelShipped()) return undefined;
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as {
    hash: string;
  };
  if (existsSync(fixturesFile)) {
    const old = readCameraModelFixtures();
    const complete = [old.video, ...old.frames.map((f) => f.png)].every((f) => existsSync(f));
    if (old.version === VERSION && old.modelHash === manifest.hash && complete) return old;
  }
  const m = await import('@edgent/model/node');
  await m.useBackend('wasm');
  const data = m.composedDataset(
    m.loadFashionMnist({ split: 'test', limit: SEARCHED }),
    m.TEST_COMPOSITION,
  );
  const { manifest: full, weights } = await m.readModelDir(modelDir);
  const model = m.modelFromWeights(full.architecture, weights);
  const indices = Array.from({ length: data.count }, (_, i) => i);
  const { x, y } = m.gatherBatch(data, indices);
  const probs = m.tf.tidy(() =>
    m.runAllExits(model, x).map((logits) => m.tf.softmax(logits).arraySync() as number[][]),
  );
  m.tf.dispose([x, y]);
  m.disposeModel(model);

  const chosen = new Map<number, number>();
  for (let i = 0; i < data.count; i++) {
    const label = data.labels[i] ?? 0;
    if (chosen.has(label)) continue;
    if (probs.every((exit) => (exit[i]?.[label] ?? 0) >= MIN_CONFIDENCE)) chosen.set(label, i);
  }
  if (chosen.size < VIDEO_FRAMES) {
    throw new Error(
      `only ${chosen.size} classes have a composed test frame among the first ${SEARCHED} that every exit gets right`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const side = data.width;
  // The frame's own bytes, as gatherBatch composed them for the model.
  const frame = (index: number): RgbImage => ({
    width: side,
    height: side,
    rgb: m.composeFrame(
      data.images.subarray(index * 784, (index + 1) * 784),
      m.TEST_COMPOSITION,
      m.frameSeed(m.TEST_COMPOSITION, index),
    ),
  });
  const frames: FrameImage[] = [...chosen.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([label, index]) => {
      const png = join(dir, `frame-${index}-${label}.png`);
      writeFileSync(png, encodePngRgb(scaleUpRgb(frame(index), SCALE)));
      return { index, label, className: data.classNames[label] ?? String(label), png };
    });
  const inVideo = frames.slice(0, VIDEO_FRAMES);
  writeFileSync(
    cameraModelVideo,
    encodeY4mRgb(
      inVideo.map((f) => scaleUpRgb(frame(f.index), SCALE)),
      VIDEO_FRAMES_EACH,
      VIDEO_FPS,
    ),
  );
  const fixtures: CameraModelFixtures = {
    version: VERSION,
    modelHash: manifest.hash,
    classNames: [...data.classNames],
    frames,
    video: cameraModelVideo,
    videoLabels: inVideo.map((f) => f.label),
  };
  writeFileSync(fixturesFile, `${JSON.stringify(fixtures, null, 2)}\n`);
  return fixtures;
}
