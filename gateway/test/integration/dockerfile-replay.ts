/**
 * Replays a Dockerfile without Docker: each stage gets a directory standing for its root file
 * system, COPY copies from the build context (minus .dockerignore) or an earlier stage, WORKDIR
 * and ENV set where and with what RUN runs, and RUN runs on this machine with `sh -c`, but only
 * the commands of the rules below. Everything else a stage declares (USER, VOLUME, CMD,
 * HEALTHCHECK, EXPOSE, chown/chmod) is recorded for the test to check and to run.
 *
 * RUN rules, per `&&`-separated part (anything else fails the replay, naming the part):
 *   npm ci …, npm run …, npm rebuild …   run in the stage's WORKDIR with its ENV
 *   mkdir -p /abs/path …                  run, paths inside the stage's root
 *   chown OWNER /abs/path …, chmod MODE /abs/path …
 *                                         not run (the test runs as one user): recorded
 *   apt-get …, rm -rf /var/lib/apt/lists/*  the base image's OS packages: not replayed
 * The base image itself (node and npm) is this machine's. Not supported (the replay fails):
 * ARG, FROM <earlier stage>, ADD, .dockerignore exceptions (`!`).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

export interface Instruction { op: string; args: string; line: number }
export interface Stage {
  name: string;
  image: string;
  root: string;
  env: Record<string, string>;
  workdir: string;
  user?: string;
  volumes: string[];
  expose: string[];
  cmd?: string[];
  healthcheck?: { options: string; command: string };
  claims: Array<{ command: 'chown' | 'chmod'; value: string; paths: string[] }>;
  notReplayed: string[];
  /** What each RUN part that ran printed (stdout and stderr). */
  output: Array<{ part: string; text: string }>;
}
export interface ReplayOptions {
  context: string;
  dir: string;
  /** Environment every RUN starts from (the image's own ENV is added on top). */
  env: NodeJS.ProcessEnv;
  /** Called before each RUN part that runs; may prepare the stage (the test's stand-ins). */
  beforeRun?: (part: string, stage: Stage) => void;
}

/** Instructions, with comments dropped and `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start}: not an instruction: ${line}`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
  }
  return out;
}

/** A .dockerignore as a predicate on context-relative paths (`**`, `*`, `?`; a directory excludes its contents). */
export function dockerignore(text: string): (path: string) => boolean {
  const patterns = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const bad = patterns.find((p) => p.startsWith('!'));
  if (bad) throw new Error(`.dockerignore exception ${bad} is not supported by the replay`);
  const regexes = patterns.map((p) => {
    const glob = posix.normalize(p.replace(/^\/+/, '')).replace(/\/$/, '');
    const body = glob.split(/(\*\*\/|\*\*|\*|\?)/).map((part) => {
      if (part === '**/') return '(?:.*/)?';
      if (part === '**') return '.*';
      if (part === '*') return '[^/]*';
      if (part === '?') return '[^/]';
      return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }).join('');
    return new RegExp(`^${body}$`);
  });
  // A path is excluded when it or a directory above it matches.
  return (path) => path.split('/').some((_, i, parts) => regexes.some((r) => r.test(parts.slice(0, i + 1).join('/'))));
}

