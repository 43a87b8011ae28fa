/**
 * Test support: template documents written in a test carry no Chinese labels; this adds a
 * placeholder `zh` to the template and to each field that has none, so a test about something
 * else passes the shape check. Tests of the labels themselves call the validator directly.
 */
export function labelled<T>(doc: T): T {
  if (typeof doc !== 'object' || doc === null) return doc;
  const d = doc as Record<string, unknown>;
  const fields = Array.isArray(d.fields)
    ? d.fields.map((f: unknown) => (typeof f === 'object' && f !== null && !('zh' in f) && 'name' in f ? { ...f, zh: `字段 ${String((f as { name: unknown }).name)}` } : f))
    : d.fields;
  return { ...d, zh: d.zh ?? '测试设备', ...(fields !== undefined && { fields }) } as T;
}
