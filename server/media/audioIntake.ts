/**
 * Audio intake for send_audio: the bytes must be one of the formats phones record (AAC in ADTS or
 * an M4A/MP4 container, AMR, MP3, Ogg/Opus, WAV), recognised by their leading bytes, never by a
 * client-declared type. The bytes are stored as sent.
 *
 * Hand-written rather than the `file-type` package, which is laxer for every format here: it
 * identifies a file after skipping a UTF-8 BOM or an ID3 tag (so BOM+WAV or ID3+WAV pass), takes
 * `#!AMR` without its newline, accepts MPEG and ADTS frame headers with a bad bitrate, sample-rate
 * or frame length, and a WAV header cut short. Where file-type was stricter (OpusHead at the start
 * of the first page, an ID3 tag followed by real frames) these checks now are too.
 */
import { ApiError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import { decodeBase64 } from './base64.js';

/** A recognised audio format: the stored file's extension and served Content-Type. */
export interface AudioFormat {
  name: string;
  ext: string;
  contentType: string;
}

const latin1 = (b: Buffer, start: number, end: number) => b.subarray(start, end).toString('latin1');

const FORMATS: Array<AudioFormat & { test: (b: Buffer) => boolean }> = [
  {
    name: 'wav',
    ext: 'wav',
    contentType: 'audio/wav',
    test: (b) => latin1(b, 0, 4) === 'RIFF' && latin1(b, 8, 12) === 'WAVE',
  },
  {
    name: 'opus',
    ext: 'ogg',
    contentType: 'audio/ogg',
    test: isOggOpus,
  },
  {
    name: 'amr',
    ext: 'amr',
    contentType: 'audio/amr',
    test: (b) => latin1(b, 0, 6) === '#!AMR\n' || latin1(b, 0, 9) === '#!AMR-WB\n',
  },
  {
    name: 'm4a',
    ext: 'm4a',
    contentType: 'audio/mp4',
    test: (b) => latin1(b, 4, 8) === 'ftyp' && /^(M4A |M4B |mp41|mp42|isom|iso2|3gp[4-6]|dash)$/.test(latin1(b, 8, 12)),
  },
  {
    name: 'mp3',
    ext: 'mp3',
    contentType: 'audio/mpeg',
    // An MPEG audio layer III frame header, first or right after an ID3v2 tag.
    test: (b) => isMp3Frame(afterId3(b) ?? b),
  },
  {
    name: 'aac',
    ext: 'aac',
    contentType: 'audio/aac',
    test: (b) => isAdtsFrame(afterId3(b) ?? b),
  },
];

/**
 * The first page of an Ogg stream (version 0, beginning-of-stream flag) whose first packet is the
 * OpusHead identification header, as RFC 7845 §3 requires; after the page's segment table.
 */
function isOggOpus(b: Buffer): boolean {
  if (latin1(b, 0, 4) !== 'OggS' || b[4] !== 0 || !(b[5]! & 0x02) || b.length < 27) return false;
  const payload = 27 + b[26]!;
  return latin1(b, payload, payload + 8) === 'OpusHead';
}

/**
 * What follows a leading ID3v2 tag (version 2–4, syncsafe size, plus the footer a v2.4 tag may
 * flag), or null when the bytes do not start with one.
 */
function afterId3(b: Buffer): Buffer | null {
  if (latin1(b, 0, 3) !== 'ID3' || b[3]! < 2 || b[3]! > 4 || b.length < 10) return null;
  const size = b.subarray(6, 10);
  if (size.some((byte) => byte >= 0x80)) return null;
  const footer = b[3] === 4 && b[5]! & 0x10 ? 10 : 0;
  return b.subarray(10 + ((size[0]! << 21) | (size[1]! << 14) | (size[2]! << 7) | size[3]!) + footer);
}

/**
 * An MPEG audio frame header: 11-bit sync, a defined version (not 01), layer III (01), a bitrate
 * index that is neither "free" (0000) nor "bad" (1111), a defined sample rate (not 11).
 */
function isMp3Frame(b: Buffer): boolean {
  return (
    b[0] === 0xff &&
    (b[1]! & 0xe0) === 0xe0 &&
    (b[1]! & 0x18) !== 0x08 &&
    (b[1]! & 0x06) === 0x02 &&
    b[2]! >> 4 !== 0x0 &&
    b[2]! >> 4 !== 0xf &&
    ((b[2]! >> 2) & 0x03) !== 0x03
  );
}

/**
 * An AAC ADTS frame header: 12-bit sync, layer 00, a sampling frequency index below 13 and a
 * frame length that at least covers the header (7 bytes, 9 with CRC).
 */
function isAdtsFrame(b: Buffer): boolean {
  if (b[0] !== 0xff || (b[1]! & 0xf6) !== 0xf0) return false;
  const frequencyIndex = (b[2]! >> 2) & 0x0f;
  const frameLength = ((b[3]! & 0x03) << 11) | (b[4]! << 3) | (b[5]! >> 5);
  const headerLength = b[1]! & 0x01 ? 7 : 9;
  return frequencyIndex < 13 && frameLength >= headerLength;
}

/** The audio format the leading bytes announce, or null; never trusts a declared type. */
export function sniffAudio(bytes: Buffer): AudioFormat | null {
  if (bytes.length < 16) return null;
  const found = FORMATS.find((f) => f.test(bytes));
  return found ? { name: found.name, ext: found.ext, contentType: found.contentType } : null;
}

/** send_audio's `audio` parameter (base64) → bytes to store as sent, with their format. */
export function intakeAudio(base64: string): { bytes: Buffer; format: AudioFormat } {
  const bytes = decodeBase64(base64, LIMITS.audioBytes, 'audio', 'audio_invalid');
  const format = sniffAudio(bytes);
  if (!format) {
    throw new ApiError('audio_invalid', 'not AAC/M4A, AMR, MP3, Ogg/Opus or WAV audio', { field: 'audio' });
  }
  return { bytes, format };
}
