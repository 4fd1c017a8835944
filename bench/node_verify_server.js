// A peer for the server benchmarks: what a team would otherwise write with Node.js alone. A plain
// `http` server whose only handler takes POST /v1/verify {"pass": TEXT}, parses the JSON, decodes
// the "PK"+digits text and the binary pass (DESIGN §3) and checks the Ed25519 signature over
// PAE(type, signed bytes) with crypto.verify against one fixed public key, then answers the same
// small JSON as bench/bare_verify_server.cpp. Run as a `cluster` of WORKERS processes (default 2,
// one per core like passkoopd's two network threads). No registry, no policy, no ledger, no token.
//
// Usage: node bench/node_verify_server.js PUBLIC_KEY_BASE64_FILE [--listen 127.0.0.1:0] [--workers 2]
// Prints "listening on HOST:PORT" once every worker accepts connections; SIGINT/SIGTERM stop it.
'use strict';
const cluster = require('node:cluster');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');

const PAYLOAD_TYPE = 'application/vnd.passkoop.pass.v1';
const CHUNK_BYTES = 7;
const CHUNK_DIGITS = 17;
const TAIL_DIGITS = [0, 3, 5, 8, 10, 13, 15]; // digits of a final chunk of k = 0..6 bytes
const HEADER_SIZE = 17;
const MAX_NAME_BYTES = 24;
const MAX_TEXT_BYTES = 1024;
const MAX_BODY_BYTES = 64 * 1024;

function usage() {
  process.stderr.write('usage: node node_verify_server.js PUBLIC_KEY_BASE64_FILE [--listen 127.0.0.1:0] [--workers 2]\n');
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length < 1 || args[0].startsWith('-')) usage();
let listen = '127.0.0.1:0';
let workers = 2;
for (let i = 1; i < args.length; i += 2) {
  if (args[i] === '--listen' && i + 1 < args.length) listen = args[i + 1];
  else if (args[i] === '--workers' && i + 1 < args.length) workers = Math.max(1, Number.parseInt(args[i + 1], 10) || 1);
  else usage();
}
const colon = listen.lastIndexOf(':');
const host = listen.slice(0, colon);
const port = Number.parseInt(listen.slice(colon + 1), 10);

// "PK" + digits to bytes: each 17 digits is a 7-byte big-endian chunk, the last one shorter.
function decodeText(text) {
  if (text.length > MAX_TEXT_BYTES || !text.startsWith('PK')) return null;
  const digits = text.slice(2);
  if (!/^[0-9]*$/.test(digits)) return null;
  const tail = TAIL_DIGITS.indexOf(digits.length % CHUNK_DIGITS);
  if (tail < 0) return null;
  const out = Buffer.alloc(Math.floor(digits.length / CHUNK_DIGITS) * CHUNK_BYTES + tail);
  let at = 0;
  for (let pos = 0; pos < digits.length;) {
    const width = digits.length - pos >= CHUNK_DIGITS ? CHUNK_DIGITS : TAIL_DIGITS[tail];
    const k = width === CHUNK_DIGITS ? CHUNK_BYTES : tail;
    let value = BigInt(digits.slice(pos, pos + width));
    if (value >> BigInt(8 * k) !== 0n) return null;
    for (let i = k - 1; i >= 0; i--, value >>= 8n) out[at + i] = Number(value & 0xffn);
    at += k;
    pos += width;
  }
  return out;
}

// The binary pass: version 1, a 17-byte header, the name, then the 64-byte signature.
const utf8 = new TextDecoder('utf-8', { fatal: true });
function splitPass(bytes) {
  if (bytes.length < HEADER_SIZE || bytes[0] !== 1) return null;
  const nameLength = bytes[16];
  if (nameLength > MAX_NAME_BYTES || bytes.length !== HEADER_SIZE + nameLength + 64) return null;
  const coop = bytes.readUInt16BE(1);
  const kind = bytes[15];
  if (coop === 0 || (kind !== 1 && kind !== 2)) return null;
  const name = bytes.subarray(HEADER_SIZE, HEADER_SIZE + nameLength);
  try {
    if (/[\u0000-\u001f\u007f]/.test(utf8.decode(name))) return null;
  } catch {
    return null;
  }
  return { signed: bytes.subarray(0, HEADER_SIZE + nameLength), signature: bytes.subarray(HEADER_SIZE + nameLength) };
}

// DSSE's pre-authentication encoding, what a pass signature covers.
function pae(type, body) {
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${body.length} `), body]);
}

function verdict(publicKey, text) {
  const bytes = decodeText(text);
  const pass = bytes && splitPass(bytes);
  if (!pass) return 'malformed';
  return crypto.verify(null, pae(PAYLOAD_TYPE, pass.signed), publicKey, pass.signature) ? 'valid' : 'bad_signature';
}

function answer(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function serve() {
  const raw = Buffer.from(fs.readFileSync(args[0], 'utf8').trim(), 'base64');
  if (raw.length !== 32) throw new Error(`${args[0]}: a base64 Ed25519 public key is expected`);
  const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/verify') return answer(res, 404, '{"code":"not_found"}');
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        answer(res, 413, '{"code":"too_large"}');
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(res, 400, '{"code":"invalid_json"}');
      }
      if (body === null || typeof body !== 'object' || typeof body.pass !== 'string') {
        return answer(res, 400, '{"code":"invalid_json"}');
      }
      const code = verdict(publicKey, body.pass);
      answer(res, 200, `{"code":"${code}","valid":${code === 'valid'}}`);
    });
  });
  server.keepAliveTimeout = 30000;
  server.listen(port, host, () => process.send({ listening: server.address() }));
}

if (cluster.isPrimary) {
  let ready = 0;
  let stopping = false;
  const stop = () => {
    stopping = true;
    for (const id in cluster.workers) cluster.workers[id].kill('SIGTERM');
  };
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (message) => {
      if (message.listening && ++ready === workers) {
        process.stdout.write(`listening on ${message.listening.address}:${message.listening.port}\n`);
      }
    });
  }
  // A worker that dies on its own stops the whole server: a benchmark must not go on half-sized.
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    process.stderr.write(`worker ${worker.process.pid} stopped (${signal || code})\n`);
    process.exitCode = 1;
    stop();
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else {
  try {
    serve();
  } catch (e) {
    process.stderr.write(`node_verify_server: ${e.message}\n`);
    process.exit(1);
  }
}
