import assert from 'node:assert/strict';
import { decodeBase64 } from '../../server/media/base64.js';
import { ApiError } from '../../shared/errors.js';

const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x00, 0x01, 0x02, 0x03]);

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

describe('media: decodeBase64', () => {
  const decode = (value: string, max = 1000) => decodeBase64(value, max, 'image', 'image_invalid');

  it('decodes standard, URL-safe and unpadded base64 to the same bytes', () => {
    const standard = bytes.toString('base64');
    assert.match(standard, /[+/]/, 'the sample must exercise the alphabet difference');
    assert.deepEqual(decode(standard), bytes);
    assert.deepEqual(decode(bytes.toString('base64url')), bytes);
    assert.deepEqual(decode(standard.replace(/=+$/, '')), bytes);
  });

  it('accepts a data: URL prefix and MIME line breaks, whatever type the prefix declares', () => {
    const wrapped = bytes.toString('base64').replace(/(.{4})/g, '$1\r\n');
    assert.deepEqual(decode(`data:image/svg+xml;base64,${wrapped}`), bytes);
    assert.deepEqual(decode(`DATA:audio/mpeg;BASE64,${bytes.toString('base64')}`), bytes);
  });

  for (const [name, value] of [
    ['characters outside the alphabet', 'aGVsbG8h!'],
    ['percent-encoding', 'aGVs%2BbG8='],
    ['padding in the middle', 'aGVs=bG8='],
    ['too much padding', 'aGVsbA==='],
    ['a length no base64 can have', 'aGVsb'],
    ['an empty payload after the data: prefix', 'data:image/png;base64,'],
    ['whitespace only', ' \n\t '],
    ['a non-base64 data URL', 'data:image/png,hello'],
  ] as const) {
    it(`refuses ${name} with the given code and field`, () => {
      const error = refusal(() => decode(value));
      assert.equal(error.code, 'image_invalid');
      assert.equal(error.field, 'image');
      assert.equal(error.httpStatus, 400);
    });
  }

  it('uses the caller’s code and field (audio)', () => {
    const error = refusal(() => decodeBase64('@@@@', 10, 'audio', 'audio_invalid'));
    assert.equal(error.code, 'audio_invalid');
    assert.equal(error.field, 'audio');
  });

  it('accepts exactly maxBytes and refuses one more with payload_too_large (413)', () => {
    for (const size of [999, 1000]) {
      assert.equal(decode(Buffer.alloc(size, 7).toString('base64')).length, size);
    }
    for (const size of [1001, 1002, 1003, 5000]) {
      const padded = refusal(() => decode(Buffer.alloc(size, 7).toString('base64')));
      assert.equal(padded.code, 'payload_too_large');
      assert.equal(padded.httpStatus, 413);
      assert.equal(padded.field, 'image');
      const unpadded = refusal(() => decode(Buffer.alloc(size, 7).toString('base64url')));
      assert.equal(unpadded.code, 'payload_too_large');
    }
  });

  it('checks the alphabet before the size (an oversized garbage string is invalid, not too large)', () => {
    const error = refusal(() => decode('<'.repeat(5000)));
    assert.equal(error.code, 'image_invalid');
  });
});