function run(part: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', part], { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`RUN ${part} (in ${cwd}) failed: ${err.message}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

export async function replayDockerfile(instructions: Instruction[], ignoreText: string, opts: ReplayOptions): Promise<Stage[]> {
  const ignored = dockerignore(ignoreText);
  const stages: Stage[] = [];
  const inRoot = (stage: Stage, path: string) => join(stage.root, posix.resolve(stage.workdir, path));
  // An absolute path of the image stands for the same path under the stage's root when its top
  // directory was made there (/opt, /var, /etc); other paths (/usr/bin/env) are this machine's.
  const mapPath = (stage: Stage, path: string) => (/^\/[^/]/.test(path) && existsSync(join(stage.root, path.split('/')[1]!)) ? join(stage.root, path) : path);
  const expand = (stage: Stage, value: string) => value.replace(/\$\{?(\w+)\}?/g, (_, name: string) => stage.env[name] ?? opts.env[name] ?? '');

  const copyFromContext = (src: string, dest: string) => {
    const walk = (rel: string, to: string) => {
      const from = join(opts.context, rel);
      if (!statSync(from).isDirectory()) {
        mkdirSync(dirname(to), { recursive: true });
        cpSync(from, to);
        return;
      }
      mkdirSync(to, { recursive: true });
      for (const name of readdirSync(from)) {
        const child = rel === '.' ? name : `${rel}/${name}`;
        if (!ignored(child)) walk(child, join(to, name));
      }
    };
    walk(posix.normalize(src), dest);
  };

  for (const ins of instructions) {
    const stage = stages.at(-1);
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m || stages.some((s) => s.name === m[1])) throw new Error(`FROM ${ins.args}: not supported by the replay`);
      const name = m[2] ?? `stage-${stages.length}`;
      stages.push({ name, image: m[1]!, root: join(opts.dir, name), env: {}, workdir: '/', volumes: [], expose: [], claims: [], notReplayed: [], output: [] });
      mkdirSync(join(opts.dir, name), { recursive: true });
      continue;
    }
    if (!stage) throw new Error(`line ${ins.line}: ${ins.op} before FROM`);
    switch (ins.op) {
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, ins.args);
        mkdirSync(join(stage.root, stage.workdir), { recursive: true });
        break;
      case 'ENV': {
        const m = /^(\w+)=(.*)$/.exec(ins.args);
        if (!m) throw new Error(`line ${ins.line}: ENV in the form NAME=value only`);
        stage.env[m[1]!] = expand(stage, m[2]!.split(':').map((p) => mapPath(stage, p)).join(':'));
        break;
      }
      case 'COPY': {
        const words = ins.args.split(/\s+/);
        const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
        const paths = words.filter((w) => !w.startsWith('--'));
        const dest = paths.pop()!;
        const toDir = dest.endsWith('/') || paths.length > 1;
        for (const src of paths) {
          const source = from === undefined ? undefined : stages.find((s) => s.name === from);
          if (from !== undefined && !source) throw new Error(`line ${ins.line}: COPY --from=${from}: no such stage`);
          const at = source ? join(source.root, src) : join(opts.context, src);
          if (!existsSync(at)) throw new Error(`line ${ins.line}: COPY ${src}: not in ${source ? `stage ${from}` : 'the build context'}`);
          if (!source && src !== '.' && ignored(posix.normalize(src))) throw new Error(`line ${ins.line}: COPY ${src}: excluded by .dockerignore`);
          // A file into a directory keeps its name; a directory's contents go into the destination.
          const target = inRoot(stage, toDir && !statSync(at).isDirectory() ? join(dest, posix.basename(src)) : dest);
          if (source) cpSync(at, target, { recursive: true, verbatimSymlinks: true });
          else copyFromContext(src, target);
        }
        break;
      }
      case 'RUN':
        for (const part of ins.args.split(/\s*&&\s*/)) {
          const [cmd, ...args] = part.split(/\s+/);
          if (cmd === 'npm' && ['ci', 'run', 'rebuild'].includes(args[0] ?? '')) {
            opts.beforeRun?.(part, stage);
            stage.output.push({ part, text: await run(part, join(stage.root, stage.workdir), { ...opts.env, ...stage.env }) });
          } else if (cmd === 'mkdir' && args[0] === '-p' && args.slice(1).every((a) => a.startsWith('/'))) {
            for (const a of args.slice(1)) mkdirSync(join(stage.root, a), { recursive: true });
          } else if ((cmd === 'chown' || cmd === 'chmod') && args.length >= 2 && args.slice(1).every((a) => a.startsWith('/'))) {
            stage.claims.push({ command: cmd, value: args[0]!, paths: args.slice(1) });
          } else if (cmd === 'apt-get' || part === 'rm -rf /var/lib/apt/lists/*') {
            stage.notReplayed.push(part);
          } else {
            throw new Error(`line ${ins.line}: RUN ${part}: not in the replay's rules (dockerfile-replay.ts)`);
          }
        }
        break;
      case 'USER': stage.user = ins.args; break;
      case 'VOLUME': stage.volumes.push(...(ins.args.startsWith('[') ? JSON.parse(ins.args) as string[] : ins.args.split(/\s+/))); break;
      case 'EXPOSE': stage.expose.push(...ins.args.split(/\s+/)); break;
      case 'CMD':
        if (!ins.args.startsWith('[')) throw new Error(`line ${ins.line}: CMD in the exec (JSON) form only`);
        stage.cmd = JSON.parse(ins.args) as string[];
        break;
      case 'HEALTHCHECK': {
        const m = /^(.*?)\bCMD\s+(.*)$/.exec(ins.args);
        if (!m || m[2]!.startsWith('[')) throw new Error(`line ${ins.line}: HEALTHCHECK [options] CMD <shell command> only`);
        stage.healthcheck = { options: m[1]!.trim(), command: m[2]! };
        break;
      }
      default:
        throw new Error(`line ${ins.line}: ${ins.op} is not supported by the replay`);
    }
  }
  return stages;
}

/** Maps the absolute paths of an exec-form command into the stage's root. */
export function stageArgs(stage: Stage, args: string[]): string[] {
  return args.map((a) => (/^\/[^/]/.test(a) && existsSync(join(stage.root, a.split('/')[1]!)) ? join(stage.root, a) : a));
}

/** Paths under `dir`, relative, for the test's messages. */
export function listTree(dir: string, depth = 2): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const kids = depth > 1 && statSync(path).isDirectory() ? listTree(path, depth - 1).map((k) => join(name, k)) : [];
    return [relative(dir, path), ...kids];
  });
}
