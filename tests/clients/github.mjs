// Writes, with GitHub's Actions toolkit (@actions/core), the workflow commands for the places in
// a `consent-inspector check --format json` report (read from stdin), for tests/reports.rs to
// compare with `check --format github`: the toolkit is what escapes them the runner's way.
import * as core from '@actions/core';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const report = JSON.parse(input);

function places(level, title, places) {
  for (const p of places) {
    let message = '';
    if (p.index !== null) message += `batch[${p.index}]: `;
    if (p.path !== null) message += `${p.path}: `;
    message += p.message;
    const props = { title, file: p.file, startLine: p.line };
    if (level === 'error') core.error(message, props);
    else core.warning(message, props);
  }
}

for (const c of report.codes) places(c.fails ? 'error' : 'warning', c.code, c.places);
if (report.policy) {
  for (const r of report.policy.rules) places('error', `policy ${report.policy.file}:${r.line}: never ${r.never}`, r.places);
}
