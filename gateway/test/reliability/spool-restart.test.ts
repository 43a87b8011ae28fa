import { spoolRestartTests } from './spool-restart.js';

spoolRestartTests();
