/**
 * aedes's connect/subscribe hooks: authentication, the MQTT 3.1.1 checks aedes
 * misses, and subscription authorization.
 *
 * - [MQTT-3.1.3-8]: a zero-length client id with CleanSession = 0 gets CONNACK 0x02
 *   (identifier rejected) and the connection is closed.
 * - With auth on, a client id its identity does not own (client-ids.ts: a device's is its
 *   device id) is refused with 0x02, so one device cannot resume another's session and
 *   take what was queued for it [MQTT-3.1.2-4]. With auth off, a client id in use by
 *   another connection is taken over as MQTT says [MQTT-3.1.4-2].
 * - Bad credentials get 0x04, a locked-out address or a forbidden will topic 0x05,
 *   a login that cannot be verified now (scrypt queue full, or too many logins from the
 *   address waiting to be checked) 0x03.
 * - Warnings are rate-limited per source address or verified identity, never per client
 *   id, and quote client strings (topics, usernames) cut short (log-limiter.ts). A
 *   username that is no known device or user is not quoted at all: it may be anything
 *   someone typed (a name, a card number).
 * - A refused subscription gets the failure return code 0x80 in SUBACK [MQTT-3.9.3-1].
 */
import type { AuthenticateError, Client, ConnectPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { checkPublish, checkSubscribe, type DenyRule, type Identity } from './acl.js';
import { clientIdRefusal } from './client-ids.js';
import type { DeviceAuth } from './device-auth.js';
import { quote } from './log-limiter.js';
import { GatewayError } from '../errors.js';

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
}

export interface AccessHooks {
  identityOf(client: Client): Identity;
  preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void;
  authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): void;
  authorizeSubscribe(client: Client, sub: Subscription, callback: (error: Error | null, sub?: Subscription | null) => void): void;
}

const ANONYMOUS: Identity = { kind: 'anonymous' };

/** A refused CONNECT: aedes answers CONNACK `returnCode`; the error is a GatewayError, so it never counts as a protocol error. */
function refusal(returnCode: 2 | 3 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new GatewayError('GW_ERR_MQTT_LOGIN_REFUSED', message), { returnCode }) as AuthenticateError;
}

/** The key warnings about a client are limited by: its verified identity, or its address when anonymous. */
export function warnKey(who: Identity, address: string): string {
  return who.kind === 'device' ? `device:${who.id}` : who.kind === 'internal' ? `user:${who.username}` : `addr:${address}`;
}

/** What a log line may say about who a client is: a verified identity, or only its address. */
export function describeClient(who: Identity, address: string): Record<string, string> {
  if (who.kind === 'device') return { device: who.id, template: who.template, address };
  if (who.kind === 'internal') return { user: who.username, address };
  return { address };
}

const RETURN_CODE = { busy: 3, throttled: 3, locked_out: 5, bad_credentials: 4 } as const;

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
          deps.warnLimited(`auth:${address}`, { address, username: deps.auth.hasUser(username) ? username : undefined, reason: result.reason }, 'MQTT login refused');
          return done(refusal(RETURN_CODE[result.reason], result.reason), false);
        }
        const who = result.identity;
        const idRefused = clientIdRefusal(who, connect?.clientId ?? client.id);
        if (idRefused) {
          deps.counters.identifierRejected += 1;
          deps.warnLimited(`id:${warnKey(who, address)}`, { ...describeClient(who, address), reason: idRefused }, 'MQTT client id refused');
          return done(refusal(2, idRefused), false);
        }
        const willTopic = connect?.willTopic;
        const willRefused = willTopic !== undefined ? checkPublish(who, willTopic, deps.deny()) : undefined;
        if (willRefused) {
          deps.counters.aclDenials += 1;
          deps.warnLimited(`acl:${warnKey(who, address)}`, { ...describeClient(who, address), topic: quote(willTopic), reason: willRefused }, 'MQTT will topic refused');
          return done(refusal(5, `will topic refused: ${willRefused}`), false);
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
        const address = deps.addressOf(client);
        deps.warnLimited(`acl:${warnKey(who, address)}`, { ...describeClient(who, address), topic: quote(sub.topic), reason }, 'MQTT subscription refused');
        return callback(null, null); // SUBACK 0x80 [MQTT-3.9.3-1]
      }
      callback(null, sub);
    },
  };
}
