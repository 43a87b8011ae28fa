export { createSerialSim, type SerialSim, type SerialSimMode, type SerialSimOptions } from './sim.js';
export { createReopeningPort, type ReopeningPort, type ReopeningPortOptions } from './port.js';
export { nmeaChecksum, noiseSentence, pjlinkAnswer, SERIAL_SIM_TEMPLATES, type ProjectorState, type SerialSimTemplate } from './lines.js';
export { createTcpLink, type TcpLink, type TcpLinkOptions } from './tcp-link.js';
