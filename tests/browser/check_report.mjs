// Opens a lifecircle report.html in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) and checks that it rendered: the DOM contract of the report, a map that is
// not blank, the category selector, the tables, the embedded CJK font, no console errors and
// no request outside the file. Exits 1 with every problem found.
//
//   node check_report.mjs --lang zh|en [--name NAME] [--shots DIR] REPORT.html
//
// tests/browser/run.sh installs playwright-core into a cache folder and passes it in
// LC_PLAYWRIGHT_PREFIX (the folder holding node_modules/playwright-core).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const CHROMIUM = process.env.LC_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// The map counts as drawn when its screenshot has at least MIN_COLOURS colours and MIN_INK of
// its pixels not white, and hiding its data layers (zones, gap areas, residences, facilities)
// changes at least MIN_LAYERS of its pixels: a legend, scale bar and attribution alone fail.
const MIN_COLOURS = 8;
const MIN_INK = 0.03;
const MIN_LAYERS = 0.01;
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/gu;
const HAS_HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;

function usage(msg) {
  console.error(`check_report: ${msg}\nusage: node check_report.mjs --lang zh|en [--name NAME] [--shots DIR] REPORT.html`);
  process.exit(2);
}

const opts = { lang: null, name: null, shots: null, file: null };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--lang' || a === '--name' || a === '--shots') {
    if (i + 1 >= process.argv.length) usage(`${a} needs a value`);
    opts[a.slice(2)] = process.argv[++i];
  } else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else if (opts.file) usage('one report at a time');
  else opts.file = a;
}
if (!opts.file) usage('no report given');
if (opts.lang !== 'zh' && opts.lang !== 'en') usage('--lang must be zh or en');
const reportPath = path.resolve(opts.file);
if (!fs.existsSync(reportPath)) usage(`${reportPath} does not exist`);
const name = opts.name || `report-${opts.lang}`;
const shots = path.resolve(opts.shots || 'target/browser-test');
fs.mkdirSync(shots, { recursive: true });
const reportUrl = pathToFileURL(reportPath).href;

const prefix = process.env.LC_PLAYWRIGHT_PREFIX;
const requireFrom = createRequire(prefix ? path.join(path.resolve(prefix), 'noop.js') : import.meta.url);
let chromium;
try {
  ({ chromium } = requireFrom('playwright-core'));
} catch (e) {
  console.error(`check_report: cannot load playwright-core (${e.message.split('\n')[0]}); run tests/browser/run.sh, which installs it`);
  process.exit(2);
}

const failures = [];
const passed = [];
const fail = (msg) => failures.push(msg);
const ok = (msg) => passed.push(msg);

// A fontconfig that hides every font covering Chinese, Japanese or Korean: Chromium then has
// no system CJK font to fall back on, as on a machine without them, whatever this one has.
const fcDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-browser-fonts-'));
const fcFile = path.join(fcDir, 'fonts.conf');
fs.writeFileSync(fcFile, `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
${['zh-cn', 'zh-tw', 'zh-hk', 'ja', 'ko'].map((l) => `    <pattern><patelt name="lang"><string>${l}</string></patelt></pattern>`).join('\n')}
  </rejectfont></selectfont>
</fontconfig>
`);

// ---- fonts: which code points does an embedded font map to a glyph? ----

function base128(buf, p) {
  let v = 0;
  for (let i = 0; i < 5; i++) {
    const b = buf[p++];
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) return [v, p];
  }
  throw new Error('bad UIntBase128 in WOFF2 table directory');
}

