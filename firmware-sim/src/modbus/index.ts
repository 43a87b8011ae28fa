export { createModbusSimServer, type ModbusSimServer, type ModbusSimServerOptions, type SimUnitSpec } from './server.js';
export { createSimDevice as createModbusSimDevice, MODBUS_SIM_TEMPLATES, seededRandom, type ModbusSimTemplate, type ModbusSimDevice } from './devices.js';
export type { UnitMode as ModbusUnitMode, RegisterTables as ModbusRegisterTables } from './pdu.js';
