/**
 * Audio intake for send_audio: the bytes must be one of the formats phones record (AAC in ADTS or
 * an M4A/MP4 container, AMR, MP3, Ogg/Opus, WAV), recognised by their leading bytes, never by a
 * client-declared type. The bytes are stored as sent.
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
    // The first Ogg page carries the OpusHead identification header.
    test: (b) => latin1(b, 0, 4) === 'OggS' && b.subarray(0, 512).includes('OpusHead'),
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
    // An ID3v2 tag (version 2–4), or an MPEG audio layer III frame header.
    test: (b) => (latin1(b, 0, 3) === 'ID3' && b[3]! >= 2 && b[3]! <= 4) || isMp3Frame(b),
  },
  {
    name: 'aac',
    ext: 'aac',
    contentType: 'audio/aac',
    test: isAdtsFrame,
  },
];

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
