// Decodes the WebSocket's binary frame message (docs/api.md §WebSocket): a 4-byte big-endian
// header length N, N bytes of UTF-8 JSON {"type": "frame", ...}, then the JPEG bytes.

export interface FrameHeader {
  type: 'frame';
  channel: string;
  video_id: number;
  frame_number: number;
  pts_ns?: number;
  timestamp?: number;
}

export interface FrameMessage {
  header: FrameHeader;
  /** A view into the message's buffer (no copy). */
  jpeg: Uint8Array<ArrayBuffer>;
}

export class FrameMessageError extends Error {}

const LENGTH_BYTES = 4;

export function parseFrameMessage(buffer: ArrayBuffer): FrameMessage {
  if (buffer.byteLength < LENGTH_BYTES) {
    throw new FrameMessageError(`frame message too short: ${buffer.byteLength} bytes, no header length`);
  }
  const headerLength = new DataView(buffer).getUint32(0, false);
  const jpegStart = LENGTH_BYTES + headerLength;
  if (jpegStart > buffer.byteLength) {
    throw new FrameMessageError(
      `frame header length ${headerLength} runs past the message (${buffer.byteLength} bytes)`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(buffer, LENGTH_BYTES, headerLength)));
  } catch (err) {
    throw new FrameMessageError(`frame header is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || (header as { type?: unknown }).type !== 'frame') {
    throw new FrameMessageError(`frame header has type ${JSON.stringify((header as { type?: unknown } | null)?.type)}, not "frame"`);
  }
  const frameNumber = (header as { frame_number?: unknown }).frame_number;
  if (typeof frameNumber !== 'number' || !Number.isInteger(frameNumber) || frameNumber < 0) {
    throw new FrameMessageError('frame header has no frame_number');
  }
  if (jpegStart === buffer.byteLength) throw new FrameMessageError('frame message has no JPEG bytes');
  return { header: header as FrameHeader, jpeg: new Uint8Array(buffer, jpegStart) };
}
