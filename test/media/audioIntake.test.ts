import assert from 'node:assert/strict';
import { intakeAudio, sniffAudio } from '../../server/media/audioIntake.js';
import { ApiError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import { AUDIO_SAMPLES, HTML, SVG, adtsFrame, grayPng, m4a, mp3Frame, oggVorbis, wav } from './fixtures.js';

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

describe('media: sniffAudio', () => {
  for (const sample of AUDIO_SAMPLES) {
    it(`recognises ${sample.name} as .${sample.ext} (${sample.contentType})`, () => {
      const format = sniffAudio(sample.bytes());
      assert.ok(format, `${sample.name} not recognised`);
      assert.equal(format.ext, sample.ext);
      assert.equal(format.contentType, sample.contentType);
    });
  }

  it('recognises AMR-WB and the other M4A/MP4 brands phones write', () => {
    const amrWb = Buffer.concat([Buffer.from('#!AMR-WB\n', 'latin1'), Buffer.alloc(40, 0x44)]);
    assert.equal(sniffAudio(amrWb)?.ext, 'amr');
    for (const brand of ['M4B ', 'mp42', 'isom', '3gp4']) assert.equal(sniffAudio(m4a(brand))?.ext, 'm4a', brand);
  });

  const mpeg = (b1: number, b2: number) => Buffer.concat([Buffer.from([0xff, b1, b2, 0x64]), Buffer.alloc(60)]);
  const adtsWith = (patch: (h: Buffer) => void) => {
    const frame = adtsFrame();
    patch(frame);
    return frame;
  };

  for (const [name, bytes] of [
    ['nothing', Buffer.alloc(0)],
    ['a WAV header cut below 16 bytes', wav().subarray(0, 15)],
    ['text', Buffer.from('this is not audio at all, just some words')],
    ['HTML', HTML],
    ['SVG', SVG],
    ['a PNG image', grayPng(8, 8)],
    ['a WebP image (RIFF but not WAVE)', Buffer.concat([Buffer.from('RIFF\x20\0\0\0WEBPVP8 ', 'latin1'), Buffer.alloc(32)])],
    ['Ogg/Vorbis (an Ogg page without OpusHead)', oggVorbis()],
    ['an AVIF image (ftyp, brand avif)', m4a('avif')],
    ['a HEIC image (ftyp, brand heic)', m4a('heic')],
    ['MPEG layer II', mpeg(0xfd, 0x90)],
    ['MPEG with the reserved version', mpeg(0xeb, 0x90)],
    ['MP3 with the "bad" bitrate index', mpeg(0xfb, 0xf0)],
    ['MP3 with the reserved sample rate', mpeg(0xfb, 0x9c)],
    ['an ID3 look-alike with version 0xff', Buffer.concat([Buffer.from('ID3\xff\0\0\0\0\0\0', 'latin1'), mp3Frame().fill(0)])],
    ['ADTS with an undefined sampling index', adtsWith((h) => (h[2] = (h[2]! & ~0x3c) | (15 << 2)))],
    ['ADTS with a frame length shorter than its header', adtsWith((h) => ((h[3] = h[3]! & ~0x03), (h[4] = 0), (h[5] = h[5]! & 0x1f)))],
    ['random bytes', Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c', 'hex')],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.equal(sniffAudio(bytes), null);
    });
  }

  // The first five pass the file-type package (it skips a BOM or an ID3 tag before it looks, takes
  // OpusHead without the beginning-of-stream flag and `#!AMR` without its newline); the last three
  // it refuses, and so must we (an ID3 tag is no audio by itself; OpusHead must open the stream).
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const id3 = (version = 3, flags = 0) => Buffer.from([0x49, 0x44, 0x33, version, 0, flags, 0, 0, 0, 0]);
  const vorbisThenOpusHead = () => {
    const page = oggVorbis();
    page.write('OpusHead', page.length - 10, 'latin1');
    return page;
  };
  const opusNotFirst = () => {
    const page = AUDIO_SAMPLES.find((s) => s.ext === 'ogg')!.bytes();
    page[5] = 0; // no beginning-of-stream flag
    return page;
  };
  for (const [name, bytes] of [
    ['a WAV behind a UTF-8 BOM', Buffer.concat([bom, wav()])],
    ['Ogg/Opus behind a UTF-8 BOM', Buffer.concat([bom, AUDIO_SAMPLES.find((s) => s.ext === 'ogg')!.bytes()])],
    ['a WAV behind an ID3 tag', Buffer.concat([id3(), wav()])],
    ['OpusHead on a page that does not begin the stream', opusNotFirst()],
    ['#!AMR without its newline', Buffer.concat([Buffer.from('#!AMRX', 'latin1'), Buffer.alloc(40, 0x3c)])],
    ['an ID3 tag followed by HTML', Buffer.concat([id3(), HTML])],
    ['an ID3 tag of padding and nothing after it', Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 32]), Buffer.alloc(32)])],
    ['an Ogg page whose first packet is Vorbis, OpusHead further on', vorbisThenOpusHead()],
  ] as const) {
    it(`refuses ${name}`, () => {
      assert.equal(sniffAudio(bytes), null);
    });
  }

  it('looks past an ID3 tag (with a v2.4 footer) at the frames it tags', () => {
    assert.equal(sniffAudio(Buffer.concat([id3(), mp3Frame(), mp3Frame()]))?.ext, 'mp3');
    assert.equal(sniffAudio(Buffer.concat([id3(4, 0x10), Buffer.alloc(10), mp3Frame()]))?.ext, 'mp3');
    assert.equal(sniffAudio(Buffer.concat([id3(), adtsFrame(), adtsFrame()]))?.ext, 'aac');
  });
});

describe('media: intakeAudio', () => {
  it('decodes base64 and keeps the bytes exactly as sent', () => {
    const bytes = wav();
    const { bytes: stored, format } = intakeAudio(bytes.toString('base64'));
    assert.deepEqual(stored, bytes);
    assert.equal(format.ext, 'wav');
  });

  it('goes by the bytes, never by a declared type', () => {
    const { format } = intakeAudio(`data:audio/mpeg;base64,${wav().toString('base64')}`);
    assert.equal(format.contentType, 'audio/wav');
    const error = refusal(() => intakeAudio(`data:audio/wav;base64,${HTML.toString('base64')}`));
    assert.equal(error.code, 'audio_invalid');
  });

  it('refuses anything else with audio_invalid on field audio', () => {
    for (const value of [HTML.toString('base64'), oggVorbis().toString('base64'), 'not base64 at all!']) {
      const error = refusal(() => intakeAudio(value));
      assert.equal(error.code, 'audio_invalid');
      assert.equal(error.field, 'audio');
    }
  });

  it('refuses more than the byte limit with payload_too_large', () => {
    const big = Buffer.concat([wav(), Buffer.alloc(LIMITS.audioBytes)]);
    const error = refusal(() => intakeAudio(big.toString('base64')));
    assert.equal(error.code, 'payload_too_large');
    assert.equal(error.field, 'audio');
  });
});
