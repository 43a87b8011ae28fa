/**
 * Commands to devices the gateway drives (Modbus relay channels, air-conditioner
 * mode/setpoint): from the device `command` topic (docs/interfaces.md) and from
 * `POST /api/devices/:id/command`. A command is a JSON object of normalized
 * field → value, e.g. `{"ch1_on": true}` or `{"setpoint_c": 24.5, "mode": "cool"}`;
 * each field is range-checked by the template engine before anything is written.
 */
import type { Logger } from 'pino';
import type { Adapter, WriteResult } from '../adapters/index.js';
import { deviceTopic } from '../core/topics.js';

export interface CommandResult {
  device: string;
  results: Array<{ field: string } & WriteResult>;
}

export interface DeviceCommands {
  /** Whether the gateway can drive this device (it is polled by one of its adapters). */
  handles(deviceId: string): boolean;
  execute(deviceId: string, command: unknown): Promise<CommandResult>;
  /** Topic filter for commands to adapter-driven devices. */
  readonly topicFilter: string;
}

export function createDeviceCommands(
  devices: ReadonlyMap<string, { template: string; adapter: Adapter }>,
  deps: { log: Logger },
): DeviceCommands {
  const log = deps.log.child({ component: 'commands' });
  return {
    topicFilter: deviceTopic('+', '+', 'command'),
    handles: (id) => devices.has(id),
    async execute(deviceId, command) {
      const target = devices.get(deviceId);
      if (!target) return { device: deviceId, results: [{ field: '*', ok: false, code: 'unknown_device', reason: `the gateway does not drive device "${deviceId}"` }] };
      if (command === null || typeof command !== 'object' || Array.isArray(command) || Object.keys(command).length === 0) {
        return { device: deviceId, results: [{ field: '*', ok: false, code: 'bad_command', reason: 'a command is a non-empty JSON object of field → value' }] };
      }
      const results: CommandResult['results'] = [];
      for (const [field, value] of Object.entries(command as Record<string, unknown>)) {
        const r = await target.adapter.write(deviceId, field, value);
        results.push({ field, ...r });
        if (!r.ok) log.warn({ device: deviceId, field, code: r.code, reason: r.reason }, 'command refused');
      }
      return { device: deviceId, results };
    },
  };
}
