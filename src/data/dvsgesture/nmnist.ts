/**
 * N-MNIST `.bin` reader (Orchard et al. 2015; ATIS camera, 34 × 34 pixels). Five bytes per
 * event, no header (the format of the N-MNIST distribution, Orchard et al. 2015):
 * byte 0 = x, byte 1 = y, byte 2 bit 7 = polarity, byte 2 bits 6-0 = timestamp bits 22-16,
 * bytes 3-4 = timestamp bits 15-0 (big-endian). A sample is a few kB, so it is read whole.
 */
import { DataFormatError } from '../../errors.js';
import { allocEvents, type Events, type SensorSize } from './events.js';

export const NMNIST_SENSOR: SensorSize = [34, 34, 2];
export const NMNIST_EVENT_BYTES = 5;

/**
 * Decodes the bytes of an N-MNIST `.bin` file; `file` names it in errors. An empty file is a
 * DataFormatError: every sample of the distribution holds events, and 0 bytes means a failed copy.
 */
export function decodeNmnist(bytes: Uint8Array, file: string): Events {
  if (bytes.length === 0) throw new DataFormatError(file, `empty file: an N-MNIST sample holds ${NMNIST_EVENT_BYTES}-byte events`, 'byte 0');
  const whole = Math.floor(bytes.length / NMNIST_EVENT_BYTES);
  if (whole * NMNIST_EVENT_BYTES !== bytes.length) {
    throw new DataFormatError(
      file,
      `truncated event: file length ${bytes.length} is not a multiple of ${NMNIST_EVENT_BYTES}`,
      `byte ${whole * NMNIST_EVENT_BYTES}`,
    );
  }
  const [width, height] = NMNIST_SENSOR;
  const events = allocEvents(whole, NMNIST_SENSOR);
  for (let i = 0; i < whole; i++) {
    const o = i * NMNIST_EVENT_BYTES;
    const x = bytes[o];
    const y = bytes[o + 1];
    if (x >= width || y >= height) {
      throw new DataFormatError(file, `event at x ${x}, y ${y} lies outside the ${width}×${height} sensor`, `byte ${o}`);
    }
    events.x[i] = x;
    events.y[i] = y;
    events.p[i] = bytes[o + 2] >>> 7;
    events.t[i] = ((bytes[o + 2] & 0x7f) << 16) | (bytes[o + 3] << 8) | bytes[o + 4];
  }
  return events;
}
