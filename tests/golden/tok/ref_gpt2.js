#!/usr/bin/env node
// Independent reference GPT-2 tokenizer (slow, plain JS) built from
// share/gpt2/encoder.json and vocab.bpe, used to cross-check the golden ids.
//   node ref_gpt2.js [--ucd DIR] [FILE.txt...]   (default: all *.txt here)
// For each file compares its ids with FILE.ids and reports mismatches.
// Pre-tokenizer: tiktoken's gpt2 pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// where \s is Unicode White_Space (as in Rust's regex crate; JavaScript's own
// \s differs: it has U+FEFF and lacks U+0085).  \p{L}/\p{N} come from this
// node's Unicode version (process.versions.unicode), which may be newer than
// the tables compiled into tiktoken: --unicode-diff lists every code point
// whose class differs between the two.
'use strict';
const fs = require('fs');
const path = require('path');

const share = path.join(__dirname, '..', '..', '..', 'share', 'gpt2');
const encoder = JSON.parse(fs.readFileSync(path.join(share, 'encoder.json'), 'utf8'));
const merges = fs.readFileSync(path.join(share, 'vocab.bpe'), 'utf8').split('\n').slice(1).filter(Boolean);

// GPT-2 bytes_to_unicode
const bs = [];
for (let b = 33; b <= 126; b++) bs.push(b);
for (let b = 161; b <= 172; b++) bs.push(b);
for (let b = 174; b <= 255; b++) bs.push(b);
const cs = bs.slice();
let n = 0;
for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
const byteChar = new Array(256);
bs.forEach((b, i) => { byteChar[b] = String.fromCodePoint(cs[i]); });

// tiktoken uses merge ranks == token ids of the merged strings; with GPT-2's
// files rank(a+b) is the id, so just look pairs up in the encoder.
const rank = new Map();
merges.forEach((m, i) => { const [a, b] = m.split(' '); rank.set(a + b, encoder[a + b]); });

let pat;
function makePattern(L, N, WS) {
  pat = new RegExp(
    `'s|'t|'re|'ve|'m|'ll|'d| ?[${L}]+| ?[${N}]+| ?[^${WS}${L}${N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`, 'gu');
}
makePattern('\\p{L}', '\\p{N}', '\\p{White_Space}');

// Use the General_Category / White_Space tables of an @unicode/unicode-X.Y.Z
// package instead of node's own.
async function useUcd(dir) {
  const cls = async (rel) => {
    const { default: ranges } = await import(path.resolve(dir, rel, 'ranges.mjs'));
    return ranges.map((r) => `\\u{${r.begin.toString(16)}}-\\u{${(r.end - 1).toString(16)}}`).join('');
  };
  makePattern(await cls('General_Category/Letter'), await cls('General_Category/Number'),
    await cls('Binary_Property/White_Space'));
}

function bpe(piece) {
  const bytes = Buffer.from(piece, 'utf8');
  let parts = Array.from(bytes, (b) => byteChar[b]);
  const whole = parts.join('');
  if (encoder[whole] !== undefined) return [encoder[whole]];
  for (;;) {
    let best = -1, bestRank = Infinity;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = rank.get(parts[i] + parts[i + 1]);
      if (r !== undefined && r < bestRank) { bestRank = r; best = i; }
    }
    if (best < 0) break;
    parts.splice(best, 2, parts[best] + parts[best + 1]);
  }
  return parts.map((p) => encoder[p]);
}

function encode(text) {
  const out = [];
  for (const m of text.matchAll(pat)) for (const id of bpe(m[0])) out.push(id);
  return out;
}
module.exports = { encode, useUcd };

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--ucd') { await useUcd(args[1]); args.splice(0, 2); }
  const files = args.length ? args : fs.readdirSync(__dirname).filter((f) => f.endsWith('.txt')).sort().map((f) => path.join(__dirname, f));
  const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let bad = 0;
  for (const f of files) {
    const got = encode(dec.decode(fs.readFileSync(f)));
    const want = fs.readFileSync(f.replace(/\.txt$/, '.ids'), 'utf8').split('\n').filter(Boolean).map(Number);
    let i = 0;
    while (i < got.length && i < want.length && got[i] === want[i]) i++;
    if (i === got.length && i === want.length) { console.log(`ok   ${path.basename(f)} (${want.length} ids)`); continue; }
    bad++;
    console.log(`DIFF ${path.basename(f)}: first difference at id #${i}: ref ${got.slice(i, i + 5)} golden ${want.slice(i, i + 5)}`);
  }
  console.log(`${files.length - bad} passed, ${bad} failed`);
  process.exitCode = bad ? 1 : 0;
}
if (require.main === module) main();
