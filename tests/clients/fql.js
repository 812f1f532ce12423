// Segment's own FQL code as the oracle of tests/fql.rs: each stdin line is a case
// {"fql": text, "ir": IR, "event": {...}}; each stdout line says whether @segment/fql-ts's
// lexer reads the text, and what @segment/tsub (analytics.js's evaluator of the IR that CDN
// settings carry) decides: true, false, or the error it throws.
// NODE_PATH=tests/clients/node_modules node fql.js < cases.ndjson
const readline = require('readline');
const { lex } = require('@segment/fql-ts');
const tsub = require('@segment/tsub');
const matches = tsub.matches || (tsub.default && tsub.default.matches);
const out = [];
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line);
  const lexed = lex(c.fql);
  let result;
  try {
    result = matches(c.event, { type: 'fql', ir: JSON.stringify(c.ir) });
  } catch (e) {
    result = 'error: ' + e.message;
  }
  out.push(JSON.stringify({ lexed: !lexed.error, lexError: lexed.error ? String(lexed.error.message) : null, result }));
}).on('close', () => {
  process.stdout.write(out.join('\n') + '\n');
});
