#!/usr/bin/env node
// Sums every test result in a folder (default .cache/test-results) and prints, last,
// exactly one line "N passed, N failed". Exits 1 when anything failed or nothing ran.
//
// It reads each *.json file there, in name order, as one of:
//   - a stage record written by scripts/test.sh:
//       { "kind": "stage", "name": "lint", "exitCode": 0 }
//     A stage without "report" counts as one test, passed when exitCode is 0.
//     A stage with "report": "vitest.json" is counted from that report instead; it adds
//     one failure if the report is missing, or if the stage failed while the report shows none.
//   - a Vitest (Jest-compatible) JSON report: numPassedTests / numFailedTests;
//   - a Playwright JSON report: stats.expected + stats.flaky passed, stats.unexpected failed.
// To add a tool, add a reader to `readers` below.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const dir = process.argv[2] ?? '.cache/test-results';
const maxNamedFailures = 20;

/** Readers of report formats: `matches(json)` then `count(json)` -> { passed, failed, failures }. */
const readers = [
  {
    format: 'vitest',
    matches: (json) => typeof json.numPassedTests === 'number',
    count(json) {
      const failures = [];
      let brokenFiles = 0;
      for (const file of json.testResults ?? []) {
        const failed = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
        for (const test of failed) failures.push(test.fullName ?? test.title);
        // A file that failed to load or run has no failed test of its own: count it once.
        if (file.status === 'failed' && failed.length === 0) {
          brokenFiles += 1;
          failures.push(
            `${relative(process.cwd(), file.name)}: ${firstLine(file.message) || 'file failed'}`,
          );
        }
      }
      return {
        passed: json.numPassedTests,
        failed: (json.numFailedTests ?? 0) + brokenFiles,
        failures,
      };
    },
  },
  {
    format: 'playwright',
    matches: (json) => typeof json.stats?.expected === 'number',
    count(json) {
      const failures = [];
      const walk = (suite, path) => {
        for (const spec of suite.specs ?? []) {
          if (spec.ok === false) failures.push([...path, spec.title].join(' > '));
        }
        for (const child of suite.suites ?? []) walk(child, [...path, child.title]);
      };
      for (const suite of json.suites ?? []) walk(suite, [suite.title]);
      return {
        passed: json.stats.expected + (json.stats.flaky ?? 0),
        failed: json.stats.unexpected,
        failures,
      };
    },
  },
];

function firstLine(text) {
  return String(text ?? '')
    .trim()
    .split('\n')[0];
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(join(dir, file), 'utf8'));
  } catch {
    return undefined;
  }
}

function countReport(file) {
  const json = readJson(file);
  if (json === undefined) return undefined;
  const reader = readers.find((candidate) => candidate.matches(json));
  if (reader === undefined) return undefined;
  return { format: reader.format, ...reader.count(json) };
}

let files = [];
try {
  files = readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort();
} catch {
  // No folder: nothing ran, reported below.
}

const lines = [];
let passed = 0;
let failed = 0;
const add = (label, result) => {
  passed += result.passed;
  failed += result.failed;
  lines.push(`${label}: ${result.passed} passed, ${result.failed} failed`);
  for (const name of result.failures.slice(0, maxNamedFailures)) lines.push(`  FAIL ${name}`);
  if (result.failures.length > maxNamedFailures) {
    lines.push(`  ... and ${result.failures.length - maxNamedFailures} more`);
  }
};

const stages = [];
const reports = [];
for (const file of files) {
  const json = readJson(file);
  if (json?.kind === 'stage') stages.push(json);
  else reports.push(file);
}
const claimed = new Set(stages.map((stage) => stage.report).filter(Boolean));

for (const stage of stages) {
  const ok = stage.exitCode === 0;
  if (!stage.report) {
    add(stage.name, {
      passed: ok ? 1 : 0,
      failed: ok ? 0 : 1,
      failures: ok ? [] : [`${stage.name} exited with code ${stage.exitCode}`],
    });
    continue;
  }
  const result = countReport(stage.report);
  if (result === undefined) {
    add(stage.name, {
      passed: 0,
      failed: 1,
      failures: [`${stage.name} exited with code ${stage.exitCode} and wrote no readable report`],
    });
  } else if (!ok && result.failed === 0) {
    result.failed = 1;
    result.failures.push(`${stage.name} exited with code ${stage.exitCode}`);
    add(stage.name, result);
  } else {
    add(stage.name, result);
  }
}

for (const file of reports.filter((report) => !claimed.has(report))) {
  const result = countReport(file);
  if (result === undefined) {
    add(file, { passed: 0, failed: 1, failures: [`${file} is not a known test report`] });
  } else {
    add(`${file} (${result.format})`, result);
  }
}

if (passed + failed === 0) lines.push(`no test results in ${dir}`);
process.stdout.write(`${[...lines, `${passed} passed, ${failed} failed`].join('\n')}\n`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
