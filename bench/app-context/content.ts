import { chance, int, pick, type Random } from "./random.js";

/**
 * File contents that compress about as real node_modules files do (JS and Markdown text from a
 * small vocabulary: gzip -6 takes them to roughly a quarter), made from a seeded PRNG only.
 */
const words = (
  "get set value options callback buffer stream parse node token state result error data config context handler event " +
  "listener request response path file name type key index length item list map cache module exports source target format " +
  "string number object array promise resolve reject emit write read open close start end next prev child parent root tree " +
  "walk visit scope flag mode size offset chunk encode decode hash digest match pattern range version platform env process " +
  "status code message input output default create update remove apply call bind wrap merge clone copy equal compare sort " +
  "filter reduce render text line column position location plugin loader schema validate transform config registry"
).split(" ");

const capital = (w: string) => w[0]!.toUpperCase() + w.slice(1);

/** A camelCase identifier of one to three words. */
export function identifier(random: Random): string {
  const n = int(random, 1, 3);
  let out = pick(random, words);
  for (let i = 1; i < n; i++) out += capital(pick(random, words));
  return out;
}

/** A package's own identifiers: files of one package repeat them, as real code does. */
export function vocabulary(random: Random, count = 40): string[] {
  return Array.from({ length: count }, () => identifier(random));
}

function sentence(random: Random, min: number, max: number): string {
  const n = int(random, min, max);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pick(random, words));
  return `${capital(out.join(" "))}.`;
}

/** Lines until `size` bytes, cut at exactly `size`. */
function fill(size: number, next: () => string): Buffer {
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const part = next();
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join("").slice(0, size), "latin1");
}

export function javascript(random: Random, size: number, ids: readonly string[], header = ""): Buffer {
  const id = () => pick(random, ids);
  let depth = 0;
  const pad = () => "  ".repeat(depth);
  const line = (): string => {
    const r = random();
    if (depth > 0 && r < 0.12) {
      depth--;
      return `${pad()}}\n`;
    }
    if (depth < 4 && r < 0.24) {
      const open = `${pad()}${chance(random, 0.3) ? "async function" : "function"} ${id()}(${id()}, ${id()}) {\n`;
      depth++;
      return open;
    }
    if (depth > 0 && r < 0.34) return `${pad()}if (${id()} === ${chance(random, 0.5) ? "undefined" : "null"}) return ${id()};\n`;
    if (depth > 0 && r < 0.42) return `${pad()}const ${id()} = ${id()}.${id()}(${id()}, ${int(random, 0, 64)});\n`;
    if (depth > 0 && r < 0.48) return `${pad()}for (let i = 0; i < ${id()}.length; i++) ${id()}.push(${id()}[i]);\n`;
    if (depth > 0 && r < 0.56) return `${pad()}return ${id()}.${id()}(${JSON.stringify(id())});\n`;
    if (depth > 0 && r < 0.6) return `${pad()}throw new TypeError(${JSON.stringify(sentence(random, 3, 8))});\n`;
    if (r < 0.68) return `${pad()}// ${sentence(random, 4, 12)}\n`;
    if (r < 0.74) return `const ${id()} = require("./${id()}");\n`;
    if (r < 0.8) return `module.exports.${id()} = ${id()};\n`;
    return `${pad()}${id()}.${id()} = ${chance(random, 0.5) ? int(random, 0, 4096) : JSON.stringify(id())};\n`;
  };
  let first = header;
  return fill(size, () => {
    if (!first) return line();
    const out = first;
    first = "";
    return out;
  });
}

/** A minified bundle: one long line, short locals mixed with the package's names. */
export function minified(random: Random, size: number, ids: readonly string[]): Buffer {
  const locals = "abcdefghijklmnopqrstuvwxyz".split("");
  const v = () => (chance(random, 0.6) ? pick(random, locals) : pick(random, ids));
  const piece = (): string => {
    const r = random();
    if (r < 0.25) return `function ${v()}(${v()},${v()}){return ${v()}&&${v()}.${v()}(${v()})}`;
    if (r < 0.45) return `var ${v()}=${v()}.${v()}||{};`;
    if (r < 0.6) return `if(${v()}===void 0)throw new Error("${sentence(random, 2, 6)}");`;
    if (r < 0.75) return `${v()}.prototype.${v()}=function(${v()}){this.${v()}=${v()}+${int(random, 0, 255)}};`;
    if (r < 0.9) return `for(var ${v()}=0;${v()}<${v()}.length;${v()}++)${v()}[${v()}]=${v()};`;
    return `"${v()}"in ${v()}&&(${v()}=${v()}.${v()});`;
  };
  return fill(size, piece);
}

