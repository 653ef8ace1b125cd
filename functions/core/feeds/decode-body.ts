/**
 * Turns the bytes of a fetched feed into a JS string. Owns charset detection (byte-order mark,
 * then the HTTP charset, then the XML declaration, then UTF-8) and the rewrite of the XML
 * declaration, because the parser downstream receives text, not bytes.
 */

/** How far into the body an XML declaration may be looked for. */
const SNIFF_BYTES = 1024;

/**
 * Labels that browsers (WHATWG Encoding) read as windows-1252. Feeds that say ISO-8859-1 very often
 * carry windows-1252 punctuation in 0x80–0x9F; decoded as Latin-1 those become C1 controls that
 * are then stripped, so curly quotes and dashes would vanish.
 */
const WINDOWS_1252_ALIASES = new Set([
  'iso-8859-1',
  'iso8859-1',
  'iso_8859-1',
  'latin1',
  'l1',
  'us-ascii',
  'ascii',
  'cp819',
]);

interface ByteOrderMark {
  encoding: string;
  length: number;
}

function byteOrderMark(body: Uint8Array): ByteOrderMark | undefined {
  const [b0, b1, b2, b3] = body;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return { encoding: 'utf-8', length: 3 };
  // UTF-32LE's mark starts like UTF-16LE's, so it is tested first.
  if (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00) {
    return { encoding: 'utf-32le', length: 4 };
  }
  if (b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff) {
    return { encoding: 'utf-32be', length: 4 };
  }
  if (b0 === 0xff && b1 === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (b0 === 0xfe && b1 === 0xff) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/** The `charset` parameter of a Content-Type header, quoted or not. */
function charsetOfContentType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;"]+))/i.exec(contentType);
  const label = (match?.[1] ?? match?.[2])?.trim();
  return label || undefined;
}

/**
 * The encoding an XML document names for itself. A declaration in UTF-16/32 without a mark is
 * recognised by its NUL pattern (XML 1.0, appendix F); otherwise the head is read as Latin-1,
 * which maps every byte to a character and so never fails.
 */
function charsetOfXmlDeclaration(body: Uint8Array): string | undefined {
  const [b0, b1, b2, b3] = body;
  if (b0 === 0x3c && b1 === 0x00 && b2 === 0x00 && b3 === 0x00) return 'utf-32le';
  if (b0 === 0x00 && b1 === 0x00 && b2 === 0x00 && b3 === 0x3c) return 'utf-32be';
  if (b0 === 0x3c && b1 === 0x00 && b2 === 0x3f && b3 === 0x00) return 'utf-16le';
  if (b0 === 0x00 && b1 === 0x3c && b2 === 0x00 && b3 === 0x3f) return 'utf-16be';
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.length, SNIFF_BYTES));
  const match = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']\s*([A-Za-z0-9._:()+-]+)\s*["']/.exec(
    head.toString('latin1'),
  );
  return match?.[1];
}

/**
 * A label we can decode, or undefined. Wide encodings are trusted only when the bytes look wide:
 * servers often re-encode a document to UTF-8 and leave `encoding="UTF-16"` behind.
 */
function usableEncoding(label: string | undefined, body: Uint8Array): string | undefined {
  if (!label) return undefined;
  const name = label.trim().toLowerCase();
  if (WINDOWS_1252_ALIASES.has(name)) return 'windows-1252';
  if (!canDecode(name)) return undefined;
  if (/^(utf|ucs)-?(16|32|2|4)/.test(name) && !body.subarray(0, 4).includes(0)) return undefined;
  return name;
}

const UTF_32 = /^(utf-?32|ucs-?4)(le|be)?$/;

/**
 * Decoding uses the platform's WHATWG TextDecoder (Node.js ships full ICU: every label of the
 * Encoding Standard, windows-1251, KOI8-R and windows-1256 among them, with no table in our
 * bundle); UTF-32, which the standard leaves out, is decoded here.
 */
function canDecode(name: string): boolean {
  if (UTF_32.test(name)) return true;
  try {
    new TextDecoder(name);
    return true;
  } catch {
    return false;
  }
}

function decode(bytes: Uint8Array, encoding: string): string {
  const wide = UTF_32.exec(encoding);
  if (wide) return decodeUtf32(bytes, wide[2] !== 'be');
  const decoder = new TextDecoder(encoding, { ignoreBOM: true });
  // Node's TextDecoder reads windows-1252 as ISO-8859-1 (0x80–0x9F become C1 controls, losing
  // curly quotes and dashes); those 32 bytes are mapped here as the Encoding Standard says.
  if (decoder.encoding === 'windows-1252') return decodeWindows1252(bytes);
  return decoder.decode(bytes);
}

/** windows-1252 0x80–0x9F (the Encoding Standard's index); other bytes are ISO-8859-1. */
const WINDOWS_1252_HIGH =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    text +=
      byte >= 0x80 && byte <= 0x9f ? WINDOWS_1252_HIGH[byte - 0x80] : String.fromCharCode(byte);
  }
  return text;
}

function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text = '';
  for (let offset = 0; offset + 4 <= bytes.byteLength; offset += 4) {
    const codePoint = view.getUint32(offset, littleEndian);
    text +=
      codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff)
        ? String.fromCodePoint(codePoint)
        : '\uFFFD';
  }
  return text;
}

/** Rewrites the declared encoding to UTF-8: the text is no longer in the encoding it names. */
function relabelXmlDeclaration(text: string): string {
  return text.replace(
    /^(\s*<\?xml\s[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2/,
    (_match, prefix: string, quote: string) => `${prefix}${quote}UTF-8${quote}`,
  );
}

/**
 * Decodes a feed body. Precedence: byte-order mark > Content-Type charset > XML declaration >
 * UTF-8. A label that cannot be used (unknown, or contradicted by the bytes) is skipped rather
 * than thrown on; malformed bytes become U+FFFD. The mark is removed and the XML declaration,
 * if any, is relabelled UTF-8.
 */
export function decodeFeedBody(body: Uint8Array, contentType?: string): string {
  const mark = byteOrderMark(body);
  const encoding =
    mark?.encoding ??
    usableEncoding(charsetOfContentType(contentType), body) ??
    usableEncoding(charsetOfXmlDeclaration(body), body) ??
    'utf-8';
  // The mark is cut before decoding; a U+FEFF left at the start (a mark repeated, or one in a
  // body whose header named the charset) is dropped after, so the parser sees "<" first.
  const text = decode(mark ? body.subarray(mark.length) : body, encoding);
  return relabelXmlDeclaration(text.startsWith('\uFEFF') ? text.slice(1) : text);
}
