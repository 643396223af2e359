#!/usr/bin/env node
// Peer benchmark: GPT-2 ("gpt2" / r50k) encoding of a file with tiktoken.
//
//   node peer.js FILE [IDS_OUT] [--impl auto|native|wasm] [--runs N]
//
// Reads FILE as UTF-8 (BOM kept), warms up, then times N (default 3) full
// encodes and keeps the best; file reading, warm-up and writing the ids are
// not timed.  Prints to stdout one line
//   <impl>\t<bytes>\t<seconds>\t<MB/s>        (MB = 10^6 bytes)
// where <impl> is tiktoken-native (npm tiktoken-node: tiktoken's Rust core as
// a native node addon) or tiktoken-wasm (npm tiktoken: the same core compiled
// to WebAssembly).  Which package and version was used goes to stderr.
// With IDS_OUT, writes the ids, one decimal per line.
//
// Special tokens: the ids are meant to be encode_ordinary ids (<|endoftext|>
// is plain text).  tiktoken-wasm has encode_ordinary.  tiktoken-node only
// has encode(), which turns each literal "<|endoftext|>" into id 50256; if
// FILE contains that string, peer.js says so on stderr and, unless
// --impl native was asked for, switches to tiktoken-wasm.
//
// Modules are looked up in $CR_PEER_MODULES (colon-separated directories that
// hold node_modules/, as peer.sh sets it) and then node's usual paths.
'use strict';
const fs = require('fs');
const path = require('path');

function usage() {
  console.error('usage: node peer.js FILE [IDS_OUT] [--impl auto|native|wasm] [--runs N]');
  process.exit(2);
}

const pos = [];
let impl = 'auto';
let runs = 3;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--impl') impl = argv[++i];
  else if (argv[i] === '--runs') runs = Number(argv[++i]);
  else if (argv[i].startsWith('--')) usage();
  else pos.push(argv[i]);
}
if (pos.length < 1 || pos.length > 2 || !['auto', 'native', 'wasm'].includes(impl) || !(runs >= 1)) usage();
const [file, idsOut] = pos;

const searchPaths = (process.env.CR_PEER_MODULES || '').split(':').filter(Boolean)
  .map((d) => path.resolve(d));
function load(name) {
  const p = require.resolve(name, { paths: [...searchPaths, __dirname] });
  let dir = path.dirname(p);
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  return { mod: require(p), version, dir };
}

const buf = fs.readFileSync(file);
const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
const nSpecial = text.split('<|endoftext|>').length - 1;

function makeNative() {
  const { mod, version, dir } = load('tiktoken-node');
  const enc = mod.getEncoding('gpt2');
  return { label: 'tiktoken-native', pkg: `tiktoken-node@${version} (${dir})`, encode: (t) => enc.encode(t), free() {} };
}
function makeWasm() {
  const { mod, version, dir } = load('tiktoken');
  const enc = mod.get_encoding('gpt2');
  return { label: 'tiktoken-wasm', pkg: `tiktoken@${version} (${dir})`, encode: (t) => enc.encode_ordinary(t), free: () => enc.free() };
}

let e;
if (impl === 'wasm') e = makeWasm();
else if (impl === 'native') e = makeNative();
else {
  try {
    e = makeNative();
  } catch (err) {
    console.error(`peer.js: tiktoken-node unavailable (${err.message.split('\n')[0]}); falling back to wasm tiktoken`);
    e = makeWasm();
  }
  if (nSpecial && e.label === 'tiktoken-native') {
    console.error(`peer.js: ${file} contains "<|endoftext|>" ${nSpecial} times and tiktoken-node has no encode_ordinary; using wasm tiktoken`);
    e = makeWasm();
  }
}
if (nSpecial && e.label === 'tiktoken-native') {
  console.error(`peer.js: WARNING: ${file} contains "<|endoftext|>" ${nSpecial} times; tiktoken-node encodes each as id 50256, unlike encode_ordinary`);
}
console.error(`peer.js: using ${e.label}: ${e.pkg}, node ${process.version}`);

// Warm-up on a prefix (up to 1 MB, cut at a code point boundary), untimed.
{
  const cps = Array.from(text.slice(0, 1 << 20));
  e.encode(cps.slice(0, cps.length - 1).join(''));
}

let best = Infinity;
let ids;
for (let r = 0; r < runs; r++) {
  ids = null;
  const t0 = process.hrtime.bigint();
  ids = e.encode(text);
  const t1 = process.hrtime.bigint();
  const s = Number(t1 - t0) / 1e9;
  if (s < best) best = s;
}
const mbps = buf.length / 1e6 / best;
process.stdout.write(`${e.label}\t${buf.length}\t${best.toFixed(6)}\t${mbps.toFixed(3)}\n`);
console.error(`peer.js: ${ids.length} tokens, best of ${runs}`);

if (idsOut) {
  const fd = fs.openSync(idsOut, 'w');
  const CH = 1 << 16;
  for (let i = 0; i < ids.length; i += CH) {
    const part = Array.prototype.slice.call(ids, i, i + CH);
    fs.writeSync(fd, part.join('\n') + '\n');
  }
  fs.closeSync(fd);
}
e.free();
