/**
 * Pass 2 of a template's `behaviour` section (behaviour.ts): every name it gives is a declared
 * field (a pen's stroke and page may be tags) of the type, unit and privacy class the engine
 * reading it expects. Returns "behaviour.key.path: problem" strings.
 */
import type { Behaviour, Condition } from './behaviour.js';
import type { FieldDef, Template } from './schema.js';

interface Want {
  types?: readonly FieldDef['type'][];
  units?: readonly string[];
  role?: FieldDef['role'];
  /** `public`: no privacy class (the value feeds an aggregate that leaves the school). */
  privacy?: 'public' | 'health' | 'not-id';
}

const NUMERIC = ['number', 'integer'] as const;

function describeWant(w: Want): string {
  const parts = [
    w.types ? `a ${w.types.join(' or ')} field` : 'a field',
    w.units ? `in ${w.units.join(' or ')}` : '',
    w.role ? `with role: ${w.role}` : '',
    w.privacy === 'health' ? 'with privacy: health' : w.privacy === 'public' ? 'with no privacy class' : w.privacy === 'not-id' ? 'that is not an identifier (privacy: id)' : '',
  ];
  return parts.filter(Boolean).join(' ');
}

export function behaviourProblems(t: Template): string[] {
  const b: Behaviour | undefined = t.behaviour;
  if (b === undefined) return [];
  const out: string[] = [];
  const fields = new Map(t.fields.map((f) => [f.name, f]));
  const field = (at: string, name: string, want: Want, tagOk = false): FieldDef | undefined => {
    const f = fields.get(name);
    if (f === undefined) {
      if (tagOk && (t.tags ?? []).includes(name)) return undefined;
      out.push(`behaviour.${at}: names field ${name}, which is not declared in fields${tagOk ? ' (or tags)' : ''}`);
      return undefined;
    }
    const bad = (want.types && !want.types.includes(f.type))
      || (want.units && !want.units.includes(f.unit ?? ''))
      || (want.role && f.role !== want.role)
      || (want.privacy === 'public' && f.privacy !== undefined)
      || (want.privacy === 'health' && f.privacy !== 'health')
      || (want.privacy === 'not-id' && f.privacy === 'id');
    if (bad) out.push(`behaviour.${at}: field ${name} is ${f.type}${f.unit ? ` in ${f.unit}` : ''} (role ${f.role}${f.privacy ? `, privacy ${f.privacy}` : ''}); expected ${describeWant(want)}`);
    return f;
  };
  const condition = (at: string, c: Condition): void => {
    const f = field(`${at}.field`, c.field, { privacy: 'public' });
    if ((c.values === undefined) === (c.above === undefined)) out.push(`behaviour.${at}: give either values or above`);
    if (f === undefined) return;
    const numeric = f.type === 'number' || f.type === 'integer';
    if (c.above !== undefined && !numeric) out.push(`behaviour.${at}.above: field ${f.name} is ${f.type}; above needs a number or integer field`);
    for (const v of c.values ?? []) {
      const fits = f.type === 'enum' ? typeof v === 'string' && (f.values ?? []).includes(v)
        : f.type === 'boolean' ? typeof v === 'boolean'
          : f.type === 'string' ? typeof v === 'string' : typeof v === 'number';
      if (!fits) out.push(`behaviour.${at}.values: ${JSON.stringify(v)} is not a value of ${f.type} field ${f.name}${f.type === 'enum' ? ` (${(f.values ?? []).join(', ')})` : ''}`);
    }
  };

  const metrics = new Set<string>();
  b.inUse?.forEach((u, i) => {
    condition(`inUse[${i}]`, u);
    if (metrics.has(u.metric)) out.push(`behaviour.inUse[${i}].metric: ${u.metric} is given twice`);
    metrics.add(u.metric);
  });
  b.occupancy?.forEach((c, i) => condition(`occupancy[${i}]`, c));
  if (b.light) {
    b.light.on.forEach((n, i) => field(`light.on[${i}]`, n, { types: ['boolean'], privacy: 'public' }));
    if (b.light.brightness !== undefined) field('light.brightness', b.light.brightness, { types: NUMERIC, units: ['%'], privacy: 'public' });
    if (b.light.power !== undefined) field('light.power', b.light.power, { types: NUMERIC, units: ['W', 'kW'], privacy: 'public' });
  }
  if (b.energy) {
    b.energy.counters.forEach((c, i) => field(`energy.counters[${i}].field`, c.field, { types: NUMERIC, units: c.flow === 'water' ? ['m³'] : ['kWh'], role: 'counter', privacy: 'public' }));
    if (b.energy.power !== undefined) field('energy.power', b.energy.power, { types: NUMERIC, units: ['W', 'kW'], privacy: 'public' });
  }
  const env = b.environment ?? {};
  if (env.co2 !== undefined) field('environment.co2', env.co2, { types: NUMERIC, units: ['ppm'], privacy: 'public' });
  if (env.pm25 !== undefined) field('environment.pm25', env.pm25, { types: NUMERIC, units: ['µg/m³'], privacy: 'public' });
  if (env.temperature !== undefined) field('environment.temperature', env.temperature, { types: NUMERIC, units: ['°C'], privacy: 'public' });
  const bat = b.battery ?? {};
  if (bat.level !== undefined) field('battery.level', bat.level, { types: NUMERIC, units: ['%'], privacy: 'public' });
  if (bat.low !== undefined) field('battery.low', bat.low, { types: ['boolean'], privacy: 'public' });
  if (bat.lowCount !== undefined) field('battery.lowCount', bat.lowCount, { types: ['integer'], privacy: 'public' });
  if (b.pen) {
    field('pen.x', b.pen.x, { types: NUMERIC, privacy: 'public' });
    field('pen.y', b.pen.y, { types: NUMERIC, privacy: 'public' });
    if (b.pen.pressure !== undefined) field('pen.pressure', b.pen.pressure, { types: NUMERIC, privacy: 'public' });
    field('pen.stroke', b.pen.stroke, { privacy: 'public' }, true);
    if (b.pen.page !== undefined) field('pen.page', b.pen.page, { privacy: 'public' }, true);
  }
  if (b.answer) field('answer.field', b.answer.field, { types: ['enum', 'string', 'integer'], privacy: 'public' });
  if (b.heartRate) field('heartRate.field', b.heartRate.field, { types: NUMERIC, units: ['bpm'], privacy: 'health' });
  if (b.heartRate?.worn !== undefined) field('heartRate.worn', b.heartRate.worn, { types: ['boolean'], privacy: 'public' });
  if (b.session) {
    const seen = new Set<string>();
    b.session.fields.forEach((n, i) => {
      if (seen.has(n)) out.push(`behaviour.session.fields[${i}]: ${n} is listed twice`);
      seen.add(n);
      field(`session.fields[${i}]`, n, { privacy: 'not-id' });
    });
  }
  return out;
}
