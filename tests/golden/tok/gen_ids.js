#!/usr/bin/env node
// Usage: node gen_ids.js MODULE_DIR FILE.txt...
// For each FILE.txt writes FILE.ids: tiktoken get_encoding("gpt2")
// .encode_ordinary(text), one decimal id per line, where text is the file
// decoded as (strict) UTF-8 with any BOM kept.  Checks that the ids decode
// back to the exact file bytes.
'use strict';
const fs = require('fs');
const path = require('path');

const [modDir, ...inputs] = process.argv.slice(2);
const { get_encoding } = require(path.join(modDir, 'node_modules', 'tiktoken'));
const version = require(path.join(modDir, 'node_modules', 'tiktoken', 'package.json')).version;
const enc = get_encoding('gpt2');
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

let nfiles = 0, nbytes = 0, ntok = 0;
for (const f of inputs) {
  const buf = fs.readFileSync(f);
  let text;
  try {
    text = dec.decode(buf);
  } catch (e) {
    console.error(`${f}: not valid UTF-8`);
    process.exit(1);
  }
  const ids = enc.encode_ordinary(text);
  const back = Buffer.from(enc.decode(ids));
  if (!back.equals(buf)) {
    console.error(`${f}: ids do not decode back to the file bytes`);
    process.exit(1);
  }
  const out = f.replace(/\.txt$/, '.ids');
  fs.writeFileSync(out, ids.length ? Array.from(ids).join('\n') + '\n' : '');
  nfiles++; nbytes += buf.length; ntok += ids.length;
}
enc.free();
console.error(`gen_ids.js: tiktoken ${version} gpt2 encode_ordinary: ${nfiles} files, ${nbytes} bytes, ${ntok} tokens`);
