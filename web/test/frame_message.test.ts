import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameMessageError, parseFrameMessage } from '../src/core/frame_message';

// Builds a binary frame message: 4-byte big-endian header length, header, payload.
function message(header: string, payload: number[], declaredLength?: number): ArrayBuffer {
  const headerBytes = new TextEncoder().encode(header);
  const bytes = new Uint8Array(4 + headerBytes.length + payload.length);
  new DataView(bytes.buffer).setUint32(0, declaredLength ?? headerBytes.length, false);
  bytes.set(headerBytes, 4);
  bytes.set(payload, 4 + headerBytes.length);
  return bytes.buffer;
}

const HEADER = '{"type":"frame","channel":"processed_frame_3","video_id":3,"frame_number":42,"pts_ns":1400000000,"timestamp":1730000000123}';
const JPEG = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0xff, 0xd9];

test('parses the header and returns the JPEG bytes as a view of the buffer', () => {
  const buffer = message(HEADER, JPEG);
  const { header, jpeg } = parseFrameMessage(buffer);
  assert.deepEqual(header, {
    type: 'frame',
    channel: 'processed_frame_3',
    video_id: 3,
    frame_number: 42,
    pts_ns: 1400000000,
    timestamp: 1730000000123,
  });
  assert.deepEqual([...jpeg], JPEG);
  assert.equal(jpeg.buffer, buffer); // no copy
  assert.equal(jpeg.byteOffset, 4 + HEADER.length);
});

test('reads the header length big-endian (a header over 255 bytes)', () => {
  const header = JSON.stringify({ type: 'frame', channel: 'processed_frame_1', video_id: 1, frame_number: 7, pad: 'x'.repeat(300) });
  const { header: parsed, jpeg } = parseFrameMessage(message(header, [1, 2, 3]));
  assert.equal(parsed.frame_number, 7);
  assert.deepEqual([...jpeg], [1, 2, 3]);
});

test('decodes a UTF-8 header', () => {
  const header = '{"type":"frame","channel":"processed_frame_2","video_id":2,"frame_number":0,"note":"Straße"}';
  const { header: parsed } = parseFrameMessage(message(header, [9]));
  assert.equal((parsed as unknown as { note: string }).note, 'Straße');
});

const malformed: [string, ArrayBuffer, RegExp][] = [
  ['empty', new ArrayBuffer(0), /too short: 0 bytes/],
  ['3 bytes', new Uint8Array([0, 0, 0]).buffer, /too short: 3 bytes/],
  ['header length past the end', message(HEADER, JPEG, HEADER.length + JPEG.length + 1), new RegExp(`header length ${HEADER.length + 9} runs past the message \\(${4 + HEADER.length + 8} bytes\\)`)],
  ['length 0xFFFFFFFF', message(HEADER, JPEG, 0xffffffff), /header length 4294967295 runs past/],
  ['not JSON', message('{"type":"frame",', JPEG), /not UTF-8 JSON/],
  ['invalid UTF-8', (() => { const b = new Uint8Array(message('"\u00e9"', JPEG)); b[5] = 0xff; return b.buffer; })(), /not UTF-8 JSON/],
  ['type is not frame', message('{"type":"analytics","frame_number":1}', JPEG), /type "analytics", not "frame"/],
  ['a JSON array', message('[1,2]', JPEG), /not "frame"/],
  ['JSON null', message('null', JPEG), /not "frame"/],
  ['no frame_number', message('{"type":"frame","video_id":1}', JPEG), /no frame_number/],
  ['no JPEG bytes', message(HEADER, []), /no JPEG bytes/],
];

for (const [name, buffer, why] of malformed) {
  test(`rejects a malformed message: ${name}`, () => {
    assert.throws(() => parseFrameMessage(buffer), (err: unknown) => err instanceof FrameMessageError && why.test(err.message));
  });
}
