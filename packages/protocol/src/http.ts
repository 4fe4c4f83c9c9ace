/**
 * Shapes of the edge's HTTP answers that the page reads, defined once for
 * both sides (the WebSocket frames and control messages are in frame.ts and
 * control.ts).
 */

/** What a bandwidth trace spans: `GET /api/traces` lists one per trace in `details`. */
export interface TraceSummary {
  name: string;
  /** Length of one loop, seconds (the emulator replays it in a loop). */
  durationS: number;
  minMbps: number;
  maxMbps: number;
  /** Time-weighted mean rate, Mbit/s. */
  meanMbps: number;
}

/** `GET /api/traces`. */
export interface TracesAnswer {
  traces: string[];
  details: TraceSummary[];
}

/** `GET /api/addresses`: where the edge can be reached. */
export interface AddressesAnswer {
  https: string[];
  http: string[];
}

/** One model an edge serves, as `GET /api/models` lists it. */
export interface ModelSummary {
  id: string;
  /** `sha256:<hex>`, what a hello names. */
  hash: string;
  /** Input shape [height, width, channels]. */
  input: readonly number[];
  exits: number;
  /** Measured accuracy of each exit, 0..1, as its manifest records. */
  accuracy: number[];
  /** Where its files are served (manifest.json, weights.bin, profiles/). */
  files: string;
}

/** The body of `GET /api/models`: the models the edge serves, and which one is its default. */
export interface ModelsAnswer {
  default: string;
  models: ModelSummary[];
}

/** One test image as `GET /api/gallery` sends it. */
export interface GalleryItem {
  index: number;
  /** True class index. */
  label: number;
  className: string;
  /** height x width x channels uint8 pixels, row-major, base64. */
  pixels: string;
}

/** The body of `GET /api/gallery`. */
export interface GalleryAnswer {
  /** Fashion-MNIST's 28x28 grey images, or colour frames composed from them (`?frames=composed`). */
  dataset: 'fashion-mnist' | 'fashion-mnist-composed';
  split: 'test';
  width: number;
  height: number;
  channels: number;
  classes: readonly string[];
  items: GalleryItem[];
}
