/**
 * Decoding bank files. Banks still send Latin-1, Windows-1252 and DOS
 * code pages (CP852 in Central Europe); the encoding is rarely stated, so
 * it is guessed when not given: strict UTF-8 first, then whichever single
 * byte code page turns the high bytes into more letters.
 */
import iconv from 'iconv-lite';

export const bankEncodings = ['auto', 'utf-8', 'windows-1252', 'latin1', 'cp852'] as const;
export type BankEncoding = (typeof bankEncodings)[number];

const utf8 = new TextDecoder('utf-8', { fatal: true });

function letterScore(text: string): number {
  let score = 0;
  for (const char of text) {
    if (char.charCodeAt(0) < 0x80) continue;
    score += /\p{L}/u.test(char) ? 1 : -1;
  }
  return score;
}

/** Decodes a bank file's bytes to text, dropping a byte order mark. */
export function decodeBankText(bytes: Uint8Array, encoding: BankEncoding = 'auto'): string {
  let text: string;
  if (encoding === 'utf-8') {
    text = new TextDecoder('utf-8').decode(bytes);
  } else if (encoding !== 'auto') {
    text = iconv.decode(Buffer.from(bytes), encoding);
  } else {
    try {
      text = utf8.decode(bytes);
    } catch {
      const western = iconv.decode(Buffer.from(bytes), 'windows-1252');
      const central = iconv.decode(Buffer.from(bytes), 'cp852');
      text = letterScore(central) > letterScore(western) ? central : western;
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Splits text into lines on CRLF, LF or CR, keeping 1-based line numbers by index + 1. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}
