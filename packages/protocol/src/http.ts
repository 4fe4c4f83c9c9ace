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
