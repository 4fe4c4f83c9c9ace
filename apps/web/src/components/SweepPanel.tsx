import { useState } from 'react';
import { SWEEP_METHODS, type SweepMethod, sweepToCsv, sweepToJson } from '../session/sweep';
import { T } from '../testids';
import { useAppState, useEngine } from '../ui/engine-context';
import { formatMs, formatPercent } from '../ui/format';
import { download } from './download';
import { NumberField } from './Fields';
import { Panel } from './Panel';

const METHOD_NAMES: Record<SweepMethod, string> = {
  edgent: 'Edgent (measured)',
  deviceOnly: 'device-only',
  edgeOnly: 'edge-only',
  partitionOnly: 'partition-only',
  exitOnly: 'exit-only',
};

/**
 * A small experiment in the page: the simulated link steps through the
 * presets, a few gallery images are classified at each, and the table shows
 * what Edgent measured beside what the four baselines predicted on the same
 * inputs (deadline met, mean latency).
 */
export function SweepPanel() {
  const { sweep, connection, gallery, settings } = useAppState();
  const engine = useEngine();
  const [images, setImages] = useState('5');
  const n = Number(images);
  const valid = Number.isInteger(n) && n >= 1 && n <= 24;
  const running = sweep.status === 'running';
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return (
    <Panel id="sweep" title="Sweep the link presets" collapseOnPhone summary={sweep.status}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) void engine.runSweep(n);
        }}
      >
        <NumberField
          id="sweep-images"
          label="Gallery images per preset (1 to 24)"
          testId={T.sweepImages}
          value={images}
          error={valid ? undefined : 'a whole number from 1 to 24'}
          onChange={setImages}
        />
        <button
          type="submit"
          data-testid={T.sweepRun}
          disabled={
            running || !valid || connection.status !== 'connected' || gallery.items.length === 0
          }
        >
          Sweep
        </button>
      </form>
      <p>
        <span data-testid={T.sweepStatus} data-done={sweep.done} data-total={sweep.total}>
          {sweep.status}
        </span>
        {running && ` — ${sweep.preset ?? ''}, ${sweep.done} of ${sweep.total} answers`}
        {sweep.error && <span className="error"> {sweep.error}</span>}
      </p>
      {sweep.rows.length > 0 && (
        <>
          <div className="table-scroll">
            <table data-testid={T.sweepTable} data-rows={sweep.rows.length}>
              <caption>
                Deadline met (mean ms) per preset at {settings.deadlineMs} ms: Edgent as measured,
                the baselines as predicted on the same estimate
              </caption>
              <thead>
                <tr>
                  <th scope="col">preset</th>
                  <th scope="col">estimate</th>
                  {SWEEP_METHODS.map((m) => (
                    <th scope="col" key={m}>
                      {METHOD_NAMES[m]}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {sweep.rows.map((row, i) => (
                  <tr
                    key={row.preset}
                    data-testid={T.sweepRow(i)}
                    data-preset={row.preset}
                    data-met-edgent={row.methods.edgent.metRate}
                    data-estimate-bps={row.estimateBps ?? ''}
                  >
                    <th scope="row">{row.preset}</th>
                    <td>
                      {row.estimateBps === undefined
                        ? '–'
                        : `${Math.round(row.estimateBps / 1000)} kbit/s`}
                    </td>
                    {SWEEP_METHODS.map((m) => (
                      <td key={m}>
                        {formatPercent(row.methods[m].metRate)} ({formatMs(row.methods[m].meanMs)})
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="button-row">
            <button
              type="button"
              data-testid={T.sweepCsv}
              onClick={() =>
                download(`edgent-sweep-${stamp}.csv`, 'text/csv', sweepToCsv(sweep.rows))
              }
            >
              Export CSV
            </button>
            <button
              type="button"
              data-testid={T.sweepJson}
              onClick={() =>
                download(`edgent-sweep-${stamp}.json`, 'application/json', sweepToJson(sweep.rows))
              }
            >
              Export JSON
            </button>
          </div>
        </>
      )}
      <p className="hint">
        Each preset is applied as with its button, the page measures the link, then classifies the
        images with the planner's choice. The last preset stays applied.
      </p>
    </Panel>
  );
}