export function typings(random: Random, size: number, ids: readonly string[]): Buffer {
  const types = ["string", "number", "boolean", "unknown", "Buffer", "Promise<void>", "readonly string[]", "Record<string, unknown>"];
  const id = () => pick(random, ids);
  const line = (): string => {
    const r = random();
    if (r < 0.35) return `export declare function ${id()}(${id()}: ${pick(random, types)}, ${id()}?: ${pick(random, types)}): ${pick(random, types)};\n`;
    if (r < 0.6) return `export interface ${capital(id())} {\n  ${id()}: ${pick(random, types)};\n  ${id()}?: ${pick(random, types)};\n}\n`;
    if (r < 0.8) return `/** ${sentence(random, 5, 14)} */\n`;
    return `export type ${capital(id())} = ${pick(random, types)} | ${capital(id())};\n`;
  };
  return fill(size, line);
}

export function markdown(random: Random, size: number, title: string, ids: readonly string[]): Buffer {
  let first = true;
  const block = (): string => {
    if (first) {
      first = false;
      return `# ${title}\n\n${sentence(random, 6, 16)}\n\n`;
    }
    const r = random();
    if (r < 0.15) return `## ${capital(pick(random, words))} ${pick(random, words)}\n\n`;
    if (r < 0.3) return `\`\`\`js\nconst ${pick(random, ids)} = require(${JSON.stringify(title)});\n${pick(random, ids)}.${pick(random, ids)}({ ${pick(random, ids)}: true });\n\`\`\`\n\n`;
    if (r < 0.45) return `- \`${pick(random, ids)}\`: ${sentence(random, 4, 10)}\n`;
    return `${Array.from({ length: int(random, 2, 5) }, () => sentence(random, 6, 18)).join(" ")}\n\n`;
  };
  return fill(size, block);
}

export function changelog(random: Random, size: number): Buffer {
  let major = int(random, 1, 9);
  let minor = 0;
  const entry = (): string => {
    minor++;
    if (chance(random, 0.1)) major++;
    const items = Array.from({ length: int(random, 1, 5) }, () => `- ${pick(random, ["fix", "feat", "chore", "docs"])}: ${sentence(random, 3, 12)}\n`);
    return `## ${major}.${minor}.${int(random, 0, 9)} (20${int(random, 15, 24)}-${String(int(random, 1, 12)).padStart(2, "0")}-${String(int(random, 1, 28)).padStart(2, "0")})\n\n${items.join("")}\n`;
  };
  return fill(size, entry);
}

/** A source map's shape: base64 VLQ segments, common ones repeating, compressing about half as well as code. */
export function sourceMap(random: Random, size: number, ids: readonly string[]): Buffer {
  const vlq = "ACDEFGIKMOQSUWYacegikmoqsuwy";
  const common = ["AAAA", "AAAA", "SAAS", "CAAC", "EAAE", "GAAG", "IAAI", "KAAK", "OAAO", "QAAQ", "UAAU", "YAAY", "cAAc", "gBAAgB"];
  const head = `{"version":3,"sources":${JSON.stringify(ids.slice(0, 6).map((i) => `../src/${i}.ts`))},"names":${JSON.stringify(ids)},"mappings":"`;
  let first = true;
  return fill(size, () => {
    if (first) {
      first = false;
      return head;
    }
    let seg = "";
    if (chance(random, 0.6)) seg = pick(random, common);
    else for (let i = int(random, 4, 6); i > 0; i--) seg += vlq[Math.floor(random() * vlq.length)];
    return seg + (chance(random, 0.1) ? ";" : ",");
  });
}

/**
 * A native addon or a prebuilt binary: 4 KiB blocks, most random, some from a small alphabet, so
 * it compresses a little, as ELF files do.
 */
export function binary(random: Random, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let block = 0; block < size; block += 4096) {
    const end = Math.min(size, block + 4096);
    const sparse = chance(random, 0.5);
    for (let i = block; i < end; i++) out[i] = sparse ? (random() < 0.7 ? 0 : Math.floor(random() * 16)) : Math.floor(random() * 256);
  }
  return out;
}

export function license(random: Random, author: string): string {
  return (
    `MIT License\n\nCopyright (c) 20${int(random, 10, 24)} ${author}\n\n` +
      "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated " +
      'documentation files (the "Software"), to deal in the Software without restriction, including without limitation ' +
      "the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to " +
      "permit persons to whom the Software is furnished to do so, subject to the following conditions:\n\n" +
      "The above copyright notice and this permission notice shall be included in all copies or substantial portions of " +
      'the Software.\n\nTHE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.\n'
  );
}

