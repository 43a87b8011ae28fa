/** What the fault injector can do to a simulated device, whatever its transport. */
export interface SimHandle {
  readonly id: string;
  readonly template: string;
  readonly room: string;
  /** Stops reporting / answering until `untilMs` (real epoch ms). */
  silence(untilMs: number): void;
  /** Drops the device's connection abruptly (MQTT: the will fires). */
  disconnect?(): void;
  /** Sends `n` payloads the gateway must reject. */
  bad?(n: number): void;
  /** Resets the device's cumulative counter to zero (meter swapped or rebooted). */
  resetCounter?(): void;
  /** Raises (true) or clears (false) the device's alarm. */
  alarm?(on: boolean): void;
}
