/**
 * A conservative check that a line grammar's regex cannot backtrack
 * catastrophically: it must be anchored (^…$) and have no quantified group that
 * itself contains a quantifier or an alternation (the classic (a+)+ and (a|a)*).
 */
export function regexProblem(source: string): string | undefined {
  try { new RegExp(source); } catch (err) { return `not a valid regular expression: ${(err as Error).message}`; }
  if (!source.startsWith('^') || !source.endsWith('$') || source.endsWith('\\$')) return 'should be anchored with ^ at the start and $ at the end';
  // Stack of open groups: does the group contain a quantifier or a | ?
  const stack: { risky: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; continue; }
    if (c === '(') { stack.push({ risky: false }); continue; }
    const top = stack[stack.length - 1];
    if (c === '|' && top) top.risky = true;
    if ((c === '*' || c === '+' || c === '{') && top) top.risky = true;
    if (c === ')') {
      const g = stack.pop();
      const next = source[i + 1];
      const quantified = next === '*' || next === '+' || next === '{' || next === '?';
      if (g?.risky && quantified && next !== '?') return 'a quantified group contains a quantifier or alternation (catastrophic backtracking risk); use split columns instead';
      const parent = stack[stack.length - 1];
      if (parent && (g?.risky || quantified)) parent.risky = true;
    }
  }
  return undefined;
}
