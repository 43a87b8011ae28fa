/**
 * Which client ids a logged-in client may use (auth on). A persistent session
 * [MQTT-3.1.2-4] belongs to its client id, so whoever may present a client id may
 * resume that session and receive what was queued for it: without this rule, a
 * light's credentials with the smoke detector's client id and CleanSession 0 got
 * the detector's session and its queued QoS 1 command.
 *
 * Every client id has exactly one owner:
 * - a device's client id is its device id, nothing else (device ids cannot hold `:`);
 * - an internal user's client ids are its username or `<username>:<suffix>` (several
 *   connections of one dashboard or bridge); internal usernames cannot hold `:`, so no
 *   two identities can claim the same id.
 * A zero-length client id with CleanSession 1 is allowed: the broker assigns a random id
 * and there is no session to take [MQTT-3.1.3-6]; with CleanSession 0 it is refused
 * before this check [MQTT-3.1.3-8].
 */
import type { Identity } from './acl.js';

/** Why `who` may not use `clientId`, or undefined when it may. */
export function clientIdRefusal(who: Identity, clientId: string): string | undefined {
  if (who.kind === 'anonymous' || clientId.length === 0) return undefined;
  if (who.kind === 'device') return clientId === who.id ? undefined : 'a device must use its device id as client id';
  if (clientId === who.username || clientId.startsWith(`${who.username}:`)) return undefined;
  return 'an internal user must use its username, or <username>:<suffix>, as client id';
}