function cmapTable(buf) {
  const sig = buf.toString('latin1', 0, 4);
  if (sig === 'wOFF') {
    const n = buf.readUInt16BE(12);
    for (let i = 0; i < n; i++) {
      const o = 44 + 20 * i;
      if (buf.toString('latin1', o, o + 4) !== 'cmap') continue;
      const off = buf.readUInt32BE(o + 4), comp = buf.readUInt32BE(o + 8), orig = buf.readUInt32BE(o + 12);
      const data = buf.subarray(off, off + comp);
      return comp < orig ? zlib.inflateSync(data) : data;
    }
    return null;
  }
  if (sig === 'wOF2') {
    if (buf.toString('latin1', 4, 8) === 'ttcf') throw new Error('WOFF2 font collections are not read');
    const n = buf.readUInt16BE(12);
    const compressed = buf.readUInt32BE(20);
    let p = 48;
    const entries = [];
    for (let i = 0; i < n; i++) {
      const flags = buf[p++];
      let tag = flags & 63; // index into WOFF2's known tags: 0 cmap, 10 glyf, 11 loca
      if (tag === 63) { tag = buf.toString('latin1', p, p + 4); p += 4; }
      let length;
      [length, p] = base128(buf, p);
      const version = flags >> 6;
      const transformed = tag === 10 || tag === 11 ? version === 0 : version !== 0;
      if (transformed) [length, p] = base128(buf, p);
      entries.push({ tag, length });
    }
    const stream = zlib.brotliDecompressSync(buf.subarray(p, p + compressed));
    let off = 0;
    for (const e of entries) {
      if (e.tag === 0 || e.tag === 'cmap') return stream.subarray(off, off + e.length);
      off += e.length;
    }
    return null;
  }
  if (sig === '\x00\x01\x00\x00' || sig === 'OTTO' || sig === 'true') {
    const n = buf.readUInt16BE(4);
    for (let i = 0; i < n; i++) {
      const o = 12 + 16 * i;
      if (buf.toString('latin1', o, o + 4) === 'cmap') {
        const off = buf.readUInt32BE(o + 8);
        return buf.subarray(off, off + buf.readUInt32BE(o + 12));
      }
    }
    return null;
  }
  throw new Error(`unknown font format (starts with ${JSON.stringify(sig)})`);
}

// Code points that the font's Unicode cmap subtables (formats 4 and 12) map to a glyph.
function mappedCodePoints(font) {
  const cmap = cmapTable(font);
  if (!cmap) throw new Error('the font has no cmap table');
  const cps = new Set();
  const n = cmap.readUInt16BE(2);
  for (let i = 0; i < n; i++) {
    const platform = cmap.readUInt16BE(4 + 8 * i), encoding = cmap.readUInt16BE(6 + 8 * i);
    if (!(platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10)))) continue;
    const o = cmap.readUInt32BE(8 + 8 * i);
    const format = cmap.readUInt16BE(o);
    if (format === 4) {
      const seg = cmap.readUInt16BE(o + 6) / 2;
      const ends = o + 14, starts = ends + 2 * seg + 2, deltas = starts + 2 * seg, ranges = deltas + 2 * seg;
      for (let s = 0; s < seg; s++) {
        const end = cmap.readUInt16BE(ends + 2 * s), start = cmap.readUInt16BE(starts + 2 * s);
        const delta = cmap.readUInt16BE(deltas + 2 * s), range = cmap.readUInt16BE(ranges + 2 * s);
        for (let c = start; c <= end && c !== 0xffff; c++) {
          let g;
          if (range === 0) g = (c + delta) & 0xffff;
          else {
            g = cmap.readUInt16BE(ranges + 2 * s + range + 2 * (c - start));
            if (g !== 0) g = (g + delta) & 0xffff;
          }
          if (g !== 0) cps.add(c);
        }
      }
    } else if (format === 12) {
      const groups = cmap.readUInt32BE(o + 12);
      for (let k = 0; k < groups; k++) {
        const g = o + 16 + 12 * k;
        const start = cmap.readUInt32BE(g), end = cmap.readUInt32BE(g + 4), glyph = cmap.readUInt32BE(g + 8);
        for (let c = start; c <= end; c++) if (glyph + (c - start) !== 0) cps.add(c);
      }
    }
  }
  return cps;
}

