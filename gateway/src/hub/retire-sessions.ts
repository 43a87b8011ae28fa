/**
 * Ends the broker sessions of hub client ids that are no longer configured (`broker.connections`
 * lowered, `clientId` changed). A persistent session stays a member of the shared group while its
 * client is away, and the broker keeps handing it a share of every school's messages (measured with
 * mosquitto 2.0: they wait there, unacknowledged, until the gateways resend them). Connecting once
 * with a clean session ([MQTT-3.1.2-6], MQTT 5: Clean Start and no Session Expiry) discards it.
 */
import mqtt, { type IClientOptions } from 'mqtt';
import type { Logger } from 'pino';

const RETIRE_TIMEOUT_MS = 10_000;

/** The ids whose sessions could not be ended (try again at the next start). */
export async function retireSessions(url: string, base: IClientOptions, clientIds: readonly string[], log: Logger): Promise<string[]> {
  const failed: string[] = [];
  for (const clientId of clientIds) {
    const c = mqtt.connect(url, { ...base, clientId, clean: true, reconnectPeriod: 0, connectTimeout: RETIRE_TIMEOUT_MS });
    const ok = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), RETIRE_TIMEOUT_MS);
      c.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
      c.once('error', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    await c.endAsync(!ok);
    if (ok) log.info({ clientId }, 'ended the broker session of a hub connection no longer configured');
    else failed.push(clientId);
  }
  if (failed.length > 0) log.warn({ clientIds: failed }, 'could not end the broker sessions of hub connections no longer configured; trying again at the next start');
  return failed;
}
