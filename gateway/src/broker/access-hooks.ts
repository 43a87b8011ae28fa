/**
 * aedes's connect/subscribe hooks: authentication, the MQTT 3.1.1 checks aedes
 * misses, and subscription authorization.
 *
 * - [MQTT-3.1.3-8]: a zero-length client id with CleanSession = 0 gets CONNACK 0x02
 *   (identifier rejected) and the connection is closed.
 * - A client id in use by a different identity is refused (0x02), so one device
 *   cannot take over another's session [MQTT-3.1.4-2].
 * - Bad credentials get 0x04, a locked-out address or a forbidden will topic 0x05,
 *   a login that cannot be verified now (scrypt queue full) 0x03.
 * - A refused subscription gets the failure return code 0x80 in SUBACK [MQTT-3.9.3-1].
 */
import type { Aedes, AuthenticateError, Client, ConnectPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { checkPublish, checkSubscribe, type DenyRule, type Identity } from './acl.js';
import type { DeviceAuth } from './device-auth.js';

type ConnectInfo = { clientId: string; clean: boolean; willTopic: string | undefined };

export interface AccessCounters {
  authFailures: number;
  identifierRejected: number;
  aclDenials: number;
}

export interface AccessHooksDeps {
  log: Logger;
  auth: DeviceAuth;
  deny: () => readonly DenyRule[];
  addressOf(client: Client): string;
  counters: AccessCounters;
  /** Logs at warn at most once a minute per key. */
  warnLimited(key: string, obj: object, msg: string): void;
  aedes(): Aedes | undefined;
}

export interface AccessHooks {
  identityOf(client: Client): Identity;
  preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void;
  authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): void;
  authorizeSubscribe(client: Client, sub: Subscription, callback: (error: Error | null, sub?: Subscription | null) => void): void;
}

const ANONYMOUS: Identity = { kind: 'anonymous' };

function refusal(returnCode: 2 | 3 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function identityKey(who: Identity): string {
  return who.kind === 'device' ? `device:${who.id}` : who.kind === 'internal' ? `user:${who.username}` : 'anonymous';
}

export function createAccessHooks(deps: AccessHooksDeps): AccessHooks {
  const identities = new WeakMap<Client, Identity>();
  const connects = new WeakMap<Client, ConnectInfo>();

  function identityOf(client: Client): Identity {
    return identities.get(client) ?? ANONYMOUS;
  }

  return {
    identityOf,
    preConnect(client, packet, callback) {
      connects.set(client, { clientId: packet.clientId, clean: packet.clean !== false, willTopic: packet.will?.topic });
      callback(null, true);
    },
    authenticate(client, username, password, done) {
      const connect = connects.get(client);
      connects.delete(client);
      if (connect && connect.clientId.length === 0 && !connect.clean) {
        deps.counters.identifierRejected += 1;
        return done(refusal(2, 'a zero-length client id needs CleanSession = 1 [MQTT-3.1.3-8]'), false);
      }
      const address = deps.addressOf(client);
      deps.auth.authenticate(username, password, address).then((result) => {
        if (!result.ok) {
          if (result.reason === 'bad_credentials') deps.counters.authFailures += 1;
          deps.warnLimited(`auth:${address}`, { address, username, reason: result.reason }, 'MQTT login refused');
          // 0x03 server unavailable when too many logins wait for scrypt; 0x05 while locked out; else 0x04
          return done(refusal(result.reason === 'busy' ? 3 : result.reason === 'locked_out' ? 5 : 4, result.reason), false);
        }
        const who = result.identity;
        const willTopic = connect?.willTopic;
        const willRefused = willTopic !== undefined ? checkPublish(who, willTopic, deps.deny()) : undefined;
        if (willRefused) {
          deps.counters.aclDenials += 1;
          deps.warnLimited(`acl:${identityKey(who)}`, { username, topic: willTopic, reason: willRefused }, 'MQTT will topic refused');
          return done(refusal(5, `will topic refused: ${willRefused}`), false);
        }
        const current = (deps.aedes() as unknown as { clients?: Record<string, Client> } | undefined)?.clients?.[client.id];
        if (current && current !== client && identityKey(identityOf(current)) !== identityKey(who)) {
          deps.counters.identifierRejected += 1;
          deps.warnLimited(`takeover:${client.id}`, { clientId: client.id, username }, 'client id in use by another identity');
          return done(refusal(2, 'client id in use by another identity'), false);
        }
        identities.set(client, who);
        done(null, true);
      }, (err: unknown) => {
        deps.log.error({ err }, 'authentication failed unexpectedly');
        done(refusal(5, 'authentication error'), false);
      });
    },
    authorizeSubscribe(client, sub, callback) {
      const who = identityOf(client);
      const reason = checkSubscribe(who, sub.topic, deps.deny());
      if (reason) {
        deps.counters.aclDenials += 1;
        deps.warnLimited(`acl:${identityKey(who)}`, { client: client.id, topic: sub.topic, reason }, 'MQTT subscription refused');
        return callback(null, null); // SUBACK 0x80 [MQTT-3.9.3-1]
      }
      callback(null, sub);
    },
  };
}
