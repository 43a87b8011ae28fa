/** The demo school (scenarios/demo.yaml), for `campus-gateway start --simulate`. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario, type Scenario } from './scenario/schema.js';

/** scenarios/ beside src/ and dist/ (both one level below the package). */
export const scenariosDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

export function loadDemoScenario(): Scenario {
  return loadScenario(join(scenariosDir, 'demo.yaml'));
}
