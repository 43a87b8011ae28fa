export { createModbusSimServer, type ModbusSimServer, type ModbusSimServerOptions, type SimUnitSpec } from './server.js';
export { createSimDevice, MODBUS_SIM_TEMPLATES, seededRandom, type ModbusSimTemplate, type ModbusSimDevice } from './devices.js';
export { crc16, handlePdu, type UnitMode, type RegisterTables } from './pdu.js';
export { setF32, setI16, setU16, setU32, getI16 } from './words.js';
