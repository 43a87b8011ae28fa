/** firmware-sim: simulators that speak each template's real protocol. */
export { createSimulatedSchool, roomName, type SimulatedSchool, type SimulatedSchoolOptions } from './school.js';
export { createMqttDevice, type SimDevice, type MqttDeviceOptions } from './mqtt/mqtt-device.js';
export { createSchoolClock, periodAt, roomHasClass, PERIODS, type SchoolClock } from './school-clock.js';
export * as models from './mqtt/models.js';
export { createScenarioRun, type ScenarioRun, type ScenarioRunOptions, type RunReport } from './scenario/runner.js';
export { loadScenario, parseScenario, scenarioSchema, ScenarioError, type Scenario, type ScenarioInput } from './scenario/schema.js';
export { planSchool, type PlannedDevice, type SchoolPlan } from './scenario/plan.js';
export type { DeviceCount } from './scenario/tally.js';
export type { GatewayFragment, WiredLinks } from './scenario/wired.js';
export { createRecorder, type Recorder, type RecordedMessage } from './record/recorder.js';
export { replayRecording, type ReplayResult } from './record/replay.js';
export * from './modbus/index.js';
export * from './serial/index.js';
export { behaviourFor, badPayload, type DeviceBehaviour } from './scenario/mqtt-models.js';
export { loadDemoScenario, scenariosDir } from './demo.js';
