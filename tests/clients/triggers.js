// Segment's own trigger code as the oracle of tests/triggers.rs: each stdin line is a case
// {"trigger": text, "event": {...}}; each stdout line has the condition tree
// @segment/destination-subscriptions' parseFql builds (or its error) and what its validate
// decides for the event.
// NODE_PATH=tests/clients/node_modules node triggers.js < cases.ndjson
const readline = require('readline');
const { parseFql, validate } = require('@segment/destination-subscriptions');
const out = [];
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line);
  const tree = parseFql(c.trigger);
  const error = tree.error ? String(tree.error.message) : null;
  let matches;
  try {
    matches = validate(tree, c.event);
  } catch (e) {
    matches = 'error: ' + e.message;
  }
  out.push(JSON.stringify({ tree: error ? null : tree, error, matches }));
}).on('close', () => process.stdout.write(out.join('\n') + '\n'));
