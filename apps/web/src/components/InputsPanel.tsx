import { FASHION_MNIST_CLASSES } from '@edgent/model';
import { decodeUpload } from '../image/decode';
import { T } from '../testids';
import { useAppState, useEngine } from '../ui/engine-context';
import { GrayCanvas } from './GrayCanvas';
import { CAMERA_VIDEO_ID } from './ResultBar';

/** What to classify: an upload, a test image, or the camera; and the model's view of it. */
export function InputsPanel() {
  const s = useAppState();
  const engine = useEngine();
  const ready = s.stage === 'ready';
  const { input, camera, gallery, context } = s;
  const video = () => document.getElementById(CAMERA_VIDEO_ID) as HTMLVideoElement | null;
  const noCamera = context !== undefined && !context.camera;
  return (
    <section className="panel" aria-labelledby="inputs-h">
      <h2 id="inputs-h">Input</h2>
      <div className="field">
        <label htmlFor="upload">Upload an image (PNG, JPEG or WebP, any size)</label>
        <input
          id="upload"
          type="file"
          accept="image/*"
          data-testid={T.upload}
          disabled={!ready}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void engine.upload(file, decodeUpload);
          }}
        />
        {s.uploadError && (
          <p className="error" role="alert">
            {s.uploadError}
          </p>
        )}
      </div>

      <div className="camera">
        <div className="button-row">
          <button
            type="button"
            data-testid={T.cameraStart}
            disabled={!ready || camera.on || camera.starting || noCamera}
            onClick={() => {
              const v = video();
              if (v) void engine.camera.start(v);
            }}
          >
            Start camera
          </button>
          <button
            type="button"
            data-testid={T.cameraStop}
            disabled={!camera.on}
            onClick={() => engine.camera.stop(video() ?? undefined)}
          >
            Stop camera
          </button>
          <span>
            Camera: <strong data-testid={T.cameraStatus}>{camera.on ? 'on' : 'off'}</strong>
          </span>
        </div>
        <p className="hint">
          {noCamera
            ? 'No camera here: browsers allow it only over HTTPS or on localhost.'
            : 'The preview and its class show in the bar at the bottom; frames are classified one after another.'}
        </p>
        {camera.error && (
          <p className="error" role="alert">
            {camera.error}
          </p>
        )}
      </div>

      <h3 id="gallery-h">
        {s.model?.input[2] === 3
          ? 'Test frames: Fashion-MNIST items composed on scenes not seen in training'
          : 'Fashion-MNIST test images'}
      </h3>
      {gallery.status === 'loading' && <p className="hint">Loading the gallery…</p>}
      {gallery.status === 'failed' && (
        <p className="error" role="alert">
          The gallery is not available: {gallery.error}
        </p>
      )}
      <ul className="gallery" aria-labelledby="gallery-h">
        {gallery.items.map((item, i) => (
          <li key={item.index}>
            <button
              type="button"
              data-testid={T.galleryItem(i)}
              data-label={item.label}
              disabled={!ready}
              aria-label={`Classify test image ${item.index}, a ${item.className}`}
              title={`test image ${item.index}: ${item.className}`}
              onClick={() =>
                void engine.classify(item.pixels, {
                  source: 'gallery',
                  name: `test image ${item.index} (${item.className})`,
                  trueLabel: item.label,
                })
              }
            >
              <GrayCanvas pixels={item.pixels} aria-hidden="true" />
              <span className="gallery-label">{FASHION_MNIST_CLASSES[item.label]}</span>
            </button>
          </li>
        ))}
      </ul>

      <figure className="model-input">
        <GrayCanvas
          pixels={input?.pixels}
          data-testid={T.modelInput}
          role="img"
          aria-label={input ? `The model's 28 by 28 input: ${input.name}` : 'No input yet'}
        />
        <figcaption>
          {input
            ? `As the model sees it (28×28): ${input.name}${input.inverted ? ', inverted to light-on-dark' : ''}`
            : 'The model sees 28×28 grayscale, light object on dark.'}
        </figcaption>
      </figure>
    </section>
  );
}
