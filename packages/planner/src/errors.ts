import { CodedError } from '@edgent/errors';

/**
 * Errors of the planner package. Every error the planner throws on bad input
 * is a PlannerError with a stable `code`:
 *
 *   PlannerError
 *   ├── EDGENT_ERR_BAD_PARTITION      partition outside an exit path's 0..n
 *   ├── EDGENT_ERR_BAD_EXIT           exit not among the planner's paths
 *   ├── EDGENT_ERR_NO_LATENCY_MODEL   a layer kind the latency model has no regression for
 *   ├── EDGENT_ERR_BAD_FIT_INPUT      samples a regression cannot be fitted from
 *   ├── EDGENT_ERR_BAD_PLAN_INPUT     bad planner options, paths or per-decision input
 *   ├── EDGENT_ERR_BAD_OPTION         bad options or input of bandwidth/, changepoint/, config-map/
 *   ├── EDGENT_ERR_BAD_TRACE          trace text that does not parse (the message names the line)
 *   └── EDGENT_ERR_BAD_CONFIG_MAP     a stored configuration map that is malformed
 */
export class PlannerError extends CodedError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'PlannerError';
  }
}
