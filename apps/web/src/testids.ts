/**
 * The page's contract with its end-to-end tests (e2e/): the data-testid of
 * every element a test reads or drives, and what each shows. Elements with
 * numbers also carry them, unformatted, in data-* attributes.
 */
export const T = {
  // Runtime and backend
  /** Text: the tfjs backend in use ('wasm', 'webgpu', 'webgl', 'cpu'). */
  backend: 'backend',
  /** <select> to switch backend; options are the available ones. */
  modelSelect: 'model-select',
  backendSelect: 'backend-select',

  // Device profile
  /** role=progressbar with aria-valuenow 0..100 while profiling. */
  profileProgress: 'profile-progress',
  /**
   * Text 'profiling' | 'ready' | 'failed'; data-ms = first-visit profiling time, data-backend,
   * data-latency = the device LatencyModel the page plans with (JSON).
   */
  profileStatus: 'profile-status',
  /** Button: profile this device again. */
  reprofile: 'reprofile',
  /** <select>: min | median, which round of each timing profiling keeps (changing it re-profiles). */
  profileStatistic: 'profile-statistic',
  /** Predicted device-only ms of the last exit on this device (data-ms), from the profile. */
  deviceOnlyMs: 'device-only-ms',

  // Edge and link
  /** Text 'connected' | 'connecting' | 'offline'. */
  edgeStatus: 'edge-status',
  /** role=alert, present only when the edge is unreachable or refused the model; says so. */
  edgeNotice: 'edge-notice',
  /** Text of the bandwidth estimate; data-bps (number) and data-rtt-ms. Empty before any. */
  bandwidth: 'bandwidth-estimate',

  // Inputs
  /** <input type=file accept=image/*>: classify the uploaded image. */
  upload: 'upload',
  /** <canvas> 28x28 (scaled up): the model's input as the model sees it. */
  modelInput: 'model-input',
  /** Gallery of test images: buttons `gallery-item-<i>` with data-label (true class index). */
  galleryItem: (i: number) => `gallery-item-${i}`,
  /** Buttons: start and stop the camera stream (continuous classification). */
  cameraStart: 'camera-start',
  cameraStop: 'camera-stop',
  /** Text 'on' | 'off'. */
  cameraStatus: 'camera-status',

  // Controls
  /** <input type=number> deadline in ms, and the matching <input type=range>. */
  deadline: 'deadline',
  deadlineSlider: 'deadline-slider',
  /** <select>: float32 | float16 | int8. */
  encoding: 'encoding',
  /** <select>: off | fixed | trace (simulated bandwidth). */
  linkMode: 'link-mode',
  /**
   * <select> of the simulated device speed: '1', '4', '16', '64' or 'custom' (then
   * `deviceSlowdownCustom`, an <input type=number> 1..256, and `deviceSlowdownApply`).
   * data-applied on it: the factor in force.
   */
  deviceSlowdown: 'device-slowdown',
  /**
   * The sweep (SweepPanel): `sweepImages` <input> images per preset, `sweepRun` button,
   * `sweepStatus` text 'idle' | 'running' | 'done' | 'failed' (data-done, data-total),
   * `sweepTable` with one row `sweep-row-<i>` per preset (data-preset, data-met-edgent,
   * data-estimate-bps), `sweepCsv` and `sweepJson` export buttons.
   */
  sweepImages: 'sweep-images',
  sweepRun: 'sweep-run',
  sweepStatus: 'sweep-status',
  sweepTable: 'sweep-table',
  sweepRow: (i: number) => `sweep-row-${i}`,
  sweepCsv: 'sweep-csv',
  sweepJson: 'sweep-json',
  deviceSlowdownCustom: 'device-slowdown-custom',
  deviceSlowdownApply: 'device-slowdown-apply',
  /** <input type=number> rate in kbit/s (fixed mode). */
  linkRate: 'link-rate',
  /** <input type=number> one-way delay in ms. */
  linkDelay: 'link-delay',
  /** <select> trace name, and <input type=number> scale factor (trace mode). */
  linkTrace: 'link-trace',
  linkScale: 'link-scale',
  /** Button: apply the simulated bandwidth settings. */
  linkApply: 'link-apply',
  /** Text of the link setting the edge confirmed, e.g. 'fixed 5000 kbit/s, 10 ms'. */
  linkApplied: 'link-applied',
  /** <select>: static | dynamic (dynamic-bandwidth mode). */
  mode: 'mode',

  // The last answer
  /** Text: class name; data-label = class index; data-request = request number (1, 2, ...). */
  resultClass: 'result-class',
  /** Text: confidence in percent; data-confidence 0..1. */
  resultConfidence: 'result-confidence',
  /** Text; data-exit, data-partition, data-layers (layers on the exit path), data-online ('true'|'false'). */
  plan: 'plan',
  /** The exit path drawn as layers; each layer `layer-<i>` with data-side 'device' | 'edge'. */
  planDiagram: 'plan-diagram',
  /** Measured breakdown: elements with data-ms, one per part, and the total. */
  measured: (part: 'device' | 'upload' | 'edge' | 'download' | 'total') => `measured-${part}`,
  /** Predicted breakdown, same parts. */
  predicted: (part: 'device' | 'upload' | 'edge' | 'download' | 'total') => `predicted-${part}`,
  /** Text 'met' | 'missed'. */
  deadlineMet: 'deadline-met',
  /** Table of what each baseline would have predicted: rows `baseline-<name>` with data-exit, data-partition, data-ms. */
  baseline: (name: 'deviceOnly' | 'edgeOnly' | 'partitionOnly' | 'exitOnly') => `baseline-${name}`,

  // Start-up and context
  /** role=status above the fold: what the page is doing (data-stage), with a progressbar while profiling. */
  stageStatus: 'stage-status',
  /** role=alert in an insecure context: what is missing (data-missing, comma-separated). */
  contextNotice: 'context-notice',
  /** Link to the edge's HTTPS address, inside the context notice. */
  httpsLink: 'https-link',
  /** Present when the device profile predicts under half its slices within ±10%. */
  profileWarning: 'profile-warning',
  /** The online calibration: data-device-median, data-device-scale, data-edge-extra-ms. */
  calibration: 'calibration',
  /** Present when the shown link estimate predates a lost connection (data-age-s). */
  bandwidthStale: 'bandwidth-stale',
  /** How long ago the link estimate was measured, and whether it has expired. */
  bandwidthAge: 'bandwidth-age',

  // The result bar: always on screen (bottom), with the camera preview while it runs
  /** The bar; data-request = request number shown. */
  resultBar: 'result-bar',
  /** Text: class name in the bar; data-label. */
  resultBarClass: 'result-bar-class',
  /** Text: confidence in the bar; data-confidence. */
  resultBarConfidence: 'result-bar-confidence',
  /** The <video> camera preview (in the bar). */
  cameraVideo: 'camera-video',
  /** The three most likely classes: items `top-<rank>` with data-label and data-probability. */
  topClasses: 'top-classes',

  // Why this plan
  /** Table of every (exit, partition) weighed: rows `candidate-<exit>-<partition>`, data-chosen, data-feasible, data-ms, data-bytes. */
  candidates: 'candidates',
  candidate: (exit: number, partition: number) => `candidate-${exit}-${partition}`,
  /** Button in each candidate row: run that plan for the next answers. */
  pinPlan: (exit: number, partition: number) => `pin-${exit}-${partition}`,
  /** Text of the plan in force: 'planner' or 'pinned exit E partition P'; data-pinned. */
  planSource: 'plan-source',
  /** Button: let the planner choose again. */
  unpin: 'unpin',
  /** Accuracy vs fastest predicted latency per exit: points `exit-point-<exit>` with data-ms, data-accuracy, data-chosen. */
  exitsView: 'exits-view',
  /** Session summary: data-answers, data-labelled, data-correct, data-met, data-feasible, data-promised-missed. */
  sessionSummary: 'session-summary',
  /** Buttons: download the session log. */
  exportCsv: 'export-csv',
  exportJson: 'export-json',

  // Simulated bandwidth presets
  /** Buttons applying a preset at once, by id (link-settings.ts LINK_PRESETS). */
  linkPreset: (id: string) => `link-preset-${id}`,
  /** Text: the trace's playback position (trace mode). */
  tracePosition: 'trace-position',

  // Over time (charts from a charting library)
  chartBandwidth: 'chart-bandwidth',
  chartPlan: 'chart-plan',
  chartLatency: 'chart-latency',
  /** Number of answers so far (data-count). */
  requestCount: 'request-count',
  /** List of the events marked on the charts (data-count). */
  chartEvents: 'chart-events',
} as const;
