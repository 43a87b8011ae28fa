/**
 * Message ids derived from what a message is about, not drawn at random: the same window
 * (site, kind, resolution, start) or the same alarm transition (site, template, device,
 * field, reading time, raised/cleared) always gets the same id. A message emitted twice —
 * a window closed again after a `kill -9` landed between the outbox write and the state save,
 * an alarm raised again by a reading the device resent after a crash — is then one message
 * to the hub, whose dedup drops the second by id (issue #10, the chaos run).
 * UUID-shaped (RFC 9562 version 8, custom): the first 122 bits of SHA-256 over the parts.
 */
import { createHash } from 'node:crypto';

export function messageId(parts: readonly (string | number)[]): string {
  const h = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