// Whether a font that Chromium may use here (CJK ones hidden) has a glyph for c.
function systemFontHas(c) {
  try {
    const out = execFileSync('fc-list', ['--format=%{family}\\n', `:charset=${c.codePointAt(0).toString(16)}`],
      { env: { ...process.env, FONTCONFIG_FILE: fcFile }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() !== '';
  } catch {
    return false;
  }
}

function decodeDataUrl(url) {
  const comma = url.indexOf(',');
  const head = url.slice(0, comma), body = url.slice(comma + 1);
  return /;base64$/i.test(head) ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'latin1');
}

// ---- the page ----

// Decoded inside the page itself (data: URL images drawn on detached canvases): no PNG decoder
// needed here, and the page's request log only sees data: URLs. With a second screenshot (the
// map with its data layers hidden), also the share of pixels that the data layers change.
async function pixelStats(page, png, bare) {
  return page.evaluate(async ([b64, bareB64]) => {
    const pixels = async (src) => {
      const img = new Image();
      img.src = `data:image/png;base64,${src}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      return ctx.getImageData(0, 0, canvas.width, canvas.height);
    };
    const { data, width, height } = await pixels(b64);
    const colours = new Set();
    let white = 0;
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      if (data[i] >= 250 && data[i + 1] >= 250 && data[i + 2] >= 250) white++;
    }
    const n = data.length / 4;
    let layers = null;
    if (bareB64) {
      const bare = (await pixels(bareB64)).data;
      let changed = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i] !== bare[i] || data[i + 1] !== bare[i + 1] || data[i + 2] !== bare[i + 2]) changed++;
      }
      layers = bare.length === data.length ? changed / n : null;
    }
    return { width, height, colours: colours.size, nonWhite: (n - white) / n, layers };
  }, [png.toString('base64'), bare ? bare.toString('base64') : null]);
}

const DATA_LAYERS = ['zones', 'gap-areas', 'residences', 'facilities'];

async function checkMapShot(page, file, label) {
  const map = page.locator('svg#map');
  const png = await map.screenshot({ path: file, timeout: 15000 });
  await page.evaluate((ids) => ids.forEach((id) => {
    const g = document.querySelector(`svg#map g#${id}`);
    if (g) g.style.setProperty('visibility', 'hidden', 'important');
  }), DATA_LAYERS);
  const bare = await map.screenshot({ timeout: 15000 });
  await page.evaluate((ids) => ids.forEach((id) => {
    const g = document.querySelector(`svg#map g#${id}`);
    if (g) g.style.removeProperty('visibility');
  }), DATA_LAYERS);
  const s = await pixelStats(page, png, bare);
  const desc = `${s.width}×${s.height} px, ${s.colours} colours, ${(100 * s.nonWhite).toFixed(1)} % not white, `
    + `${s.layers === null ? '?' : (100 * s.layers).toFixed(1)} % drawn by the data layers`;
  const rel = path.relative(process.cwd(), file);
  if (s.colours < MIN_COLOURS || s.nonWhite < MIN_INK) {
    fail(`map looks blank (${label}): ${desc}; want ≥ ${MIN_COLOURS} colours and ≥ ${100 * MIN_INK} % not white (${rel})`);
  } else if (s.layers === null || s.layers < MIN_LAYERS) {
    fail(`map shows little data (${label}): ${desc}; want the zones, gap areas, residences and facilities to change ≥ ${100 * MIN_LAYERS} % of its pixels (${rel})`);
  } else ok(`map drawn (${label}): ${desc}`);
}

// Everything about the DOM that can be read in one go; runs in the page.
function readDom() {
  const P = [];
  const F = {};
  const drawn = (el) => {
    if (!el || !el.checkVisibility({ visibilityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 || r.height > 0;
  };
  const shape = (el) => el instanceof SVGGeometryElement || el instanceof SVGUseElement
    || el instanceof SVGImageElement || el instanceof SVGTextContentElement;
  F.lang = document.documentElement.getAttribute('lang');

  const select = document.querySelector('select#category');
  if (!select) P.push('no <select id="category">');
  else {
    const values = [...select.options].map((o) => o.value);
    if (values[0] !== '') P.push(`the first option of #category has value ${JSON.stringify(values[0])}; want "" (all categories)`);
    if (values.length < 2) P.push('#category lists no category');
    if (select.value !== '') P.push(`#category starts on ${JSON.stringify(select.value)}, not on all categories ("")`);
    F.categories = values.slice(1);
  }

  const map = document.querySelector('svg#map');
  if (!map) P.push('no <svg id="map">');
  else {
    if (!drawn(map)) P.push('svg#map is not displayed');
    if (map.getAttribute('data-category') !== '') P.push(`svg#map has data-category=${JSON.stringify(map.getAttribute('data-category'))} before a category is chosen; want ""`);
    for (const id of ['zones', 'gap-areas', 'residences', 'facilities', 'legend', 'scale-bar', 'north-arrow']) {
      if (!map.querySelector(`g#${id}`)) P.push(`svg#map has no g#${id}`);
    }
    const count = (sel) => [...map.querySelectorAll(sel)].filter((el) => shape(el) && drawn(el)).length;
    F.zones = [...map.querySelectorAll('g#zones *')].filter((el) => el instanceof SVGGeometryElement && drawn(el)).length;
    F.gapAreas = count('g#gap-areas *');
    F.residences = [...map.querySelectorAll('g#residences circle, g#residences rect')].filter(drawn).length;
    F.facilities = count('g#facilities *');
    if (map.querySelector('g#zones') && F.zones < 1) P.push('g#zones draws no zone');
    if (map.querySelector('g#residences') && F.residences < 1) P.push('g#residences draws no circle or rect with a size');
    if (map.querySelector('g#facilities') && F.facilities < 1) P.push('g#facilities draws nothing');
    for (const id of ['legend', 'scale-bar', 'north-arrow']) {
      const g = map.querySelector(`g#${id}`);
      if (g && !drawn(g)) P.push(`g#${id} is empty or hidden`);
    }
    const attribution = map.querySelector('text#attribution');
    if (!attribution) P.push('svg#map has no text#attribution');
    else if (!attribution.textContent.trim()) P.push('text#attribution is empty');
    else F.attribution = attribution.textContent.trim();
  }

  const coverage = document.querySelector('section#coverage');
  if (!coverage) P.push('no section#coverage');
  else {
    const bars = [...coverage.querySelectorAll('svg rect.bar')];
    F.bars = bars.length;
    if (!coverage.querySelector('svg')) P.push('section#coverage has no svg chart');
    else if (!bars.length) P.push('section#coverage has no rect.bar');
    else if (!bars.some(drawn)) P.push('no rect.bar in section#coverage has a size');
  }

  for (const [id, cells] of [['indicators', 6], ['largest-gaps', 1]]) {
    const t = document.querySelector(`table#${id}`);
    if (!t) { P.push(`no table#${id}`); continue; }
    const rows = [...t.querySelectorAll(':scope > tbody > tr')];
    F[id] = rows.length;
    if (!rows.length) P.push(`table#${id} has no body row`);
    else if (!drawn(t)) P.push(`table#${id} is not displayed`);
    else if (!rows.some((r) => r.cells.length >= cells)) P.push(`no body row of table#${id} has ${cells} cells`);
  }
  const methods = document.querySelector('section#methods');
  if (!methods) P.push('no section#methods');
  else if (!methods.innerText.trim()) P.push('section#methods is empty');

  F.bodyText = document.body.innerText;
  F.headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, th, caption')].map((h) => h.innerText);
  F.title = document.title;
  return { problems: P, facts: F };
}

// Chooses a category as a person would (selectOption fires input and change), then gives the
// page up to 2 s to set data-category and two animation frames to draw.
async function choose(page, value) {
  await page.selectOption('select#category', value);
  await page.waitForFunction((v) => document.querySelector('svg#map').getAttribute('data-category') === v, value, { timeout: 2000 })
    .catch(() => {});
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// Category view: data-category, residence fills, facilities shown. Runs in the page.
function categoryView() {
  const map = document.querySelector('svg#map');
  const visible = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true })
    && (el.getBoundingClientRect().width > 0 || el.getBoundingClientRect().height > 0);
  const facilities = [...map.querySelectorAll('g#facilities *')].filter((el) => !(el instanceof SVGGElement) && visible(el)).length;
  const fills = [...map.querySelectorAll('g#residences circle, g#residences rect')].map((el) => getComputedStyle(el).fill);
  return { category: map.getAttribute('data-category'), facilities, fills };
}

async function checkFont(page, cdp) {
  const info = await page.evaluate(async () => {
    await document.fonts.ready;
    const unquote = (s) => s.trim().replace(/^["']|["']$/g, '');
    const faces = [...document.fonts].filter((f) => unquote(f.family) === 'lc-cjk');
    const sources = [];
    const walk = (rules) => {
      for (const r of rules) {
        if (r instanceof CSSFontFaceRule && unquote(r.style.getPropertyValue('font-family')) === 'lc-cjk') {
          const src = r.style.getPropertyValue('src');
          const m = /url\(\s*["']?([^"')]*)/.exec(src);
          sources.push(m ? m[1] : src);
        } else if (r.cssRules) walk(r.cssRules);
      }
    };
    for (const sheet of document.styleSheets) walk(sheet.cssRules);
    // every CJK character (ideographs, CJK punctuation, full-width forms) of the page's text,
    // wherever it is shown (option lists and hidden panels too), but not the <title>, which the
    // browser's own font draws
    const chars = new Set();
    const it = document.createNodeIterator(document.body, NodeFilter.SHOW_TEXT);
    for (let n = it.nextNode(); n; n = it.nextNode()) {
      if (n.parentElement.closest('script, style, noscript, template')) continue;
      for (const c of n.data.match(/[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/gu) || []) chars.add(c);
    }
    // elements on screen whose own text has Chinese: which font draws it is asked below
    let k = 0;
    const all = document.body.querySelectorAll('*');
    for (const el of all) {
      if (el.closest('script, style, noscript, template, select')) continue;
      const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.data).join('');
      const han = (own.match(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/gu) || []).length;
      if (han && el.checkVisibility({ visibilityProperty: true })) el.setAttribute('data-lc-han-probe', `${han}`), k++;
    }
    return {
      faces: faces.map((f) => f.status),
      check: document.fonts.check('16px lc-cjk', '社区'),
      sources, chars: [...chars], probes: k,
    };
  });
  if (!info.sources.length) { fail('no @font-face for "lc-cjk"'); return; }
  const notData = info.sources.filter((s) => !s.startsWith('data:'));
  if (notData.length) fail(`@font-face "lc-cjk" is not embedded: src ${notData.map((s) => s.slice(0, 60)).join(', ')}`);
  if (!info.faces.length) fail('document.fonts has no "lc-cjk" face');
  else if (!info.faces.includes('loaded')) fail(`the "lc-cjk" font did not load (status ${info.faces.join(', ')}): unused, or its data is broken`);
  if (!info.check) fail(`document.fonts.check('16px lc-cjk', '社区') is false`);

  let covered = null;
  const embedded = info.sources.filter((s) => s.startsWith('data:'));
  try {
    if (embedded.length) covered = new Set();
    for (const src of embedded) {
      for (const c of mappedCodePoints(decodeDataUrl(src))) covered.add(c);
    }
  } catch (e) {
    fail(`cannot read the embedded "lc-cjk" font: ${e.message}`);
    covered = null;
  }
  if (covered) {
    // A punctuation mark or full-width form may come from a font that is not CJK (an ideograph
    // cannot: those fonts are hidden); fontconfig, with the same settings, says which it has.
    const elsewhere = (c) => HAS_HAN.test(c) ? false : systemFontHas(c);
    const missing = info.chars.filter((c) => !covered.has(c.codePointAt(0)) && !elsewhere(c));
    if (missing.length) fail(`the embedded "lc-cjk" font has no glyph for ${missing.length} of the page's ${info.chars.length} CJK characters, and no other font has one: ${missing.slice(0, 40).join('')}`);
    else ok(`embedded "lc-cjk" font (${info.sources.length} data: URL${info.sources.length > 1 ? 's' : ''}, ${covered.size} code points) has every one of the page's ${info.chars.length} distinct CJK characters${info.chars.some((c) => !covered.has(c.codePointAt(0))) ? ' (or a font that is not CJK has it)' : ''}`);
  }

  // Which fonts Chromium really drew each element's own Chinese text with (DevTools protocol).
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
  const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: '[data-lc-han-probe]' });
  const wrong = [];
  for (const nodeId of nodeIds) {
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    const attrs = (await cdp.send('DOM.getAttributes', { nodeId })).attributes;
    const han = Number(attrs[attrs.indexOf('data-lc-han-probe') + 1]);
    const custom = fonts.filter((f) => f.isCustomFont).reduce((a, f) => a + f.glyphCount, 0);
    if (custom < han) {
      const { outerHTML } = await cdp.send('DOM.getOuterHTML', { nodeId });
      wrong.push(`${outerHTML.replace(/ data-lc-han-probe="\d+"/, '').replace(/\s+/g, ' ').slice(0, 90)} (drawn with ${fonts.map((f) => `${f.familyName}${f.isCustomFont ? ' [embedded]' : ''}×${f.glyphCount}`).join(', ') || 'nothing'})`);
    }
  }
  await page.evaluate(() => document.querySelectorAll('[data-lc-han-probe]').forEach((el) => el.removeAttribute('data-lc-han-probe')));
  if (wrong.length) fail(`${wrong.length} of ${nodeIds.length} elements with Chinese text are not drawn with the embedded font (is "lc-cjk" in their font-family, before any system font? After one, Chromium draws bold Chinese with it as empty boxes): ${wrong.slice(0, 3).join('; ')}`);
  else if (nodeIds.length) ok(`all ${nodeIds.length} elements with Chinese text on screen are drawn with the embedded font, with no system CJK font available`);
  else fail('no element on screen has Chinese text');
}

async function main() {
  const started = Date.now();
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000,
    env: { ...process.env, FONTCONFIG_FILE: fcFile },
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('console', (m) => {
      if (m.type() === 'error') {
        const loc = m.location();
        fail(`console error: ${m.text()}${loc && loc.url ? ` (${loc.url.slice(0, 80)}:${loc.lineNumber})` : ''}`);
      }
    });
    page.on('pageerror', (e) => fail(`uncaught error in the page: ${e.message}`));
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    // Nothing but the report file itself (and data: URLs) may load: block the rest before it
    // leaves the machine, and fail on it below.
    await context.route((u) => !(u.protocol === 'data:' || u.href === reportUrl), (route) => route.abort('blockedbyclient'));

    await page.goto(reportUrl, { waitUntil: 'load', timeout: 30000 });
    let ready = true;
    try {
      await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 15000 });
    } catch {
      ready = false;
      fail('the report never set document.documentElement.dataset.ready = "1" (its script did not finish)');
    }
    const full = path.join(shots, `${name}-full.png`);
    await page.screenshot({ path: full, fullPage: true });

    if (ready) {
      const { problems, facts } = await page.evaluate(readDom);
      problems.forEach(fail);
      if (!problems.length) {
        ok(`DOM contract: ${facts.zones} zone shapes, ${facts.residences} residences, ${facts.facilities} facility marks, ${facts.gapAreas} gap-area shapes, legend, scale bar, north arrow, attribution ${JSON.stringify(facts.attribution)}`);
        ok(`tables: ${facts.indicators} indicator rows, ${facts['largest-gaps']} largest-gap rows; ${facts.bars} coverage bars; methods section`);
      }
      const want = opts.lang === 'zh' ? /^zh(-|$)/i : /^en(-|$)/i;
      if (!want.test(facts.lang || '')) fail(`<html lang=${JSON.stringify(facts.lang)}>; want ${opts.lang === 'zh' ? '"zh-CN"' : '"en"'}`);
      const bodyHan = (facts.bodyText.match(HAN) || []).length;
      if (opts.lang === 'zh') {
        const headHan = facts.headings.filter((h) => HAS_HAN.test(h)).length;
        if (bodyHan < 10) fail(`the zh report's visible text has ${bodyHan} Chinese characters`);
        else if (!headHan) fail('no heading of the zh report is in Chinese');
        else ok(`Chinese text: ${bodyHan} characters on screen, ${headHan} headings (lang ${facts.lang})`);
      } else {
        const chinese = [facts.title, ...facts.headings].filter((h) => HAS_HAN.test(h));
        if (chinese.length) fail(`the en report has Chinese in ${chinese.length} headings: ${chinese.slice(0, 5).map((h) => JSON.stringify(h.trim().slice(0, 40))).join(', ')}`);
        else ok(`English headings: ${facts.headings.length} headings and the title hold no Chinese (lang ${facts.lang}; ${bodyHan} Chinese characters elsewhere on screen)`);
      }

      if (await page.locator('svg#map').count()) {
        await checkMapShot(page, path.join(shots, `${name}-map.png`), 'all categories');
      }

      if (facts.categories && facts.categories.length && await page.locator('svg#map').count()) {
        const all = await page.evaluate(categoryView);
        const views = [];
        let chosen = null;
        for (const value of facts.categories) {
          await choose(page, value);
          const v = await page.evaluate(categoryView);
          views.push({ value, ...v });
          if (!chosen && v.facilities > 0) chosen = views[views.length - 1];
        }
        const wrongAttr = views.filter((v) => v.category !== v.value);
        if (wrongAttr.length) fail(`svg#map data-category does not follow the select: ${wrongAttr.slice(0, 3).map((v) => `${JSON.stringify(v.value)} → ${JSON.stringify(v.category)}`).join(', ')}`);
        if (!chosen) fail(`no category shows a facility when chosen (${facts.categories.length} tried)`);
        else {
          const changed = chosen.fills.filter((f, i) => f !== all.fills[i]).length;
          const withFacilities = views.filter((v) => v.facilities > 0).length;
          if (!changed) fail(`choosing ${JSON.stringify(chosen.value)} changes no residence's fill`);
          else if (withFacilities > 1 && chosen.facilities >= all.facilities) fail(`choosing ${JSON.stringify(chosen.value)} still shows all ${all.facilities} facility marks`);
          else ok(`category ${JSON.stringify(chosen.value)}: data-category follows, ${changed} of ${chosen.fills.length} residence fills change, ${chosen.facilities} of ${all.facilities} facility marks shown (${withFacilities} of ${facts.categories.length} categories have facilities)`);
          await choose(page, chosen.value);
          await checkMapShot(page, path.join(shots, `${name}-map-${chosen.value.replace(/[^\w-]/g, '_')}.png`), `category ${chosen.value}`);
        }
        await choose(page, '');
        const back = await page.evaluate(categoryView);
        if (back.category !== '') fail(`svg#map data-category is ${JSON.stringify(back.category)} after going back to all categories`);
        else if (back.fills.some((f, i) => f !== all.fills[i])) fail('going back to all categories does not restore the residence fills');
      }

      const cdp = await context.newCDPSession(page);
      const hasHan = HAS_HAN.test(facts.bodyText);
      if (opts.lang === 'zh' || hasHan) await checkFont(page, cdp);
      else ok('font: no Chinese text on screen, embedded-font check not needed');
    }

    await page.waitForTimeout(200); // late console messages
    const outside = requests.filter((u) => !(u.startsWith('data:') || u === reportUrl));
    if (outside.length) fail(`not self-contained: ${outside.length} request(s) outside report.html, e.g. ${[...new Set(outside)].slice(0, 3).map((u) => u.slice(0, 100)).join(', ')}`);
    else ok(`self-contained: no request but the file itself and data: URLs (${requests.length} in all)`);
    if (!failures.some((f) => f.startsWith('console error') || f.startsWith('uncaught error'))) ok('no console error, no uncaught page error');
    await context.close();
  } finally {
    await browser.close();
    fs.rmSync(fcDir, { recursive: true, force: true });
  }
  return Date.now() - started;
}

const guard = setTimeout(() => {
  console.error(`FAIL ${name}: the check did not finish in 180 s`);
  process.exit(1);
}, 180000);
let ms = 0;
try {
  ms = await main();
} catch (e) {
  fail(`the check itself failed: ${e.message.split('\n').slice(0, 3).join(' ')}`);
}
clearTimeout(guard);

console.log(`${name}: ${reportPath}`);
for (const p of passed) console.log(`  ok    ${p}`);
for (const f of failures) console.log(`  FAIL  ${f}`);
console.log(`  screenshots: ${path.relative(process.cwd(), shots) || '.'}/${name}-*.png`);
if (failures.length) {
  console.log(`FAIL ${name}: ${failures.length} problem(s)`);
  process.exit(1);
}
console.log(`PASS ${name}: ${passed.length} checks in ${(ms / 1000).toFixed(1)} s`);
