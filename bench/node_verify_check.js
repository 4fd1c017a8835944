// Checks that the Node.js peer of the benchmarks (node_verify_server.js) judges passes as the
// library does, on the committed test vectors: run as a CTest before any timing relies on it.
// The peer knows one key and no registry, so on each vector it must answer
//   valid          when the pass decodes and was signed by coop 12's key 1 (whatever the registry,
//                  dates or revocations then say),
//   bad_signature  when it decodes but was signed by another key, or its signature was altered,
//   malformed      when the library refuses the text before any signature (malformed, truncated,
//                  unsupported_version).
// Usage: node bench/node_verify_check.js tests/vectors/passes.json
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const vectorsFile = process.argv[2];
if (!vectorsFile) {
  process.stderr.write('usage: node node_verify_check.js passes.json\n');
  process.exit(2);
}
const vectors = JSON.parse(fs.readFileSync(vectorsFile, 'utf8'));
const key = vectors.keys.find((k) => k.label === 'coop-12-key-1');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passkoop-node-check-'));
fs.writeFileSync(path.join(dir, 'coop-12.pub'), key.public_key + '\n');

function expected(v) {
  if (['malformed', 'truncated', 'unsupported_version'].includes(v.expected.code)) return 'malformed';
  return v.signing_key === key.key_id && v.expected.code !== 'bad_signature' ? 'valid' : 'bad_signature';
}

const server = spawn(process.execPath, [path.join(__dirname, 'node_verify_server.js'), path.join(dir, 'coop-12.pub'),
  '--listen', '127.0.0.1:0', '--workers', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
const stop = (code) => {
  server.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = code;
};
const timer = setTimeout(() => {
  process.stderr.write('the Node.js verify server did not start within 60 s\n');
  stop(1);
}, 60000);

let output = '';
server.stdout.on('data', async (chunk) => {
  if (output === null) return;
  output += chunk;
  const address = /listening on (127\.0\.0\.1:\d+)/.exec(output);
  if (!address) return;
  output = null;
  clearTimeout(timer);
  let failures = 0;
  try {
    for (const v of vectors.vectors) {
      // The peer reads the strict text only; a vector without one is given what the till received.
      const text = v.text ?? v.scanned;
      const res = await fetch(`http://${address[1]}/v1/verify`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ pass: text }),
      });
      const got = (await res.json()).code;
      const want = expected(v);
      if (got !== want) failures++;
      process.stdout.write(`${got === want ? 'ok  ' : 'FAIL'} ${v.name}: ${got}${got === want ? '' : ` (expected ${want})`}\n`);
    }
    // A body that is not the JSON it expects is refused, not a crash.
    const bad = await fetch(`http://${address[1]}/v1/verify`, { method: 'POST', body: '{"pass": 12' });
    if (bad.status !== 400) failures++;
    process.stdout.write(`${bad.status === 400 ? 'ok  ' : 'FAIL'} invalid JSON: HTTP ${bad.status}\n`);
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    failures++;
  }
  process.stdout.write(`${vectors.vectors.length + 1 - failures} passed, ${failures} failed\n`);
  stop(failures === 0 ? 0 : 1);
});
server.on('exit', (code) => {
  if (output !== null) {
    process.stderr.write(`the Node.js verify server stopped (${code})\n`);
    stop(1);
  }
});
