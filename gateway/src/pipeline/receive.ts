/**
 * Stage 1, receive: what a transport hands in, raw. The broker gives a device topic and its
 * payload bytes; the Modbus adapter the register blocks one poll read; the serial adapter the
 * lines a port delivered (one streamed line, or the replies of one poll cycle). Nothing is
 * decoded before this point. Here the input's template is looked up, status publishes set the
 * device's presence, and an MQTT publish marks its device as seen (the device spoke, whatever
 * it said); the adapters report their devices' presence themselves (a poll answered or not).
 */
import type { DeviceTopic } from '../core/topics.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { RegisterBlocks, Template } from '../templates/index.js';
import type { Rejection } from './rejections.js';

export interface MqttInput {
  transport: 'mqtt';
  topic: DeviceTopic;
  payload: Buffer;
  /** Epoch ms the broker received it. */
  at: number;
}

export interface ModbusInput {
  transport: 'modbus';
  device: string;
  /** The template id the adapter config names. */
  template: string;
  /** The registers and coils one poll read, by table and address. */
  registers: RegisterBlocks;
  at: number;
}

export interface SerialInput {
  transport: 'serial';
  device: string;
  template: string;
  /** Lines without their delimiter. */
  lines: readonly string[];
  /** The replies of one poll cycle (request/response templates): merged into one reading at `at`. */
  poll?: boolean;
  at: number;
}

export type PipelineInput = MqttInput | ModbusInput | SerialInput;

export interface ReceiveDeps {
  templates: { get(id: string): Template | undefined };
  registry: Pick<DeviceRegistry, 'seen' | 'setStatus'>;
  reject(r: Rejection): void;
}

/** The input's device id. */
export function deviceOf(input: PipelineInput): string {
  return input.transport === 'mqtt' ? input.topic.device : input.device;
}

/** The input's template id. */
export function templateIdOf(input: PipelineInput): string {
  return input.transport === 'mqtt' ? input.topic.template : input.template;
}

/** The template to decode the input with; undefined when the input is handled here or rejected. */
export function receive(input: PipelineInput, deps: ReceiveDeps): Template | undefined {
  const device = deviceOf(input);
  const templateId = templateIdOf(input);
  if (input.transport === 'mqtt') {
    const { channel } = input.topic;
    // Commands are for the device (wiring.ts subscribes the ones an adapter executes).
    if (channel === 'command') return undefined;
    if (channel === 'status') {
      const text = input.payload.toString('utf8').trim();
      if (text === 'online' || text === 'offline') deps.registry.setStatus(device, templateId, text, input.at);
      else deps.reject({ device, template: templateId, code: 'bad_status', channel, bytes: input.payload.length, raw: text, reason: `status must be "online" or "offline", got ${text.length} characters` });
      return undefined;
    }
  }
  const template = deps.templates.get(templateId);
  if (!template) {
    deps.reject({
      device, template: templateId, code: 'unknown_template', reason: `no template "${templateId}"`,
      ...(input.transport === 'mqtt' && { channel: input.topic.channel, bytes: input.payload.length }),
    });
    return undefined;
  }
  if (input.transport === 'mqtt') deps.registry.seen(device, templateId, input.at);
  return template;
}
