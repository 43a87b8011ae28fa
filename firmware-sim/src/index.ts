/** firmware-sim: simulators that speak each template's real protocol. */
export { createSimulatedSchool, roomName, type SimulatedSchool, type SimulatedSchoolOptions } from './school.js';
export { createMqttDevice, type SimDevice, type MqttDeviceOptions } from './mqtt/mqtt-device.js';
export { createSchoolClock, periodAt, roomHasClass, PERIODS, type SchoolClock } from './school-clock.js';
export * as models from './mqtt/models.js';
