#!/usr/bin/env node
// Generates the GPT-2 tokenizer conformance corpus: NAME.txt files in this
// directory.  Deterministic: no clock, no Math.random, no environment input.
// Every file is valid UTF-8 (checked below).  Usage: node make_corpus.js [DIR]
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2] || __dirname;
const files = {};
const add = (name, text) => {
  if (files[name] !== undefined) throw new Error('duplicate ' + name);
  files[name] = text;
};

// Small deterministic PRNG (mulberry32).
function rng(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const cp = (n) => String.fromCodePoint(n);
const rep = (s, n) => s.repeat(n);

// ---------------------------------------------------------------- trivial
add('empty', '');
add('one_char', 'a');
add('one_space', ' ');
add('one_newline', '\n');
add('spaces_only', rep(' ', 777));

// ---------------------------------------------------------------- whitespace
add('whitespace_ascii', [
  'word', ' word', '  word', '   word', '    word', '\tword', '\t\tword',
  ' \tword', '\t word', '  \t  word', 'a  b', 'a   b', 'a    b', 'a\t\tb',
  'end  ', 'x \n y', 'x  \n  y', 'x\n\ny', 'x\n\n\ny', 'x\n\n\n\n\n\n\ny',
  ' \n \n \n', '\t\n\t\n', '\v', 'a\vb', 'a\fb', '\f\f', 'a \v b',
  rep(' ', 1) + 'x' + rep(' ', 2) + 'x' + rep(' ', 3) + 'x' + rep(' ', 8) + 'x' +
    rep(' ', 16) + 'x' + rep(' ', 31) + 'x' + rep(' ', 64) + '!',
  rep('\t', 12) + 'deep', rep('\n', 20) + 'after twenty newlines',
  'mixed \t \t \t run then word', ' \n\t \r\n \t\n', '.   .', '1   2', '\u00e9   \u00e9',
  '', 'trailing spaces at end of line   ', 'trailing tab\t', '',
].join('\n') + '\n   \t  ');

add('crlf', [
  'Line one of a CRLF file.', 'Line two, with trailing spaces   ',
  '    indented line', '', '', 'after two empty lines',
  '\tTabbed line', 'def f():', '    return 1', 'x = [1,', '     2]',
  '<p>html</p>', '  ', 'last line with trailing whitespace  \t',
].join('\r\n') + '\r\n\r\n   ');

add('lone_cr', 'classic mac\rline endings\rhere\r\rdouble\r\r\rtriple\r' +
  ' space after cr\r  two spaces\r\tand tab\r\n' +
  'mixed \r\n and \n\r and \r\r\n and \n\n\r\r\n\n\rend' +
  ' word\r word \r\r word\r' + rep('\r', 10) + 'x' + rep('\r\n', 5) + 'y' +
  rep(' \r', 4) + 'z\r');

const uniSpaces = [
  0x00a0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
  0x0085, 0x000b, 0x000c, 0x001c, 0x001d, 0x001e, 0x001f, 0x180e, 0x200b,
  0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x034f, 0x115f, 0x3164, 0xffa0,
];
{
  const out = [];
  for (const u of uniSpaces) {
    const c = cp(u);
    const h = 'U+' + u.toString(16).toUpperCase().padStart(4, '0');
    out.push(h + ':word' + c + 'word' + c + c + 'word ' + c + 'word' + c + ' word' +
      ' ' + c + ' x' + c + c + c + '1' + c + '.' + c + '\n' + c + '\n');
  }
  // runs mixing several kinds
  out.push('a\u00a0\u00a0\u00a0b \u3000\u3000c\u2003 \u2003d\u2028\u2029e\u0085\u0085f\n');
  out.push('\u00a0leading nbsp and trailing nbsp\u00a0\n');
  out.push('\u3000\u3000\u5168\u89d2\u7a7a\u767d\u3000\u306e\u3042\u3068\n');
  out.push('French\u202f: \u00ab\u202fguillemets\u202f\u00bb\u00a0!\n');
  out.push('ends with unicode spaces' + '\u00a0\u2009\u3000\u2028');
  add('whitespace_unicode', out.join(''));
}

add('trailing_ws_eof', 'The file ends with a run of spaces and tabs.\n' +
  'Second line.\n' + rep(' ', 5) + '\t' + rep(' ', 3));
add('newlines_only', rep('\n', 9) + rep('\r\n', 3) + '\n \n' + rep('\n', 4));

// ---------------------------------------------------------------- code
add('code_python', `#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Toy module with deep indentation, decorators and f-strings."""
from __future__ import annotations

import os, sys  # noqa: E401
from collections import defaultdict
from typing import Iterable, Iterator


class Node:
    __slots__ = ("name", "children", "_cache")

    def __init__(self, name: str, children: list["Node"] | None = None) -> None:
        self.name = name
        self.children = children or []
        self._cache: dict[str, int] = {}

    def walk(self, depth: int = 0) -> Iterator[tuple[int, "Node"]]:
        yield depth, self
        for child in self.children:
            for d, n in child.walk(depth + 1):
                if d > 100:
                    raise RecursionError(f"too deep: {d!r} at {n.name!s:>10}")
                else:
                    if n.name.startswith("_"):
                        continue
                    elif n.name.endswith("__"):
                        try:
                            with open(os.path.join("/tmp", n.name), "rb") as fh:
                                for line in fh:
                                    if line.strip():
                                        while True:
                                            break
                                    else:
                                        pass
                        except (OSError, ValueError) as exc:  # pragma: no cover
                            print(f"{exc=}", file=sys.stderr)
                    yield d, n


def histogram(words: Iterable[str]) -> dict[str, int]:
    h: defaultdict[str, int] = defaultdict(int)
    for w in words:
        h[w.lower()] += 1
    return dict(sorted(h.items(), key=lambda kv: (-kv[1], kv[0])))


if __name__ == "__main__":
    text = sys.stdin.read() if not sys.stdin.isatty() else "it's a test, isn't it?"
    print(histogram(text.split()))
    x = 0x_FF_FF + 1_000_000 - 0o777 * 0b1010 // 3 ** 2 % 7
    s = r'raw\\n' + b'bytes\\x00'.decode() + '''triple
    quoted''' + "\\N{BULLET}"
    print(x, s, [i for i in range(10) if i % 2], {k: v for k, v in zip("ab", (1, 2))})
`);

add('code_c_tabs', `/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX(a, b)\t((a) > (b) ? (a) : (b))
#define ARRAY_SIZE(x)\t(sizeof(x) / sizeof((x)[0]))

struct ring {
\tuint8_t\t\t*buf;
\tsize_t\t\t head, tail;\t/* indices */
\tsize_t\t\t cap;
};

static int
ring_push(struct ring *r, const void *src, size_t n)
{
\tconst uint8_t *p = src;

\tif (n > r->cap - (r->head - r->tail))
\t\treturn -1;
\tfor (size_t i = 0; i < n; i++) {
\t\tif (p[i] == '\\0') {
\t\t\tswitch (i & 3) {
\t\t\tcase 0:
\t\t\t\tbreak;
\t\t\tcase 1:
\t\t\t\tif (r->head & 1) {
\t\t\t\t\twhile (r->tail < r->head) {
\t\t\t\t\t\tif (r->buf[r->tail % r->cap] == 0xff) {
\t\t\t\t\t\t\tr->tail++;
\t\t\t\t\t\t\tcontinue;
\t\t\t\t\t\t}
\t\t\t\t\t\tbreak;
\t\t\t\t\t}
\t\t\t\t}
\t\t\t\t/* fallthrough */
\t\t\tdefault:
\t\t\t\t;
\t\t\t}
\t\t}
\t\tr->buf[r->head++ % r->cap] = p[i];
\t}
\treturn 0;
}

int main(int argc, char **argv)
{
\tstatic uint8_t storage[4096];
\tstruct ring r = { storage, 0, 0, sizeof storage };
\tchar line[256];

\twhile (fgets(line, sizeof line, stdin) != NULL) {
\t\tsize_t len = strlen(line);\t\t// includes '\\n'
\t\tif (ring_push(&r, line, len) != 0) {
\t\t\tfprintf(stderr, "%s: ring full (%zu/%zu)\\n", argv[0], r.head - r.tail, r.cap);
\t\t\treturn 1;
\t\t}
\t}
\tprintf("%d args, max=%d, n=%zu, x=%#08x, f=%-+10.3e\\n", argc, MAX(3, 4),
\t       ARRAY_SIZE(storage), 0xDEADBEEFu, -1.5e-300);
\treturn argc > 1 ? 0 : !!r.head;
}
`);

add('code_js', `'use strict';
// JavaScript with mixed 2-space indentation, template strings and regexes
const fs = require('fs');

export async function* chunks(stream, size = 64 * 1024) {
  let buf = Buffer.alloc(0);
  for await (const data of stream) {
    buf = Buffer.concat([buf, data]);
    while (buf.length >= size) {
      yield buf.subarray(0, size);
      buf = buf.subarray(size);
    }
  }
  if (buf.length) yield buf;
}

const re = /^(?:[a-z0-9!#$%&'*+/=?^_\`{|}~-]+)@([a-z]{2,})$/iu;
const obj = {
  a: 1, 'b-c': [2, 3, { d: null, e: undefined, f: NaN, g: -Infinity }],
  ['computed' + 1]: () => ({ nested: { deeper: { deepest: [[[[42]]]] } } }),
  get x() { return this.a ?? 0; }, async *[Symbol.asyncIterator]() {},
};

class Foo extends Array {
  #private = 0n;
  static { Foo.count = 0xFFn ** 2n; }
  constructor(...args) {
    super(...args);
    this.then = (ok, err) => setTimeout(() => {
      try {
        if (this.#private++ > 10) {
          for (let i = 0; i < this.length; i += 1) {
            if (this[i] !== undefined) {
              switch (typeof this[i]) {
                case 'string':
                  console.log(\`item \${i}: "\${this[i].replace(/\\s+/g, ' ')}"\`);
                  break;
                default:
                  ok?.(this[i]);
              }
            }
          }
        }
      } catch (e) { err(e); } finally { /* nothing */ }
    }, 0);
  }
}

module.exports = { chunks, re, obj, Foo, version: '1.2.3-beta.4+build.5' };
`);

add('code_misc', `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>T&amp;C &lt;draft&gt;</title>
<style>body{font:14px/1.5 "Helvetica Neue",sans-serif;margin:0 auto;max-width:72ch}
  .a>.b:not(:first-child)::after{content:"\\2014";color:#ff00ffcc}</style></head>
<body><!-- comment --><p class="x y">Hello,&nbsp;<b>world</b>!</p></body></html>
{"key": "value", "n": -12.5e+10, "arr": [true, false, null], "u": "\\u00e9\\ud83d\\ude00",
 "nested": {"a": {"b": {"c": []}}}, "empty": "", "ws": "  \\t  "}
SELECT u.id, COUNT(*) AS n FROM users u LEFT JOIN orders o ON o.user_id = u.id
  WHERE u.created_at >= '2024-01-01' AND u.email LIKE '%@example.com' GROUP BY 1 HAVING n > 3;
$ for f in *.txt; do printf '%s\\t%d\\n' "$f" "$(wc -c < "$f")"; done | sort -k2n | tail -n 3 2>&1 >/dev/null
diff --git a/x.c b/x.c
@@ -1,3 +1,4 @@
-int x;
+int x = 0;
+static const char *s = "\\x1b[1;31m";
 // unchanged
fn main() -> Result<(), Box<dyn std::error::Error>> { let v: Vec<u8> = vec![0; 16]; println!("{:?}", &v[..4]); Ok(()) }
(defun fact (n) (if (<= n 1) 1 (* n (fact (- n 1)))))
    mov rax, qword ptr [rbp-0x18]   ; load
    lea rdi, [rip+.LC0]
| col1 | col2 |
|------|:----:|
| \`a\` | **b** |
> quote
- [ ] todo
1. item
\`\`\`
code fence
\`\`\`
===============================================================================
-------------------------------------------------------------------------------
##########################  ***********  ////////////  \\\\\\\\\\\\\\\\
`);

// ---------------------------------------------------------------- prose
add('prose_en', `The Lighthouse Keeper's Ledger

On the morning the fog finally lifted, Mara found the ledger wedged behind the
oil drums, its cover swollen with salt. She had kept the light for eleven years,
and in all that time she'd never once seen the handwriting inside: tight,
slanted, hurried, as if whoever wrote it had been counting the seconds between
flashes and didn't want to miss the next one.

"March 3rd. Wind from the north-northeast, force 6. Two ships sighted; neither
answered." The entries went on like that for pages. Some were only a word long
("Rain." "Again." "Nothing.") while others sprawled across the margins, filled
with questions she couldn't answer: Why had the keeper stopped signing his name?
Who was "the visitor" he mentioned on the 19th, and the 20th, and the 21st?

She read until the kettle boiled dry. Then she did what any sensible person
would do -- she made another pot of tea, lit the lamp (though it was barely
noon), and started again from the beginning, this time with a pencil.

By evening she'd filled three sheets of notes. The visitor, it seemed, came
only at low tide; never stayed longer than an hour; and always left something
behind: a shell, a coin, a key. The keeper had drawn each one carefully, with
measurements in inches and, oddly, in some unit he called "fathoms-of-the-hand."

It wasn't until the last page that she understood. The final entry read, in a
steadier hand than the rest: "If you are reading this, you're the next one. Don't
be afraid. Keep the light burning, keep the ledger honest, and when the visitor
comes, give it the key back."

Mara looked at the small iron key that had been sitting on her windowsill for
as long as she could remember. She'd always assumed it opened the old sea chest.
It didn't. She had tried, years ago, a hundred times.

Outside, the tide was going out.
`);

add('prose_en_short_lines', 'Hello, world!\nHello world\nhello World\nHELLO WORLD\n' +
  ' Hello\n  Hello\nHello.Hello,Hello;Hello:Hello!Hello?\n' +
  'e.g. i.e. etc. Mr. Mrs. Dr. St. U.S.A. a.m. p.m.\n' +
  'state-of-the-art, well-known, up-to-date, mother-in-law\n' +
  'the the the the the the the the the the the the the the the the\n' +
  'antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis\n' +
  'supercalifragilisticexpialidocious floccinaucinihilipilification\n' +
  'CamelCaseIdentifier snake_case_identifier SCREAMING_SNAKE kebab-case-id\n' +
  'getHTTPResponseCode XMLHttpRequest iPhone eBay McDonald O\'Brien\n');

add('contractions', [
  "it's he's she's that's what's there's let's",
  "IT'S HE'S SHE'S THAT'S WHAT'S THERE'S LET'S",
  "It'S iT's It'LL It'Ll it'lL IT'll",
  "I'm I'M you're YOU'RE You'Re we've WE'VE We'Ve they'd THEY'D",
  "I'll I'LL I'Ll we'll WE'LL don't DON'T Don'T can't CAN'T won't WON'T",
  "'s 's's 'S 'd 'D 'm 'M 't 'T 'll 'LL 'Ll 'lL 're 'RE 'Re 've 'VE 'Ve",
  "''s ''S '''s ' s 'x 'sx 'ss 'lls 'llama 'revenge 'vest 'tis 'twas",
  "rock'n'roll o'clock y'all ma'am ne'er-do-well fo'c's'le",
  "James's Thomas' dogs' children's the '90s the 90's '23",
  "\u2019s it\u2019s IT\u2019S don\u2019t I\u2019ll we\u2019re \u2018quoted\u2019 \u201cdouble\u201d",
  "\u02bcs \u2032s `s \u00b4s ' 's '  's\t's\n's",
  "l'homme l'\u00e9t\u00e9 aujourd'hui qu'il d'Artagnan dell'arte all'Italia",
  "\u0414'\u0410\u0440\u0442\u0430\u043d\u044c\u044f\u043d \u043c'\u044f\u0441\u043e \u05d0'\u05d1 \u65e5's \u00e9's 1's 1'S _'s",
  "'s at start", "ends with '", "ends with 's", "ends with 'll",
  "123's ''''' '''' ''' '' ' 'S'S'S's's's",
].join('\n') + "\n's");

// ---------------------------------------------------------------- numbers
add('numbers', [
  '0 1 2 3 4 5 6 7 8 9 10 11 99 100 101 999 1000 1001 9999 10000',
  '12 123 1234 12345 123456 1234567 12345678 123456789 1234567890',
  '3.14159265358979323846264338327950288419716939937510582097494459',
  '2718281828459045235360287471352662497757247093699959574966967627724076630353',
  '1,000,000 1.000.000 1 000 000 1\u00a0000\u00a0000 1_000_000 1e10 1E-10 -42 +42 0x1F 0b1010',
  '2024-01-31 23:59:59.999Z 12:00 AM 192.168.0.1 ::1 v1.2.3 3/4 50% $9.99 \u20ac1,50 \u00a35',
  '(555) 123-4567 +1-800-555-0199 ISBN 978-3-16-148410-0 #1 No.7 4th 21st 2nd 3rd',
  rep('9', 300),
  rep('0', 64) + ' ' + rep('1', 65) + ' ' + rep('12', 40) + ' ' + rep('123', 30),
  'a1 a12 a123 1a 12a 123a abc123def 1st2nd3rd x86_64 i386 utf8 mp3 h264 3D 4K',
].join('\n') + '\n' + (() => {
  const r = rng(12345);
  let s = '';
  for (let i = 0; i < 60; i++) {
    const len = 1 + Math.floor(r() * 25);
    let d = '';
    for (let j = 0; j < len; j++) d += String(Math.floor(r() * 10));
    s += d + (r() < 0.2 ? '\n' : r() < 0.5 ? ' ' : r() < 0.5 ? ',' : '.');
  }
  return s;
})());

add('unicode_numbers', [
  'Roman: \u2160 \u2161 \u2162 \u2163 \u2164 \u2165 \u2166 \u2167 \u2168 \u2169 \u216a \u216b \u216c \u216d \u216e \u216f \u2170\u2171\u2172 \u2180\u2181\u2182 Chapter\u2162 \u2162rd',
  'Superscripts: x\u00b2 + y\u00b3 = z\u00b9 10\u207b\u00b3 E=mc\u00b2 2\u00b2\u00b2 \u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079 H\u2082O CO\u2082 \u2080\u2081\u2082\u2083',
  'Fractions: \u00bd \u00bc \u00be \u2153 \u2154 \u215b 1\u00bd 3\u00be\u2033 \u2150\u2151\u2152',
  'Fullwidth: \uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19 \uff11\uff12\uff13\uff14\u5186 \uff21\uff22\uff23\uff41\uff42\uff43 \uff01\uff1f',
  'Arabic-Indic: \u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669 \u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9 \u0633\u0646\u0629 \u0661\u0664\u0664\u0665',
  'Devanagari: \u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e\u096f  Bengali: \u09e6\u09e7\u09e8  Thai: \u0e50\u0e51\u0e52\u0e53  Tibetan: \u0f20\u0f21\u0f2a\u0f33',
  'Circled: \u2460\u2461\u2462 \u2473 \u24ea \u2776\u2777 \u3251\u32bf  Parenthesized: \u2474\u2475 \u2488\u2489  Dingbat: \u2780\u2789',
  'CJK numerals: \u4e00\u4e8c\u4e09\u56db\u4e94\u516d\u4e03\u516b\u4e5d\u5341\u767e\u5343\u4e07\u5104 \u3007 \u3021\u3022\u3029 \u58f1\u5f10\u53c2',
  'Math digits: \ud835\udfce\ud835\udfcf\ud835\udfd0 \ud835\udfd8\ud835\udfd9 \ud835\udfec\ud835\udfed  Aegean: \ud800\udd07\ud800\udd08  Counting rods: \ud834\udf60\ud834\udf61',
  'Mixed: 1\u00b2\u2162\uff14\u0664\u096a\u2464 a\u00b2b x\u2081y \u2162x 12\u00bd5 \uff11a\uff12 \u0661\u0628 \u00b9\u00b2\u00b3abc',
  'Letterlike: \u2116 \u2121 \u2122 \u2103 \u2109 \u212b \u2126 \u2113 \u211d \u2124 \u2115 \u2102',
].join('\n') + '\n');

// ---------------------------------------------------------------- punctuation
add('punctuation', [
  '!!! ??? ... ,,, ;;; ::: --- ___ +++ === *** ### $$$ %%% &&& @@@ ^^^ ~~~ ``` |||',
  '!?!?!?!? ?!?!?! ...!!! ...??? --> <-- <=> => -> ->> <<= >>= != !== === ** // /* */ #!',
  '"quoted" \'single\' (parens) [brackets] {braces} <angles> \u00abguillemets\u00bb \u2039single\u203a',
  '\u201ccurly\u201d \u2018curly\u2019 \u201elow\u201c \u201a \u2014 em \u2013 en \u2012 \u2010 \u2011 \u2026 \u00b7 \u2022 \u2023 \u2043 \u00a7 \u00b6 \u2020 \u2021',
  '\u3001\u3002\u300c\u300d\u300e\u300f\u3010\u3011\u3008\u3009\uff08\uff09\uff01\uff1f\uff0c\uff0e\uff1a\uff1b\u30fb\u301c',
  '\u060c \u061b \u061f \u06d4 \u0964 \u0965 \u0e2f \u104b \u17d4 \u00bf\u00a1 \u203d \u2e2e \u055e \u0589',
  '$5 \u20ac5 \u00a35 \u00a55 \u20b95 \u20bd5 \u20a95 \u20bf5 \u00a25 \u0e3f5 \u20ba5 \u20b45',
  '\u2190\u2191\u2192\u2193 \u21d2\u21d4 \u2200x\u2208\u211d: \u2203y \u2264 \u2265 \u2260 \u2248 \u221e \u2211 \u220f \u222b \u221a \u2202 \u2207 \u00b1 \u00d7 \u00f7',
  '\u2500\u2502\u250c\u2510\u2514\u2518\u251c\u2524\u252c\u2534\u253c \u2550\u2551\u2554\u2557 \u2588\u2593\u2592\u2591 \u25a0\u25a1\u25b2\u25b3\u25cf\u25cb \u2605\u2606 \u2660\u2663\u2665\u2666',
  rep('!', 200), rep('.', 150) + rep('-', 150), rep('=-', 80), rep('/\\', 60),
  ' !a !1 ! a .a .1 . a ,a ,1 (a) (1) [a] "a" \'a\' a\'s a\'b \'\'a',
  '@user #hashtag https://example.com/path?q=1&r=[2]#frag mailto:a@b.c C:\\Windows\\System32 ~/.config/',
].join('\n') + '\n');

add('endoftext', [
  '<|endoftext|>',
  'Some text.<|endoftext|>Next document.',
  'Spaced <|endoftext|> token and ' + '<|endoftext|>'.repeat(3),
  ' <|endoftext|>\n<|endoftext|>\n\n<|endoftext|> ',
  '<|endoftext|!> <|endoftext| > < |endoftext|> <|ENDOFTEXT|> <|endoftext>',
  '<|fim_prefix|><|fim_middle|><|fim_suffix|><|endofprompt|><|im_start|>user<|im_end|>',
  '<<|endoftext|>> |<|endoftext|>| !<|endoftext|>! a<|endoftext|>b 1<|endoftext|>2',
].join('\n') + '\n<|endoftext|>');

add('controls', (() => {
  let s = 'NUL:\u0000; NULNUL:\u0000\u0000; word\u0000word; \u0000 lead\n';
  for (let i = 0; i < 32; i++) s += 'c' + i + '=' + cp(i) + ' ';
  s += '\nDEL=\u007f a\u007fb\n';
  for (let i = 0x80; i < 0xa0; i++) s += cp(i);
  s += '\nC1 in words: a\u0080b a\u0085b a\u009fb\n';
  s += 'ESC sequences: \u001b[1;31mred\u001b[0m \u001b]0;title\u0007 \u001bc\n';
  s += 'bell\u0007 backspace a\bb formfeed\f vertical\u000b tab\t cr\r nl\n';
  s += 'BiDi: \u202aLRE\u202c \u202bRLE\u202c \u202dLRO\u202c \u202eRLO\u202c \u2066LRI\u2069 \u2067RLI\u2069 \u200eLRM \u200fRLM \u061cALM\n';
  s += 'Tags: \udb40\udc01\udb40\udc20\udb40\udc7f  VS: a\ufe00 \u845b\udb40\udd00 noncharacters: \ufdd0 \ufffe \uffff \ud83f\udffe \udbff\udfff\n';
  s += 'Private use: \ue000\uf8ff \udb80\udc00 \udbbf\udffd  Replacement: \ufffd \ufffc\n';
  s += '\u0000';
  return s;
})());

// ---------------------------------------------------------------- scripts
add('lang_cyrillic', `Русский: Съешь же ещё этих мягких французских булок, да выпей чаю.
В начале было Слово; «кавычки-ёлочки» — и тире. Ёжик в тумане, 2024 год.
Українська: Щастям б'єш жук їх глицю в фон й ґедзь пріч. Привіт, світе!
Беларуская: У Іўі худы жвавы чорт у зялёнай камізэльцы пабег пад'есці фаршу.
Български: Жълтата дюля беше щастлива, че пухът, който цъфна, замръзна като гьон.
Српски: Фијуче ветар у шибљу, леди пасаже и куће иза њих и гунђа у оџацима.
Македонски: Ѕидарски пејзаж: шугав билмез со чудење џвака ќофте и кељ на туѓ цех.
Қазақша: Қазақстан Республикасы — Орталық Азиядағы мемлекет. Әліпби: әғқңөұүһі.
ПРОПИСНЫЕ БУКВЫ И строчные буквы, СмЕшАнНыЙ РеГиСтР, аббревиатуры: СССР, МГУ.
`);

add('lang_greek', `Ελληνικά: Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Γειά σου, κόσμε!
Ἐν ἀρχῇ ἦν ὁ λόγος, καὶ ὁ λόγος ἦν πρὸς τὸν θεόν. Πολυτονικό: ᾅ ᾧ ῷ ὕ ἄ ὅ.
Τὴ γλῶσσα μοῦ ἔδωσαν ἑλληνική· τὸ σπίτι φτωχικὸ στὶς ἀμμουδιὲς τοῦ Ὁμήρου.
ΚΕΦΑΛΑΙΑ ΓΡΑΜΜΑΤΑ; Ερωτηματικό; άνω τελεία· αριθμοί α΄ β΄ γ΄ ͵α.
Μαθηματικά: α + β = γ, Σ σ ς, π ≈ 3,14, Δx → 0, λ-λογισμός, μm, Ω.
`);

add('lang_arabic_hebrew', `العربية: نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ومغلف بجلد أزرق.
مرحبا بالعالم! كيف حالك؟ هذا اختبار، مع علامات الترقيم؛ والأرقام ١٢٣ و 456.
التشكيل: بِسْمِ ٱللَّٰهِ ٱلرَّحْمَٰنِ ٱلرَّحِيمِ — الكَلِمَةُ المُشَكَّلَةُ. تطويـــــــل.
فارسی: به نام خداوند جان و خرد، کزین برتر اندیشه برنگذرد. ۱۴۰۳ گچپژ
اردو: یہ ایک مثال ہے۔ ٹھیک ہے؟ ڈ ڑ ں ے ۓ
עברית: דג סקרן שט בים מאוכזב ולפתע מצא לו חברה איך הקליטה.
שָׁלוֹם עוֹלָם! בְּרֵאשִׁית בָּרָא אֱלֹהִים אֵת הַשָּׁמַיִם וְאֵת הָאָרֶץ.
ייִדיש: אַ גוטן טאָג! מיקס: Hello שלום مرحبا 123 ״ציטוט״ ׳גרש׳ ־מקף
`);

add('lang_indic', `हिन्दी: ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम।
नमस्ते दुनिया! क्षत्रिय, ज्ञान, श्र, द्ध, ह्य, क़ ख़ ग़ ज़ ड़ ढ़ फ़, ॐ, ॥ १२३ ॥
मराठी: महाराष्ट्र राज्याची राजधानी मुंबई आहे. संस्कृतम्: सत्यमेव जयते।
বাংলা: আমার সোনার বাংলা, আমি তোমায় ভালোবাসি। ক্ষ ঞ্জ ৎ ং ঃ ঁ
தமிழ்: யாமறிந்த மொழிகளிலே தமிழ்மொழி போல் இனிதாவது எங்கும் காணோம்.
తెలుగు: దేశ భాషలందు తెలుగు లెస్స. ಕನ್ನಡ: ಸಿರಿಗನ್ನಡಂ ಗೆಲ್ಗೆ. മലയാളം: എന്റെ ഭാഷ.
ਪੰਜਾਬੀ: ਸਤਿ ਸ੍ਰੀ ਅਕਾਲ। ગુજરાતી: કેમ છો? ଓଡ଼ିଆ: ନମସ୍କାର। සිංහල: ආයුබෝවන්!
`);

add('lang_southeast_asian', `ไทย: เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน
สวัสดีครับ ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ ๑๒๓ ฯลฯ ๆ
ລາວ: ສະບາຍດີ ພາສາລາວ. ខ្មែរ: សួស្តី ពិភពលោក។ မြန်မာ: မင်္ဂလာပါ။
Tiếng Việt: Tôi yêu tiếng nước tôi từ khi mới ra đời. Đường đi khó, không khó vì ngăn sông cách núi.
ཨོཾ་མ་ཎི་པདྨེ་ཧཱུྃ། བོད་ཡིག  ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ᠌ Mongolian script
`);

add('lang_cjk', `中文：我能吞下玻璃而不伤身体。繁體中文：我能吞下玻璃而不傷身體。
天地玄黄，宇宙洪荒。日月盈昃，辰宿列张。寒来暑往，秋收冬藏。
在2024年，人工智能（AI）技术飞速发展——“大模型”成为热词！价格：￥１２３．４５
日本語：私はガラスを食べられます。それは私を傷つけません。
いろはにほへと ちりぬるを わかよたれそ つねならむ　うゐのおくやま けふこえて
カタカナ：コンピューター、ｶﾀｶﾅ（半角）、ヴァイオリン、ー〜。漢字かな交じり文です。
東京都千代田区丸の内１丁目　〒100-0005　ＴＥＬ：03-1234-5678
한국어: 나는 유리를 먹을 수 있어요. 그래도 아프지 않아요.
키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다. ㄱㄴㄷ ㅏㅑㅓ
자모 분해: 한글 \u1112\u1161\u11ab\u1100\u1173\u11af 한글
CJK Ext B: 𠀀𠀁𠀂 𡃁 𢀀 𪜀 𫝀 𬺰 𰀀 Radicals: ⺀⺁ ⼀⼁ Compatibility: 豈更車 ㍻ ㈱ ㎏
`);

add('lang_misc_scripts', `ქართული: მინა შემიძლია ვჭამო და არაფერი მეტკინება. ᲥᲐᲠᲗᲣᲚᲘ (Mtavruli)
Հայերեն: Կրնամ ապակի ուտել և ինծի անհանգիստ չըներ։ Բարև աշխարհ։ Ա-Ֆ ա-ֆ և
አማርኛ: ብርሃን ዘ ኢትዮጵያ። ሰላም ለዓለም፤ ፩ ፪ ፫
ᏣᎳᎩ: ᎣᏏᏲ ᏙᎯᏧ Cherokee ꭰꭱ  ᐃᓄᒃᑎᑐᑦ: ᐊᐃᖓᐃ  ᚠᚢᚦᚨᚱᚲ Runic  ᚛ᚁᚂᚃ᚜ Ogham
ܠܫܢܐ ܣܘܪܝܝܐ Syriac  ދިވެހި Thaana  ߒߞߏ N'Ko  ⵜⴰⵎⴰⵣⵉⵖⵜ Tifinagh  ꦧꦱꦗꦮ Javanese
Gothic: 𐌲𐌿𐍄𐌹𐍃𐌺𐌰  Linear B: 𐀀𐀁𐀂  Cuneiform: 𒀀𒀁𒀂  Egyptian: 𓀀𓀁𓂀  Old Italic: 𐌀𐌁𐌂
Latin extended: Ærøskøbing, Œuvre, Straße, Ĳssel, łódź, Dvořák, İstanbul, ıi, ǅǆ ǈ ǋ, Þórr, Ðð, ŋ, ʃʒθð
IPA: ˈfəʊnətɪk ˌtrænˈskrɪpʃən [ɪntəˈnæʃənl̩] ʔ ʕ ɬ ɮ ʘ ǀ ǁ ǂ ǃ ˥˦˧˨˩ ʰʷʲ
Math alphanumerics: 𝐀𝐁𝐂 𝑎𝑏𝑐 𝔄𝔅 𝕏𝕐 𝓐𝓑 𝖆𝖇 𝚊𝚋𝚌 ℌℑ  Enclosed: ⓐⓑⓒ Ⓐ 🄰🄱 🅐
`);

// Letters and digits added in recent Unicode versions, in contexts where
// their General_Category changes the pre-tokenizer split (letter runs, digit
// runs, ' ?' prefixes).  Shows which Unicode tables the reference uses.
add('unicode_recent', (() => {
  const groups = [
    ['13.0 Yezidi', [0x10e80, 0x10e81, 0x10e82]],
    ['13.0 Chorasmian', [0x10fb0, 0x10fb1]],
    ['13.0 Dives Akuru', [0x11900, 0x11901], [0x11950, 0x11951]],
    ['13.0 Khitan', [0x18b00, 0x18b01]],
    ['14.0 Vithkuqi', [0x10570, 0x10597]],
    ['14.0 Toto', [0x1e290, 0x1e291]],
    ['14.0 Tangsa', [0x16a70, 0x16a71], [0x16ac0, 0x16ac1]],
    ['14.0 Cypro-Minoan', [0x12f90, 0x12f91]],
    ['15.0 Kawi', [0x11f04, 0x11f05, 0x11f06], [0x11f50, 0x11f51]],
    ['15.0 Cyrillic modifiers', [0x1e030, 0x1e031]],
    ['15.0 Nag Mundari', [0x1e4d0, 0x1e4d1], [0x1e4f0, 0x1e4f1]],
    ['15.0 CJK Ext H', [0x31350, 0x31351]],
    ['15.1 CJK Ext I', [0x2ebf0, 0x2ebf1]],
    ['16.0 Garay', [0x10d4a, 0x10d50], [0x10d40, 0x10d41]],
    ['16.0 Todhri', [0x105c0, 0x105c1]],
    ['16.0 Sunuwar', [0x11bc0, 0x11bc1], [0x11bf0, 0x11bf1]],
    ['16.0 Kirat Rai', [0x16d43, 0x16d44], [0x16d70, 0x16d71]],
    ['16.0 Gurung Khema', [0x16100, 0x16101], [0x16130, 0x16131]],
    ['16.0 Ol Onal', [0x1e5d0, 0x1e5d1], [0x1e5f1, 0x1e5f2]],
    ['16.0 Outlined digits', [], [0x1ccf0, 0x1ccf1]],
    ['17.0 Sidetic', [0x10940, 0x10941]],
    ['17.0 Tolong Siki', [0x11db0, 0x11db1], [0x11de0, 0x11de1]],
    ['17.0 Beria Erfe', [0x16ea0, 0x16ea1]],
    ['17.0 Tai Yo', [0x1e6c0, 0x1e6c1]],
    ['unassigned', [0x2fffd, 0x40000, 0x10fffd]],
  ];
  let s = '';
  for (const [label, letters, digits] of groups) {
    const L = letters.map(cp).join('');
    s += label + ': a' + L + 'b ' + L + ' ' + L + "'s 1" + L + '2 !' + L + '! ' + (letters.length ? cp(letters[0]) : '') + '\n';
    if (digits) {
      const D = digits.map(cp).join('');
      s += '  digits: 1' + D + '2 a' + D + 'b ' + D + ' ' + D + '. x' + D + D + D + D + '\n';
    }
  }
  return s;
})());

add('combining', (() => {
  const nfd = 'Cafe\u0301 nai\u0308ve re\u0301sume\u0301 A\u030angstro\u0308m n\u0303 Z\u030cluc\u030cous\u030c Pe\u0301rez\n' +
    'precomposed: Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c5ngstr\u00f6m \u00f1 \u017dlu\u010dou\u010d\n' +
    'marks alone: \u0301 \u0301\u0301 \u0300\u0301\u0302\u0303\u0304 x\u0338 =\u0338 1\u20e3 a\u20dd \u20dd\u20de\n' +
    'after space: a \u0301b  \u0308c\t\u0301d\n\u0301\n' +
    'vietnamese decomposed: Vie\u0302\u0323t Nam, tie\u0302\u0301ng Vie\u0302\u0323t\n' +
    'hangul jamo: \u1112\u1161\u11ab\u1100\u1173\u11af \u1100\u1161 \u11a8\n' +
    'devanagari: \u0915\u094d\u0937 \u0915\u093c \u0928\u0940\u0902\n' +
    'combining on digits/punct: 1\u0301 2\u0308\u0301 .\u0301 !\u0303 _\u0332_\u0332_\u0332 u\u0332n\u0332d\u0332e\u0332r\u0332\n';
  const r = rng(777);
  const marks = [];
  for (let u = 0x300; u <= 0x36f; u++) marks.push(u);
  for (let u = 0x483; u <= 0x489; u++) marks.push(u);
  for (let u = 0x1dc0; u <= 0x1dff; u++) if (u !== 0x1dfa) marks.push(u);
  for (let u = 0x20d0; u <= 0x20f0; u++) marks.push(u);
  let zalgo = 'Zalgo: ';
  for (const ch of 'He comes, the nameless one 123 !?') {
    zalgo += ch;
    const n = ch === ' ' ? 2 : 3 + Math.floor(r() * 25);
    for (let i = 0; i < n; i++) zalgo += cp(marks[Math.floor(r() * marks.length)]);
  }
  let tower = 'x';
  for (let i = 0; i < 400; i++) tower += cp(marks[i % marks.length]);
  return nfd + zalgo + '\n' + tower + ' y\n';
})());

add('emoji', [
  'Faces: 😀😃😄😁😆😅🤣😂🙂🙃😉😊😇 🥰😍🤩😘 ☺️ ☹ ☺ ✌ ✌️',
  'ZWJ families: 👨‍👩‍👧‍👦 👩‍👩‍👦 👨‍👨‍👧‍👧 👪 🧑‍🤝‍🧑 👩‍❤️‍💋‍👨 👨‍❤️‍👨',
  'Professions: 👩‍💻 👨‍🚀 🧑‍🍳 👩🏽‍🔬 👨🏿‍⚕️ 🧑🏻‍🎨 🏳️‍🌈 🏳️‍⚧️ 🏴‍☠️ 🐕‍🦺 🐈‍⬛ 😶‍🌫️ ❤️‍🔥 ❤️‍🩹',
  'Skin tones: 👍 👍🏻 👍🏼 👍🏽 👍🏾 👍🏿 👋🏻👋🏼👋🏽👋🏾👋🏿 🤝🏻 🫱🏻‍🫲🏿 🏻 🏿',
  'Flags: 🇺🇸 🇬🇧 🇯🇵 🇩🇪 🇫🇷 🇧🇷 🇮🇳 🇨🇳 🇺🇦 🇪🇺 🇺🇳 🇦 🇦🇦🇦 🏴󠁧󠁢󠁳󠁣󠁴󠁿 🏴󠁧󠁢󠁷󠁬󠁳󠁿 🏁🚩🎌',
  'Keycaps: 0️⃣ 1️⃣ #️⃣ *️⃣ 🔟 1⃣  Variation: ♥ ♥️ ♥︎ ⚠ ⚠️ © ©️ ® ™️ ↔️ ▶️ ⏏️',
  'Objects: 🚀🛸🌍🌎🌏🔥💧⚡🌈☀️🌙⭐✨🎉🎂🍕🍣🍜☕🍺🎸⚽🏀🏆💯✅❌⁉️‼️',
  'Newer: 🫠 🫥 🫨 🩷 🪿 🫎 🪼 🫚 🪭 🐦‍🔥 🍋‍🟩 🍄‍🟫 ⛓️‍💥 🙂‍↔️ 🙂‍↕️ 🧑‍🧑‍🧒 🫩 🫆 🪾',
  'Adjacent text:hello😀world 😀😀😀 a😀 😀a 1😀2 😀!😀? (😀) "😀" 😀\n😀\t😀  😀',
  '🔥'.repeat(50),
  '👨‍👩‍👧‍👦'.repeat(10),
].join('\n') + '\n');

// ---------------------------------------------------------------- mixed
add('mixed_script_adjacency', [
  'abcабвαβγ中文123١٢٣あいう한국어',
  'Hello世界 world世界 日本語English日本語 Русскийtext textРусский',
  'x²y³ café1 naïve2 ﬁﬂ ﬃ ǅ ß SS ẞ İ i̇ ǰ ΐ ﬀ',
  'word.word,word;word:word!word?word-word_word/word\\word|word',
  ' α β γ  δ\tε\nζ',
  'IPv6 fe80::1%eth0 UUID 123e4567-e89b-12d3-a456-426614174000 SHA deadbeefcafebabe',
  'base64: SGVsbG8sIHdvcmxkIQ== aGVsbG8gd29ybGQ+Pz8/ +/+/ //// AAAA==',
  'Mixed RTL: The word שלום means peace, and سلام too. (٣) [א] {ب}',
].join('\n') + '\n');

add('bom', '\ufeffThis file starts with a UTF-8 byte order mark.\n\ufeffAnd has another one mid-text: a\ufeffb.\n');

// ---------------------------------------------------------------- long runs
add('long_word', (() => {
  const r = rng(20240501);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let s = '';
  while (s.length < 20000) {
    // letter frequencies skewed so BPE finds plenty of merges
    const x = r();
    s += x < 0.5 ? 'etaoinshr'[Math.floor(r() * 9)] : letters[Math.floor(r() * 26)];
  }
  return s;
})());

add('long_runs', [
  rep('a', 5000), rep('ab', 1500), rep('abc', 500), rep('the', 400),
  rep(' ', 1000) + 'x', rep('\t', 500) + 'y', rep('\n', 500) + 'z',
  rep('0', 2000), rep('=', 2000), rep('\u00e9', 500), rep('\u4e2d', 500),
  rep('\u00a0', 300) + 'w', rep('\u3000', 100), rep('😀', 100), rep(' a', 1000),
].join('\n') + '\n');

// ---------------------------------------------------------------- random codepoints
add('random_codepoints', (() => {
  const r = rng(0xC0FFEE);
  const pick = () => {
    const b = r();
    let u;
    if (b < 0.25) u = Math.floor(r() * 0x110000);           // anywhere
    else if (b < 0.55) u = Math.floor(r() * 0x10000);       // BMP
    else if (b < 0.80) u = Math.floor(r() * 0x3000);        // alphabets, symbols
    else if (b < 0.95) u = 0x10000 + Math.floor(r() * 0x20000); // SMP+SIP
    else u = Math.floor(r() * 0x80);                        // ASCII
    return u;
  };
  const out = [];
  while (out.length < 5000) {
    const u = pick();
    if (u >= 0xd800 && u <= 0xdfff) continue;
    out.push(cp(u));
  }
  return out.join('');
})());

// A larger file mixing fragments of everything above (deterministic shuffle).
add('big_mixed', (() => {
  // unicode_recent is left out so that only that one file depends on the
  // Unicode version of the reference's tables.
  const names = Object.keys(files).filter((n) => !['long_word', 'long_runs', 'unicode_recent'].includes(n));
  const pieces = [];
  for (const n of names) {
    const t = files[n];
    // split into line-ish fragments, keeping separators
    for (const m of t.split(/(?<=\n)/)) if (m) pieces.push(m);
  }
  const r = rng(42);
  let s = '';
  while (Buffer.byteLength(s) < 40000) {
    const p = pieces[Math.floor(r() * pieces.length)];
    // occasionally glue without separator, occasionally cut inside a fragment
    // (cutting only at code point boundaries)
    const arr = Array.from(p);
    const cut = r() < 0.3 ? Math.floor(r() * arr.length) : arr.length;
    s += arr.slice(0, cut).join('');
  }
  return s;
})());

// ---------------------------------------------------------------- write
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
let total = 0;
for (const [name, text] of Object.entries(files)) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error('bad name ' + name);
  const buf = Buffer.from(text, 'utf8');
  if (dec.decode(buf) !== text) throw new Error(name + ': not round-trippable UTF-8');
  fs.writeFileSync(path.join(dir, name + '.txt'), buf);
  total += buf.length;
}
console.error(`make_corpus.js: wrote ${Object.keys(files).length} files, ${total} bytes to ${dir}`);
